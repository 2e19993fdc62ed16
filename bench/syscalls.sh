#!/usr/bin/env bash
# System calls per request, by call, under `strace -f -c`: whether a server asks the kernel for more
# per request than another (a read and a write each is the floor for HTTP/1.1 keep-alive).
#
#   bash bench/syscalls.sh                                  # POST /login: ours, hyper-bare, axum-cookie, actix-cookie
#   SCENARIO=hello APPS="ravyn hyper-bare" bash bench/syscalls.sh
#
# For each app: the server under strace (2 worker threads), `wrk -t1 -c64 -d3s` on the scenario,
# then strace's count of each call divided by the requests wrk completed. strace slows every call,
# so the requests per second here mean nothing; the calls per request do.
# Knobs: RAVYN_BIN (default: the release login example in CARGO_TARGET_DIR), BENCH_TARGET_DIR,
# SCENARIO (login or hello), PORT (18295), TOP (calls shown per app, 4).
set -euo pipefail
source "$(dirname "$0")/apps.sh"
SCENARIO=${SCENARIO:-login}
PORT=${PORT:-18295}
TOP=${TOP:-4}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ravyn-syscalls.XXXXXX")
need strace wrk curl
case $SCENARIO in login | hello) ;; *) die "SCENARIO is login or hello, not '$SCENARIO'" ;; esac
TRACER=""
cleanup() { [ -n "$TRACER" ] && pkill -P "$TRACER" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

printf '| app | scenario | requests | system calls per request (the most frequent) |\n|---|---|--:|---|\n'
for app in $APPS; do
  bin=$(binary "$app")
  for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$PORT " || break; sleep 0.1; done
  env HOST=127.0.0.1 PORT=$PORT WORKER_THREADS=2 LOGIN_FAST_HASH=1 RUST_LOG=warn \
    SESSION_SECRET=$SESSION_SECRET \
    strace -f -c -o "$WORK/$app.strace" "$bin" >"$WORK/$app.log" 2>&1 &
  TRACER=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/hello" && break; sleep 0.1; done
  curl -s -o /dev/null "http://127.0.0.1:$PORT/hello" || die "$app did not start: $(tail -5 "$WORK/$app.log")"
  case $SCENARIO in
    login) out=$(wrk -t1 -c64 -d3s -s bench/lua/login.lua "http://127.0.0.1:$PORT/login") ;;
    hello) out=$(wrk -t1 -c64 -d3s -s bench/lua/report.lua "http://127.0.0.1:$PORT/hello") ;;
  esac
  # The server is strace's child: stopping it makes strace write its counts and exit (Ctrl-C for
  # a graceful stop; SIGTERM for a server that does not act on it).
  pkill -INT -P "$TRACER" || true
  for _ in $(seq 20); do kill -0 "$TRACER" 2>/dev/null || break; sleep 0.1; done
  pkill -TERM -P "$TRACER" 2>/dev/null || true
  wait "$TRACER" 2>/dev/null || true
  TRACER=""
  requests=$(echo "$out" | sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p')
  [ -n "$requests" ] || die "$app: no wrk result"
  calls=$(awk -v r="$requests" '$NF != "total" && $4 ~ /^[0-9]+$/ { printf "%.3f %s\n", $4 / r, $NF }' "$WORK/$app.strace" |
    sort -rn | head -n "$TOP" | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')
  printf '| %s | %s | %s | %s |\n' "$app" "$SCENARIO" "$requests" "$calls"
done
