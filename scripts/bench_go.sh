#!/usr/bin/env bash
# Go's own channels next to gochan on the shapes of benches/channels.rs: builds and runs the
# Go program of benches/go/ (goroutines, GOMAXPROCS at Go's default), runs the gochan cells of
# the Rust bench with the same GOCHAN_BENCH_MSGS and GOCHAN_BENCH_RUNS, and prints one
# markdown table: Go, gochan blocking, gochan async and the ratios gochan / Go.
#
#   scripts/bench_go.sh                                    # every shape
#   scripts/bench_go.sh spsc ping_pong                     # only these shapes
#   GOCHAN_BENCH_MSGS=100000 GOCHAN_BENCH_RUNS=3 scripts/bench_go.sh > benches/go/RESULTS.md
#
# The markdown (a 3-line header naming the machine and the command, then the table) goes to
# stdout, progress to stderr. Without Go, it says so and exits 0.
set -euo pipefail

cd "$(dirname "$0")/.."

shapes_all="seq spsc mpsc mpmc select_rx select_both ping_pong"
caps_all="0 1 100 unbounded"

go_bin=""
if command -v go >/dev/null 2>&1; then
    go_bin="$(command -v go)"
elif [[ -x /usr/lib/go-1.19/bin/go ]]; then
    go_bin=/usr/lib/go-1.19/bin/go
fi
if [[ -z "$go_bin" ]]; then
    echo "Go is not installed (apt-get install -y golang-1.19-go); skipping the Go column"
    exit 0
fi

# Arguments are shape names; the Go program and the Rust bench get filters for those cells
# only (the Rust ones name the gochan library, so no peer and no idle cell runs).
go_filters=()
rust_filters=()
for shape in "$@"; do
    if [[ " $shapes_all " != *" $shape "* ]]; then
        echo "unknown shape '$shape' (one of: $shapes_all)" >&2
        exit 2
    fi
    go_filters+=("$shape/")
    for cap in $caps_all; do
        rust_filters+=("/$shape/$cap/gochan")
    done
done
if [[ ${#rust_filters[@]} -eq 0 ]]; then
    for cap in $caps_all; do
        rust_filters+=("/$cap/gochan")
    done
fi

env_words=""
for var in GOCHAN_BENCH_MSGS GOCHAN_BENCH_RUNS GOMAXPROCS; do
    if [[ -n "${!var:-}" ]]; then
        env_words="$env_words$var=${!var} "
    fi
done
command="${env_words}scripts/bench_go.sh${*:+ $*}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Which gochan is measured, read before it is built: the commit, and whether the sources
# differed from it.
rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain -- src Cargo.toml Cargo.lock "benches/*.rs" 2>/dev/null)" ]]; then
    rev="$rev with uncommitted changes"
fi

# Build both first, so that the wall times below are the benchmarks' alone. The Go module has
# no dependencies: no proxy, no toolchain download.
echo "building benches/go with $go_bin" >&2
(cd benches/go && GOPROXY=off GOTOOLCHAIN=local \
    "$go_bin" build -o "$work/gochanbench" .)
cargo bench --bench channels --no-run

# Seconds since the epoch, to 0.1 s, and the time elapsed since such a stamp.
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

start="$(now)"
"$work/gochanbench" "${go_filters[@]}" >"$work/go.txt"
go_secs="$(since "$start")"

start="$(now)"
cargo bench -q --bench channels -- "${rust_filters[@]}" >"$work/rust.md"
rust_secs="$(since "$start")"

cpus="$(nproc)"
model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
echo "- Machine: $cpus vCPU(s) (\`nproc\`), ${model:-unknown CPU}; $("$go_bin" version); $(rustc --version); gochan $rev; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- Command: \`$command\` (Go: ${go_secs} s, gochan cells of \`cargo bench --bench channels\`: ${rust_secs} s)"
echo "- Noisy shared ${cpus}-vCPU VM: only ratios within one run mean anything."
echo

python3 - "$work/go.txt" "$work/rust.md" "${GOMAXPROCS:-default ($cpus)}" <<'PY'
import re
import sys

go_path, rust_path, gomaxprocs = sys.argv[1:4]

# go <mode> <shape> <cap> <median> <min> <max>
go_rows = []
for line in open(go_path):
    f = line.split()
    if len(f) == 7 and f[0] == "go":
        go_rows.append(f[2:])

# The gochan column of the Rust bench's time tables ("## blocking (ns/msg, ...)",
# "## async select (...)", ...); the ratio tables ("## blocking: gochan / peer ...") and the
# idle table are skipped.
title = re.compile(r"(blocking|async)( select| ping_pong)? \(")
rust = {}
first_line = ""
mode, cols = None, None
for line in open(rust_path):
    line = line.rstrip("\n")
    if not first_line and line and not line.startswith("#"):
        first_line = line
    if line.startswith("## "):
        m = title.match(line[3:])
        mode, cols = (m.group(1) if m else None), None
        continue
    if mode is None or not line.startswith("|"):
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if cells[0] == "shape":
        cols = cells
    elif cols and "gochan" in cols and not set(cells[0]) <= set("-:"):
        rust[(mode, cells[0], cells[1])] = cells[cols.index("gochan")]

def median(cell):
    m = re.match(r"([0-9]+(?:\.[0-9]+)?)", cell or "")
    return float(m.group(1)) if m else None

def ratio(ours, go):
    a, b = median(ours), median(go)
    if go == "n/a" or ours == "n/a":
        return "n/a"
    if a is None or b is None or b == 0:
        return "-" if ours else ""
    return f"{a / b:.2f}"

print("## gochan next to Go's channels (ns/msg, ns/round trip for ping_pong; median (min-max))\n")
print(f"Go: goroutines, GOMAXPROCS {gomaxprocs}, standard library channels and `select`; Go has no "
      "unbounded channel (n/a). gochan blocking: OS threads; gochan async: tokio multi-thread "
      "runtime, 2 workers. Ratios are gochan / Go medians: below 1 means gochan is faster.")
if first_line:
    print(f"Rust bench: {first_line}")
print()
print("| shape | cap | Go | gochan blocking | gochan async | blocking / Go | async / Go |")
print("|---|---|---:|---:|---:|---:|---:|")
for shape, cap, med, lo, hi in go_rows:
    if med == "n/a":
        go = "n/a"
    elif lo == "-":
        go = med  # a failure: hung, lost-messages
    elif lo == hi:
        go = med
    else:
        go = f"{med} ({lo}-{hi})"
    blocking = rust.get(("blocking", shape, cap), "")
    asynch = rust.get(("async", shape, cap), "")
    print(f"| {shape} | {cap} | {go} | {blocking} | {asynch} | "
          f"{ratio(blocking, go)} | {ratio(asynch, go)} |")
PY
