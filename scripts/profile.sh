#!/usr/bin/env bash
# Instructions and locked (atomic read-modify-write) instructions per message, for gochan and
# its peers on one cell of the channel bench, counted by valgrind's callgrind. Unlike timings,
# these counts do not depend on what else the machine is doing.
#
#   scripts/profile.sh                                  # the default cells below
#   scripts/profile.sh async-current-thread spsc 0      # one cell: MODE SHAPE CAP
#   PROFILE_MSGS=40000 scripts/profile.sh blocking seq 100
#
# Each library runs the cell twice, with N and 2N messages (PROFILE_MSGS, default 20000), and
# the difference divided by N is reported, so start-up costs (the runtime, thread spawns)
# cancel out. Blocking cells with a peer thread count the spinning and yielding a thread does
# while it waits, which varies from run to run; the single-thread cells (seq, and every
# async-current-thread cell) are exact. Prints a markdown table on stdout.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind is not installed (apt-get install -y valgrind)" >&2
    exit 1
fi

n="${PROFILE_MSGS:-20000}"
if [[ $# -eq 3 ]]; then
    cells=("$1 $2 $3")
elif [[ $# -eq 0 ]]; then
    cells=(
        "async-current-thread spsc 0"
        "async-current-thread spsc 1"
        "async-current-thread ping_pong 0"
        "async-current-thread seq 100"
        "async-current-thread select_rx 0"
        "async-current-thread select_rx 100"
        "blocking seq 100"
        "blocking seq unbounded"
    )
else
    echo "usage: scripts/profile.sh [MODE SHAPE CAP]" >&2
    exit 2
fi

bin="$(cargo bench --bench profile --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "profile":
        print(m["executable"])')"
if [[ -z "$bin" ]]; then
    echo "could not build benches/profile.rs (cargo bench --bench profile --no-run)" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# count LIB MODE SHAPE CAP MESSAGES: "instructions locked" for one run.
count() {
    local out="$work/cg.out"
    valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --compress-strings=no \
        --callgrind-out-file="$out" "$bin" "$@" >/dev/null 2>&1
    python3 scripts/callgrind_locks.py "$bin" "$out" | awk '{ v[$1] = $2 } END { print v["instructions"], v["locked"] }'
}

echo "| mode | shape | cap | library | instructions/msg | locked instructions/msg |"
echo "|---|---|---|---|---:|---:|"
for cell in "${cells[@]}"; do
    read -r mode shape cap <<<"$cell"
    libs="gochan kanal"
    if [[ "$mode" == blocking ]]; then
        libs="gochan kanal crossbeam-channel"
    fi
    if [[ "$shape" == select_rx ]]; then
        # kanal has no select; crossbeam-channel's is blocking only.
        libs="gochan"
        if [[ "$mode" == blocking ]]; then
            libs="gochan crossbeam-channel"
        fi
    fi
    for lib in $libs; do
        echo "profiling $lib $cell" >&2
        read -r i1 l1 <<<"$(count "$lib" "$mode" "$shape" "$cap" "$n")"
        read -r i2 l2 <<<"$(count "$lib" "$mode" "$shape" "$cap" "$((2 * n))")"
        awk -v m="$mode" -v s="$shape" -v c="$cap" -v lib="$lib" -v n="$n" \
            -v i1="$i1" -v i2="$i2" -v l1="$l1" -v l2="$l2" \
            'BEGIN { printf "| %s | %s | %s | %s | %.0f | %.1f |\n", m, s, c, lib, (i2 - i1) / n, (l2 - l1) / n }'
    done
done
