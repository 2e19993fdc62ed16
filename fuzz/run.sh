#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), one after another, and prints each
# target's execution count. Needs the nightly toolchain and cargo-fuzz:
#   rustup toolchain install nightly && cargo install cargo-fuzz
# Usage: bash fuzz/run.sh [SECONDS] [TARGET...]   (JOBS=N runs N fuzzing processes per target)
# New interesting inputs land in fuzz/corpus/<target>/, or in $WORK/<target>/ when WORK is set
# (then fuzz/corpus/<target>/ is only read, as seeds). Keep what git holds small: merge a work
# corpus into the committed one with only the inputs that add coverage,
#   cargo +nightly fuzz run <target> corpus/<target> "$WORK/<target>" -- -merge=1
# (tests/fuzz_corpus.rs replays fuzz/corpus/ on stable). A crash is saved to
# fuzz/artifacts/<target>/ and stops the run. CARGO_TARGET_DIR, when set, is the fuzz build's
# target directory (run it under `nice -n 19` on a shared machine).
# SANITIZER=none fuzzes without AddressSanitizer (about twice the executions a second; the code
# under test forbids `unsafe`, so ASan watches only the dependencies'); then replay what was found
# under ASan with LeakSanitizer: REPLAY=1 runs every input of the corpora once (-runs=0) instead of
# fuzzing, and fails on any crash or leak, e.g.
#   SANITIZER=none WORK=/tmp/fuzz-work bash fuzz/run.sh 600 && REPLAY=1 WORK=/tmp/fuzz-work bash fuzz/run.sh
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^ravyn-fuzz$')
fi
jobs="${JOBS:-1}"
# Optimised, with debug assertions (overflow checks are findings too), AddressSanitizer (the
# default, with LeakSanitizer); 16 codegen units build much faster for a small cost in speed.
flags=(-O -a --codegen-units 16)
[ -z "${SANITIZER:-}" ] || flags+=(-s "$SANITIZER")
[ -z "${CARGO_TARGET_DIR:-}" ] || flags+=(--target-dir "$CARGO_TARGET_DIR")
cargo +nightly fuzz build "${flags[@]}"
parallel=()
[ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
mkdir -p logs
printf '%-16s %12s %10s %s\n' target executions exec/s result
for target in "${targets[@]}"; do
    log="logs/$target.log"
    status=ok
    corpora=("corpus/$target")
    if [ -n "${WORK:-}" ]; then
        mkdir -p "$WORK/$target"
        corpora=("$WORK/$target" "corpus/$target")
    fi
    # -max_len: whole requests and multipart bodies need room; -timeout: a slow input is a finding.
    limits=(-max_total_time="$seconds")
    [ "${REPLAY:-0}" = 1 ] && limits=(-runs=0)
    if ! cargo +nightly fuzz run "${flags[@]}" "$target" "${corpora[@]}" -- \
        "${limits[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        "${parallel[@]}" -print_final_stats=1 >"$log" 2>&1; then
        status="FAILED (see fuzz/$log, fuzz/artifacts/$target/)"
    fi
    # With JOBS > 1 each worker's stats are in fuzz-N.log.
    logs=("$log")
    for worker in fuzz-*.log; do [ -e "$worker" ] && logs+=("$worker"); done
    runs=$(awk '/stat::number_of_executed_units/ {s += $2} END {print s + 0}' "${logs[@]}")
    rate=$(( runs / (seconds > 0 ? seconds : 1) ))
    printf '%-16s %12s %10s %s\n' "$target" "$runs" "$rate" "$status"
    rm -f fuzz-*.log
    [ "$status" = ok ] || exit 1
done
