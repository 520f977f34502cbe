#!/usr/bin/env bash
# Runs gochan's stress tests under ThreadSanitizer (issue 7, item 5).
#
#   ci/tsan.sh            # from anywhere; extra arguments go to the test binaries
#   TSAN_SOAK_SECONDS=60 ci/tsan.sh   # also run examples/soak.rs under TSan for 60 s
#
# Needs rustup with a nightly toolchain and its rust-src component (for -Zbuild-std, which
# rebuilds std with TSan instrumentation: about 30 s more the first time). The component is
# installed here; if that fails the script fails, because a sanitizer run that silently skips
# itself proves nothing. The build goes to target/tsan so that it does not disturb the normal
# cache. halt_on_error=1 makes the first report fail the run.
#
# Suppressions, if any, live in ci/tsan-suppressions.txt, each with the reason it is a false
# positive; they are passed to TSan through TSAN_OPTIONS.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "tsan: installing the nightly rust-src component"
if ! rustup component add --toolchain nightly rust-src; then
    echo "tsan: FAILED: cannot install rust-src for nightly (needed by -Zbuild-std)" >&2
    exit 1
fi
rustc +nightly --version

target=x86_64-unknown-linux-gnu
tests=(--test smoke --test channels --test cancel --test golang)
for t in select golang_select; do
    if [[ -f "tests/${t}.rs" ]]; then
        tests+=(--test "${t}")
    fi
done

tsan_options="halt_on_error=1 second_deadlock_stack=1"
supp="ci/tsan-suppressions.txt"
if [[ -f "${supp}" ]] && grep -qv '^\s*\(#\|$\)' "${supp}"; then
    tsan_options+=" suppressions=$(pwd)/${supp}"
fi

echo "tsan: cargo +nightly test ${tests[*]} (TSAN_OPTIONS='${tsan_options}')"
start=${SECONDS}
RUSTFLAGS="-Zsanitizer=thread" \
RUSTDOCFLAGS="-Zsanitizer=thread" \
TSAN_OPTIONS="${tsan_options}" \
    cargo +nightly test -Zbuild-std --target "${target}" --target-dir target/tsan \
    -p gochan "${tests[@]}" -- "$@"
echo "tsan: tests ok in $((SECONDS - start)) s"

if [[ -n "${TSAN_SOAK_SECONDS:-}" ]]; then
    echo "tsan: soak for ${TSAN_SOAK_SECONDS} s"
    start=${SECONDS}
    RUSTFLAGS="-Zsanitizer=thread" \
    TSAN_OPTIONS="${tsan_options}" \
        cargo +nightly run -Zbuild-std --target "${target}" --target-dir target/tsan \
        --release -p gochan --example soak -- --seconds "${TSAN_SOAK_SECONDS}"
    echo "tsan: soak ok in $((SECONDS - start)) s"
fi
