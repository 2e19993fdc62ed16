#!/usr/bin/env bash
# Store faults under load: the login example with sessions in Redis, under wrk (GET /profile with
# a session, GET /hello without), while its Redis is killed (SIGKILL) and, OUTAGE seconds later,
# started again. A private Redis on REDIS_PORT is used (append-only, fsync always, so the session
# survives the kill), never the shared one on 6379.
#
#   bash bench/store_faults.sh
#
# Prints, per route, the statuses seen over the whole run and the latency p99/max, and a probe's
# timeline (GET /profile every 0.2 s: status and time) showing when 503s start and stop.
# Expected: /hello all 200; /profile 200 before and after, 503 {"detail":"Session store
# unavailable"} only during the outage; no request slower than the store timeout (2 s) plus
# scheduling; recovery without restarting the server.
#
# Knobs: DURATION=30 KILL_AT=8 OUTAGE=10 CONNECTIONS=16 PORT=18091 REDIS_PORT=16391
#        PROFILE=release|debug SKIP_BUILD=1 CARGO_TARGET_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-30}
KILL_AT=${KILL_AT:-8}
OUTAGE=${OUTAGE:-10}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18091}
REDIS_PORT=${REDIS_PORT:-16391}
PROFILE=${PROFILE:-release}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
for tool in wrk redis-server redis-cli curl; do
    command -v "$tool" >/dev/null || { echo "bench/store_faults.sh: needs $tool" >&2; exit 1; }
done
flag=(); [ "$PROFILE" = release ] && flag=(--release)
[ -n "${SKIP_BUILD:-}" ] || cargo build -q "${flag[@]}" --features redis --example login
binary="$CARGO_TARGET_DIR/$PROFILE/examples/login"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ravyn-store-faults.XXXXXX")

start_redis() {
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK" --appendonly yes \
        --appendfsync always --save "" --daemonize no >>"$WORK/redis.log" 2>&1 &
    redis=$!
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
    echo "redis did not start: $(tail "$WORK/redis.log")" >&2; exit 1
}
redis=""; server=""; probe=""
cleanup() {
    for pid in $probe $server $redis; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
start_redis
PORT=$PORT RUST_LOG=error SESSION_STORE=redis REDIS_URL="redis://127.0.0.1:$REDIS_PORT" LOGIN_FAST_HASH=1 \
    WORKER_THREADS=2 SESSION_SECRET=store-faults-secret-0123456789abcdef0123456789 \
    "$binary" >"$WORK/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/hello" >/dev/null && break; sleep 0.1; done
cookie=$(curl -fs -D - -o /dev/null -H 'content-type: application/json' \
    -d '{"email":"alice@example.com","password":"wonderland"}' "http://127.0.0.1:$PORT/login" \
    | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1)
[ -n "$cookie" ] || { echo "login failed" >&2; exit 1; }

# The probe: one GET /profile every 0.2 s, "seconds status time_total".
( start=$(date +%s.%N)
  while :; do
      line=$(curl -s -o /dev/null -m 10 -H "Cookie: $cookie" -w '%{http_code} %{time_total}' "http://127.0.0.1:$PORT/profile" || true)
      printf '%.1f %s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$line"
      sleep 0.2
  done ) >"$WORK/probe.txt" &
probe=$!

COOKIE=$cookie wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/lua/statuses.lua \
    "http://127.0.0.1:$PORT/profile" >"$WORK/profile.txt" &
wrk_profile=$!
wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/lua/statuses.lua \
    "http://127.0.0.1:$PORT/hello" >"$WORK/hello.txt" &
wrk_hello=$!
sleep "$KILL_AT"
kill -KILL "$redis"; wait "$redis" 2>/dev/null || true
echo "== t=${KILL_AT}s: Redis killed"
sleep "$OUTAGE"
start_redis
echo "== t=$(( KILL_AT + OUTAGE ))s: Redis started again (same data directory)"
wait "$wrk_profile" "$wrk_hello"
kill "$probe" 2>/dev/null || true; probe=""
for route in profile hello; do
    echo "== GET /$route, $CONNECTIONS connections, ${DURATION}s"
    grep -E '^(RESULT|STATUSES)' "$WORK/$route.txt"
done
echo "== probe timeline (GET /profile every 0.2 s): status changes"
awk '$2 != last { printf "t=%ss %s (%ss)\n", $1, $2, $3; last = $2 } END { printf "t=%ss %s (%ss) last\n", $1, $2, $3 }' "$WORK/probe.txt"
slowest=$(awk '{ if ($3 > max) max = $3 } END { print max }' "$WORK/probe.txt")
echo "slowest probe: ${slowest}s; server still the same process: $(kill -0 "$server" && echo yes)"
echo "== server errors logged: $(grep -c 'could not' "$WORK/server.log" || true)"
