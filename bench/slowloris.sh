#!/usr/bin/env bash
# Slow clients: does a slow-headers ("Slowloris") attack stop normal clients from being served?
#
#   bash bench/slowloris.sh
#
# Starts the login example, measures normal clients (wrk, GET /hello, CONNECTIONS connections)
# alone, then again while ATTACKERS connections each trickle a request head one byte at a time
# (bench/tools/slowloris.py: one byte per connection every INTERVAL seconds, reconnecting when the
# server closes them). Prints both runs' req/s, p50, p99 and errors, and the attack's own count of
# connections the server closed (header_read_timeout, default 30 s, bounds a head's arrival).
#
# Knobs (environment): ATTACKERS=2000 INTERVAL=1 DURATION=30 (seconds, per wrk run)
#   CONNECTIONS=32 THREADS=1 PORT=18090 PROFILE=release (or debug: figures then only compare the
#   two runs with each other) HEADER_READ_TIMEOUT (not a setting of the example: the default 30 s)
#   SERVER_CPU=0 WRK_CPU=1 (taskset pinning when taskset exists) SKIP_BUILD=1
#   CARGO_TARGET_DIR (default ./target)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ATTACKERS=${ATTACKERS:-2000}
INTERVAL=${INTERVAL:-1}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
PORT=${PORT:-18090}
PROFILE=${PROFILE:-release}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
command -v wrk >/dev/null || { echo "bench/slowloris.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench/slowloris.sh: needs python3" >&2; exit 1; }
# taskset execs the command, so $! of a pinned background command is the command's own pid.
pin() { if command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
pinned() { if command -v taskset >/dev/null; then echo taskset -c "$1"; fi; }

flag=(); [ "$PROFILE" = release ] && flag=(--release)
[ -n "${SKIP_BUILD:-}" ] || cargo build -q "${flag[@]}" --example login
binary="$CARGO_TARGET_DIR/$PROFILE/examples/login"
# Enough descriptors for the attack, the normal clients and the server's own files.
ulimit -n "$(( ATTACKERS * 2 + 1024 ))" 2>/dev/null || true

PORT=$PORT RUST_LOG=warn WORKER_THREADS=2 SESSION_SECRET=slowloris-secret-0123456789abcdef0123456789 \
    $(pinned "$SERVER_CPU") "$binary" >/tmp/ravyn-slowloris-server.log 2>&1 &
server=$!
attack=""
cleanup() { kill "$server" 2>/dev/null || true; [ -z "$attack" ] || kill "$attack" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/hello" >/dev/null && break; sleep 0.1; done

run_wrk() {
    pin "$WRK_CPU" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/lua/report.lua \
        "http://127.0.0.1:$PORT/hello" | grep '^RESULT' | sed "s/^RESULT/$1/"
}
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$server/status"; }

echo "== normal clients alone ($CONNECTIONS connections, ${DURATION}s, GET /hello); server RSS $(rss)"
run_wrk baseline
echo "== the same, during $ATTACKERS slow-header connections (1 byte per ${INTERVAL}s each)"
pin "$WRK_CPU" python3 bench/tools/slowloris.py 127.0.0.1 "$PORT" "$ATTACKERS" "$INTERVAL" "$(( DURATION + 10 ))" &
attack=$!
sleep 8 # let the attack open its connections
echo "server connections during the attack: $(ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l); server RSS $(rss)"
run_wrk under_attack
wait "$attack" || true
attack=""
echo "== after the attack: server RSS $(rss)"
run_wrk after
