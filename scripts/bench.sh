#!/usr/bin/env bash
# Runs the channel benchmark (benches/channels.rs) and writes its markdown into BENCHMARKS.md,
# under a header that names the machine, the toolchain and the command.
#
#   scripts/bench.sh                          # GOCHAN_BENCH_RUNS=5, the bench's default size
#   GOCHAN_BENCH_RUNS=3 GOCHAN_BENCH_MSGS=50000 scripts/bench.sh
#   scripts/bench.sh select ping_pong         # arguments are the bench's cell filters
#
# BENCH_OUT changes the output file; BENCH_MACHINE_NOTE replaces the note on the machine.
# The file is rewritten from scratch: a "Reading the results" section written by hand for an
# earlier run is dropped with the numbers it described.
set -euo pipefail

cd "$(dirname "$0")/.."

runs="${GOCHAN_BENCH_RUNS:-5}"
out="${BENCH_OUT:-BENCHMARKS.md}"
env_words="GOCHAN_BENCH_RUNS=$runs"
if [[ -n "${GOCHAN_BENCH_MSGS:-}" ]]; then
    env_words="$env_words GOCHAN_BENCH_MSGS=$GOCHAN_BENCH_MSGS"
fi
command="$env_words cargo bench --bench channels"
if [[ $# -gt 0 ]]; then
    command="$command -- $*"
fi

cpus="$(nproc)"
model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
rustc_version="$(rustc --version)"
date_utc="$(date -u '+%Y-%m-%d %H:%M UTC')"
note="${BENCH_MACHINE_NOTE:-The machine is a shared, noisy ${cpus}-vCPU VM (other jobs ran on the same cores during the run), so absolute times vary from run to run: only the ratios between libraries within one run are meaningful.}"

# Build first, so that the wall time below is the benchmark's alone.
cargo bench --bench channels --no-run

body="$(mktemp)"
trap 'rm -f "$body"' EXIT
start="$(date +%s)"
# Progress goes to stderr (the terminal); the markdown tables go to stdout.
export GOCHAN_BENCH_RUNS="$runs"
cargo bench -q --bench channels -- "$@" >"$body"
elapsed=$(($(date +%s) - start))

{
    echo "# gochan benchmarks"
    echo
    echo "- Machine: $cpus vCPU(s) (\`nproc\`), $model"
    echo "- Toolchain: $rustc_version"
    echo "- Date: $date_utc"
    echo "- Command: \`$command\` (or \`scripts/bench.sh\`, which writes this file)"
    echo "- Wall time of the benchmark: ${elapsed} s"
    echo
    echo "> $note"
    echo
    # The bench's own title is replaced by the one above.
    sed '1{/^# /d}' "$body" | sed '1{/^$/d}'
} >"$out"

echo "wrote $out (${elapsed} s)" >&2
if command -v python3 >/dev/null; then python3 scripts/plot_bench.py "$out" benches/plots || echo "scripts/plot_bench.py failed" >&2; fi
