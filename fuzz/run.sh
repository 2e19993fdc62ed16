#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), one after another, and prints each
# target's execution count. Needs the nightly toolchain and cargo-fuzz:
#   rustup toolchain install nightly && cargo install cargo-fuzz
# Usage: bash fuzz/run.sh [SECONDS] [TARGET...]   (JOBS=N runs N fuzzing processes per target)
# New interesting inputs land in fuzz/corpus/<target>/ (commit the useful ones: tests/fuzz_corpus.rs
# replays them on stable); a crash is saved to fuzz/artifacts/<target>/ and stops the run.
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
[ -z "${CARGO_TARGET_DIR:-}" ] || flags+=(--target-dir "$CARGO_TARGET_DIR/fuzz")
cargo +nightly fuzz build "${flags[@]}"
parallel=()
[ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
mkdir -p logs
printf '%-16s %12s %10s %s\n' target executions exec/s result
for target in "${targets[@]}"; do
    log="logs/$target.log"
    status=ok
    # -max_len: whole requests and multipart bodies need room; -timeout: a slow input is a finding.
    if ! cargo +nightly fuzz run "${flags[@]}" "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        "${parallel[@]}" -print_final_stats=1 >"$log" 2>&1; then
        status="FAILED (see fuzz/$log, fuzz/artifacts/$target/)"
    fi
    runs=$(grep -h 'stat::number_of_executed_units' "$log" fuzz-*.log 2>/dev/null | awk '{s+=$2} END {print s+0}')
    rate=$(( runs / (seconds > 0 ? seconds : 1) ))
    printf '%-16s %12s %10s %s\n' "$target" "$runs" "$rate" "$status"
    rm -f fuzz-*.log
    [ "$status" = ok ] || exit 1
done
