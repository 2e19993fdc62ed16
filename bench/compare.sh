#!/usr/bin/env bash
# req/s of two builds of the login example, side by side: before/after a change, or the same
# build with and without a setting. Runs are interleaved (for each round, for each scenario: A then
# B, or B then A on odd rounds) with the server pinned to SERVER_CPU and wrk to WRK_CPU, and the
# table shows the median req/s over rounds and B/A, and the server's CPU time (user + system, from
# /proc) per request, which moves less than req/s when other work shares the machine. req/s moves
# ±10 % between runs on a shared machine; decide with bench/callgrind.sh (instructions per request).
#
#   A=/path/to/old/login B=/path/to/new/login bash bench/compare.sh
#   A=target/release/examples/login B=target/release/examples/login B_ENV="CSRF=1" \
#     SCENARIOS="hello-cookie" bash bench/compare.sh      # the CSRF cliff: CSRF off vs on
#
# Scenarios: hello, profile (a valid signed session cookie), login (POST /login, JSON),
# hello-cookie (GET /hello sending a valid csrftoken cookie: with B_ENV="CSRF=1" this is issue 17's
# "CSRF on, valid token sent" against the same request with CSRF off).
# Knobs: A_ENV / B_ENV (extra environment, space-separated NAME=value), DURATION=6s WARMUP=2s
# ROUNDS=5 CONNECTIONS=64 SERVER_CPU=0 WRK_CPU=1 PORT=18190.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
: "${A:?A=path to the first login binary}" "${B:?B=path to the second login binary}"
DURATION=${DURATION:-6s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=${CONNECTIONS:-64}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
PORT=${PORT:-18190}
SCENARIOS=${SCENARIOS:-hello profile login}
SESSION_SECRET=bench-secret-0123456789abcdef0123456789abcdef
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ravyn-compare.XXXXXX")

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/compare.sh: %s\n' "$*" >&2; exit 1; }
for tool in wrk curl taskset; do command -v "$tool" >/dev/null || die "$tool is missing"; done

SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
url() { echo "http://127.0.0.1:$PORT$1"; }

start() { # which (A|B)
  local bin env_extra
  if [ "$1" = A ]; then bin=$A; env_extra=${A_ENV:-}; else bin=$B; env_extra=${B_ENV:-}; fi
  # shellcheck disable=SC2086 # env_extra is a list of NAME=value words
  env PORT=$PORT WORKER_THREADS=2 LOGIN_FAST_HASH=1 SESSION_SECRET=$SESSION_SECRET RUST_LOG=warn $env_extra \
    taskset -c "$SERVER_CPU" "$bin" >"$WORK/$1.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -s -o /dev/null "$(url /hello)" && return; sleep 0.1; done
  die "$1 did not start: $(tail -5 "$WORK/$1.log")"
}
stop() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""; }

session_cookie() {
  curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data '{"email":"alice@example.com","password":"wonderland"}' "$(url /login)" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(session=[^;]*\).*/\1/p' | head -n1
}
csrf_cookie() { # a csrftoken the server set, or (CSRF off) one of the same shape
  local c
  c=$(curl -s -D - -o /dev/null "$(url /hello)" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(csrftoken=[^;]*\).*/\1/p' | head -n1)
  [ -n "$c" ] || c="csrftoken=$(printf 'A%.0s' $(seq 43)).$(printf 'B%.0s' $(seq 43))"
  echo "$c"
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER/stat"; }

run() { # duration scenario -> "req/s cpu-µs-per-request"
  local d=$1 scenario=$2 cookie="" out before after
  local wrk=(taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d"$d")
  before=$(cpu_ticks)
  case $scenario in
    hello) out=$("${wrk[@]}" -s bench/lua/report.lua "$(url /hello)") ;;
    hello-cookie) cookie=$(csrf_cookie); out=$("${wrk[@]}" -s bench/lua/report.lua -H "Cookie: $cookie" "$(url /hello)") ;;
    profile) cookie=$(session_cookie); [ -n "$cookie" ] || die "no session cookie"
      out=$("${wrk[@]}" -s bench/lua/report.lua -H "Cookie: $cookie" "$(url /profile)") ;;
    login) out=$("${wrk[@]}" -s bench/lua/login.lua "$(url /login)") ;;
    *) die "unknown scenario $scenario" ;;
  esac
  after=$(cpu_ticks)
  local errors
  errors=$(echo "$out" | sed -n 's/.*status_errors=\([0-9]*\) socket_errors=\([0-9]*\).*/\1+\2/p')
  [ "$(( ${errors:-0} ))" = 0 ] || say "warning: $scenario: $errors errors"
  echo "$out" | sed -n 's/^RESULT requests=\([0-9]*\) duration_us=\([0-9]*\).*/\1 \2/p' |
    awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
      '{ printf "%.0f %.2f\n", $1 * 1000000 / $2, ticks / hz * 1000000 / $1 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for scenario in $SCENARIOS; do
  for which in A B; do start $which; run "$WARMUP" "$scenario" >/dev/null; stop; done
done
for round in $(seq "$ROUNDS"); do
  for scenario in $SCENARIOS; do
    order="A B"; [ $((round % 2)) = 0 ] && order="B A"
    for which in $order; do
      start $which
      read -r rps cpu < <(run "$DURATION" "$scenario")
      stop
      echo "$rps" >>"$WORK/$scenario.$which"
      echo "$cpu" >>"$WORK/$scenario.$which.cpu"
      say "round $round $scenario $which: $rps req/s, $cpu µs CPU/request"
    done
  done
done

median_f() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; }
printf '| scenario | A req/s | B req/s | B/A | A CPU µs/req | B CPU µs/req | B/A |\n|---|--:|--:|--:|--:|--:|--:|\n'
for scenario in $SCENARIOS; do
  a=$(median <"$WORK/$scenario.A"); b=$(median <"$WORK/$scenario.B")
  ca=$(median_f <"$WORK/$scenario.A.cpu"); cb=$(median_f <"$WORK/$scenario.B.cpu")
  printf '| %s | %.0f | %.0f | %s | %s | %s | %s |\n' "$scenario" "$a" "$b" "$(ratio "$a" "$b")" "$ca" "$cb" "$(ratio "$ca" "$cb")"
done
printf '\nMedians of %s rounds of %s at %s connections.\n' "$ROUNDS" "$DURATION" "$CONNECTIONS"
printf '\nA=%s %s\nB=%s %s\n' "$A" "${A_ENV:-}" "$B" "${B_ENV:-}"
