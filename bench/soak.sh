#!/usr/bin/env bash
# Soak: the login example under a realistic mix for a long time, memory watched.
#
#   bash bench/soak.sh            # 10 minutes per store, cookie sessions then Redis
#
# For each store in STORES: starts the login example (release), then runs wrk in back-to-back
# SLICE-second slices for DURATION seconds in all, CONNECTIONS connections, a mix of
# POST /login (new sessions), GET /profile (with a session cookie), POST /logout (without one)
# and GET /hello. After each slice it records req/s, p99, socket errors, unexpected statuses and
# the server's RSS, in docs/soak-<store>.tsv, and plots RSS and req/s over time
# (docs/soak-<store>.png, when gnuplot is installed). At the end it checks the issue's targets:
# 0 socket errors, no unexpected status, RSS at the end within 10 % of RSS after the first
# minute; it exits non-zero when one fails.
#
# Knobs: DURATION=600 SLICE=10 CONNECTIONS=256 THREADS=2 STORES="cookie redis"
#        MIX="POST /login=10,GET /profile=60,POST /logout=5,GET /hello=25"
#        PORT=18092 REDIS_URL (default redis://127.0.0.1:6379) PROFILE=release SKIP_BUILD=1
#        SERVER_CPU=0 WRK_CPU=1 (taskset pinning when taskset exists) OUT_DIR=docs
# Run it on a quiet machine: it is a measurement, and it keeps both cores busy for its duration.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-600}
SLICE=${SLICE:-10}
CONNECTIONS=${CONNECTIONS:-256}
THREADS=${THREADS:-2}
STORES=${STORES:-cookie redis}
MIX=${MIX:-POST /login=10,GET /profile=60,POST /logout=5,GET /hello=25}
PORT=${PORT:-18092}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
PROFILE=${PROFILE:-release}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
OUT_DIR=${OUT_DIR:-docs}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
command -v wrk >/dev/null || { echo "bench/soak.sh: needs wrk" >&2; exit 1; }
# taskset execs the command, so $! of a pinned background command is the command's own pid.
pin() { if command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
pinned() { if command -v taskset >/dev/null; then echo taskset -c "$1"; fi; }
flag=(); [ "$PROFILE" = release ] && flag=(--release)
[ -n "${SKIP_BUILD:-}" ] || cargo build -q "${flag[@]}" --features redis --example login
binary="$CARGO_TARGET_DIR/$PROFILE/examples/login"
server=""
trap '[ -z "$server" ] || kill "$server" 2>/dev/null || true' EXIT
failed=0

for store in $STORES; do
    env=(PORT="$PORT" RUST_LOG=error LOGIN_FAST_HASH=1 WORKER_THREADS=2
         SESSION_SECRET=soak-secret-0123456789abcdef0123456789abcdef)
    [ "$store" = cookie ] || env+=(SESSION_STORE="$store" REDIS_URL="$REDIS_URL")
    env "${env[@]}" $(pinned "$SERVER_CPU") "$binary" >"/tmp/ravyn-soak-$store.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/hello" >/dev/null && break; sleep 0.1; done
    cookie=$(curl -fs -D - -o /dev/null -H 'content-type: application/json' \
        -d '{"email":"alice@example.com","password":"wonderland"}' "http://127.0.0.1:$PORT/login" \
        | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1)
    out="$OUT_DIR/soak-$store.tsv"
    printf 'seconds\treq_per_s\tp99_ms\tsocket_errors\tunexpected\trss_kb\tstatuses\n' >"$out"
    echo "== $store sessions: ${DURATION}s, $CONNECTIONS connections, mix: $MIX -> $out"
    elapsed=0
    while [ "$elapsed" -lt "$DURATION" ]; do
        result=$(COOKIE=$cookie pin "$WRK_CPU" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SLICE}s" \
            -s bench/lua/statuses.lua "http://127.0.0.1:$PORT/" -- "$MIX")
        elapsed=$(( elapsed + SLICE ))
        rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
        line=$(grep '^RESULT' <<<"$result")
        statuses=$(grep '^STATUSES' <<<"$result" | cut -d' ' -f2-)
        requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
        duration=$(sed -n 's/.*duration_us=\([0-9]*\).*/\1/p' <<<"$line")
        p99=$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")
        socket=$(sed -n 's/.*socket_errors=\([0-9]*\).*/\1/p' <<<"$line")
        # Expected: 200 (hello, profile, logout) and 201 (login) only.
        unexpected=$(tr ' ' '\n' <<<"$statuses" | awk -F= '$1 != 200 && $1 != 201 && $1 != "" { s += $2 } END { print s + 0 }')
        printf '%d\t%d\t%.1f\t%d\t%d\t%d\t%s\n' "$elapsed" $(( requests * 1000000 / duration )) \
            "$(echo "$p99 / 1000" | bc -l)" "$socket" "$unexpected" "$rss" "$statuses" | tee -a "$out"
    done
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
    awk -F'\t' -v store="$store" 'NR > 1 {
            if ($1 <= 60) base = $6; last = $6; socket += $4; unexpected += $5 }
        END {
            drift = (last - base) * 100 / base
            printf "%s: RSS after 1 min %d kB, at end %d kB (%+.1f %%); socket errors %d; unexpected statuses %d\n",
                store, base, last, drift, socket, unexpected
            exit (socket > 0 || unexpected > 0 || drift > 10 || drift < -10) }' "$out" || failed=1
    if command -v gnuplot >/dev/null; then
        gnuplot <<GP
set terminal pngcairo size 900,420
set output "$OUT_DIR/soak-$store.png"
set title "bench/soak.sh: login example, $store sessions, $CONNECTIONS connections"
set xlabel "seconds"; set ylabel "RSS (MB)"; set y2label "req/s"; set y2tics; set ytics nomirror
plot "$out" using 1:(\$6/1024) skip 1 with lines title "RSS", "$out" using 1:2 skip 1 axes x1y2 with lines title "req/s"
GP
    fi
done
exit "$failed"
