#!/usr/bin/env bash
# Server-side user-space instructions per request, under callgrind: a measure that does not move
# with the machine's load, unlike req/s. For each app and scenario: the server runs under
# `valgrind --tool=callgrind`, gets a warm-up wrk run, its counters are zeroed
# (`callgrind_control -z`), wrk runs for DURATION, the counters are dumped (`callgrind_control -d`),
# and the dump's instruction total is divided by the requests wrk completed.
#
#   bash bench/callgrind.sh                         # our login example: GET /hello, /profile, POST /login
#   APPS="ravyn hyper-bare" bash bench/callgrind.sh
#   APPS="ravyn hyper-bare axum-cookie actix-cookie" bash bench/callgrind.sh   # issue 16's table
#   SCENARIOS="hello hello-csrf" bash bench/callgrind.sh
#
# Scenarios: hello, profile (a valid signed session cookie), login (POST /login, JSON),
# me (GET /me of the jwt example with a valid bearer token from its POST /auth/token; JWT_BIN, default
# the release jwt example built here; JWT_ENV adds settings, e.g. "JWT_CHECK_REVOCATION=0"),
# hello-csrf (GET /hello of the example with CSRF=1, sending a valid csrftoken cookie), hello-cookie
# (the same request with CSRF off: the baseline hello-csrf is compared with).
# Knobs: DURATION=4s WARMUP=2s CONNECTIONS=8; RAVYN_BIN (our server binary; default: the release
# login example built here with --no-default-features, as bench/run.sh builds it);
# RAVYN_ENV (extra environment for our server, space-separated NAME=value, e.g.
# "SESSION_STORE=postgres" with a RAVYN_BIN built with the store features);
# BENCH_TARGET_DIR for the peers in bench/ (built by bench/run.sh); FUNCTIONS=N prints callgrind's
# top N functions per run (inclusive of nothing: self cost) beside the total; KEEP=1 keeps the dumps.
# VALGRIND_ARGS adds callgrind options, e.g. "--cache-sim=yes --branch-sim=yes" for its cache and
# branch-predictor model (the dumps then count L1 misses and mispredicts; see `callgrind_annotate --show`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-4s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-8}
APPS=${APPS:-ravyn}
SCENARIOS=${SCENARIOS:-hello profile login}
FUNCTIONS=${FUNCTIONS:-0}
PORT=${PORT:-18180}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-$ROOT/bench/target}
SESSION_SECRET=bench-secret-0123456789abcdef0123456789abcdef
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ravyn-callgrind.XXXXXX")

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/callgrind.sh: %s\n' "$*" >&2; exit 1; }
for tool in valgrind callgrind_control callgrind_annotate wrk curl; do
  command -v "$tool" >/dev/null || die "$tool is missing (Debian: valgrind, wrk, curl)"
done

if [ -z "${RAVYN_BIN:-}" ]; then
  say "building the login example (release, HTTP/1.1 only)"
  cargo build --release --example login --no-default-features --quiet
  RAVYN_BIN=$CARGO_TARGET_DIR/release/examples/login
fi
JWT_BIN=${JWT_BIN:-$CARGO_TARGET_DIR/release/examples/jwt}
binary() { case $1 in ravyn) echo "$RAVYN_BIN" ;; ravyn-jwt) echo "$JWT_BIN" ;; *) echo "$BENCH_TARGET_DIR/release/$1" ;; esac; }

SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT

url() { echo "http://127.0.0.1:$PORT$1"; }

start() { # app extra-env...
  local app=$1; shift
  # No HOST: valgrind names its control pipes after $HOST, and callgrind_control looks them up
  # under its own (the example binds 127.0.0.1 by default).
  # The previous server's listener may linger a moment after it exits.
  for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$PORT " || break; sleep 0.1; done
  local app_env=()
  [ "$app" = ravyn ] && read -r -a app_env <<<"${RAVYN_ENV:-}"
  [ "$app" = ravyn-jwt ] && read -r -a app_env <<<"JWT_SECRET=bench-jwt-secret-0123456789abcdef0123456789 ${JWT_ENV:-}"
  env PORT=$PORT WORKER_THREADS=2 LOGIN_FAST_HASH=1 SESSION_SECRET=$SESSION_SECRET RUST_LOG=warn "${app_env[@]}" "$@" \
    valgrind --tool=callgrind ${VALGRIND_ARGS:-} --callgrind-out-file="$WORK/$app.%p.out" "$(binary "$app")" >"$WORK/$app.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 300); do curl -s -o /dev/null "$(url /hello)" && return; sleep 0.1; done
  die "$app did not start: $(tail -5 "$WORK/$app.log")"
}
stop() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""; }

session_cookie() {
  curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data '{"email":"alice@example.com","password":"wonderland"}' "$(url /login)" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(session=[^;]*\).*/\1/p' | head -n1
}
bearer_token() {
  curl -s -X POST -H 'Content-Type: application/json' \
    --data '{"email":"alice@example.com","password":"wonderland"}' "$(url /auth/token)" |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}
csrf_cookie() {
  curl -s -D - -o /dev/null "$(url /hello)" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(csrftoken=[^;]*\).*/\1/p' | head -n1
}

wrk_run() { # duration scenario cookie -> wrk output
  local d=$1 scenario=$2 cookie=$3
  local args=(wrk -t1 -c"$CONNECTIONS" -d"$d" -s bench/lua/report.lua)
  case $scenario in
    hello) "${args[@]}" "$(url /hello)" ;;
    hello-csrf | hello-cookie) "${args[@]}" -H "Cookie: $cookie" "$(url /hello)" ;;
    profile) "${args[@]}" -H "Cookie: $cookie" "$(url /profile)" ;;
    me) "${args[@]}" -H "Authorization: Bearer $cookie" "$(url /me)" ;;
    login) wrk -t1 -c"$CONNECTIONS" -d"$d" -s bench/lua/login.lua "$(url /login)" ;;
  esac
}

printf '| app | scenario | requests | instructions/request |\n|---|---|--:|--:|\n'
for app in $APPS; do
  for scenario in $SCENARIOS; do
    extra=()
    [ "$scenario" = hello-csrf ] && extra=(CSRF=1)
    server_app=$app
    [ "$scenario" = me ] && server_app=ravyn-jwt
    start "$server_app" "${extra[@]}"
    cookie=""
    case $scenario in
      profile) cookie=$(session_cookie)
        # hyper-bare sets no cookie: it gets one of our cookie's shape, so its requests carry as
        # many bytes (it ignores them), as in bench/run.sh.
        [ "$app" = hyper-bare ] && cookie="session=$(printf 'A%.0s' $(seq 56)).1700000000.1700000000.$(printf 'B%.0s' $(seq 43))" ;;
      me) cookie=$(bearer_token) ;;
      hello-csrf) cookie=$(csrf_cookie) ;;
      # The shape of a csrftoken cookie (the server, CSRF off, does not read it).
      hello-cookie) cookie="csrftoken=$(printf 'A%.0s' $(seq 43)).$(printf 'B%.0s' $(seq 43))" ;;
    esac
    case $scenario in profile | hello-csrf | me) [ -n "$cookie" ] || die "$app: no cookie for $scenario" ;; esac
    wrk_run "$WARMUP" "$scenario" "$cookie" >/dev/null
    callgrind_control -z "$SERVER" >/dev/null
    out=$(wrk_run "$DURATION" "$scenario" "$cookie")
    callgrind_control --dump="$scenario" "$SERVER" >/dev/null
    requests=$(echo "$out" | sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p')
    errors=$(echo "$out" | sed -n 's/.*status_errors=\([0-9]*\) socket_errors=\([0-9]*\).*/\1+\2/p')
    [ "$(( errors ))" = 0 ] || say "warning: $app $scenario: $errors errors"
    sleep 0.5
    dump=$(ls -t "$WORK/$server_app".*.out.* 2>/dev/null | head -n1)
    [ -n "$dump" ] || die "no callgrind dump for $app $scenario"
    total=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$dump" | head -n1)
    [ -n "$total" ] || total=$(sed -n 's/^totals: \([0-9]*\).*/\1/p' "$dump" | head -n1)
    printf '| %s | %s | %s | %s |\n' "$app" "$scenario" "$requests" "$(awk -v t="$total" -v r="$requests" 'BEGIN { printf "%.0f", t / r }')"
    if [ "$FUNCTIONS" -gt 0 ]; then
      # `head` closes the pipe early: under pipefail that is not a failure of the run.
      { callgrind_annotate --threshold=100 "$dump" 2>/dev/null | sed -n '/^Ir/,$p' | head -n $((FUNCTIONS + 3)) >&2; } || true
    fi
    [ "${KEEP:-0}" = 1 ] && cp "$dump" "${TMPDIR:-/tmp}/callgrind.$app.$scenario.out"
    rm -f "$dump"
    stop
  done
done
