#!/usr/bin/env bash
# Side-by-side load benchmark: Ravyn for Rust's login example against hyper-bare (the ceiling),
# axum-cookie and actix-cookie (bench/*); the same example with its sessions in Redis and PostgreSQL
# against axum-redis and actix-redis; the jwt example's GET /me with a bearer token. One command on a
# fresh Debian machine with the Rust toolchain (and the local Redis and PostgreSQL the store rows use):
#
#   bash bench/run.sh
#
# It installs wrk and gnuplot from Debian when missing, builds every app in release, starts all the
# servers pinned to one core (SERVER_CPU) with 2 worker threads each, and drives them with wrk pinned
# to the other core (WRK_CPU), with identical flags, interleaved: for each round, for each scenario,
# A B C D. It prints a markdown table and writes docs/benchmarks.md and docs/benchmarks.png.
#
# Knobs (environment):
#   DURATION=6s      length of each measured wrk run
#   WARMUP=2s        an unrecorded wrk run per app and scenario before round 1
#   ROUNDS=3         rounds (the table shows medians over rounds)
#   CONNECTIONS=64   connections for /hello, /login and the main /profile row
#   SWEEP="16 64 256" connection counts for the /profile sweep
#   SERVER_CPU=0 WRK_CPU=1
#   APPS="ravyn hyper-bare axum-cookie actix-cookie ravyn@redis axum-redis actix-redis ravyn@postgres ravyn-jwt"
#                    (the default; a shorter list measures fewer, e.g. APPS="ravyn hyper-bare")
#                    ravyn-jwt is the jwt example (examples/jwt), measured on GET /me with a bearer
#                    token from its POST /auth/token, beside hyper-bare; the other apps skip GET /me.
#                    axum-redis and actix-redis are the server-side peers (tower-sessions' and
#                    actix-session's Redis stores, at REDIS_URL): compare them with ravyn@redis, e.g.
#                    APPS="ravyn@redis axum-redis actix-redis". For every app keeping sessions in Redis
#                    the table adds the Redis commands per request (INFO commandstats before and after).
#                    `ravyn@STORE` adds our login example with SESSION_STORE=STORE (memory, redis,
#                    sqlite, postgres, mysql; built with those features in $CARGO_TARGET_DIR/stores,
#                    table ravyn_bench_sessions, the servers at their default URLs), e.g.
#                    APPS="ravyn ravyn@memory ravyn@redis ravyn@sqlite ravyn@postgres ravyn@mysql"
#   RAVYN_LOG=warn   RUST_LOG for our server (peers log nothing per request; "info" adds our access log)
#   OUT=docs/benchmarks.md  (PNG beside it); NO_DOCS=1 prints the table only
#   CARGO_TARGET_DIR (root workspace build), BENCH_TARGET_DIR (bench/ build; default bench/target)
#   SKIP_BUILD=1     use the binaries already built there
#
# Defaults: 8 apps x 5 scenarios + 2 x GET /me, x 3 rounds x 6 s + warm-up: about 16 minutes after
# the build.
# Loopback only (127.0.0.1); every wrk run is bounded by DURATION.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-6s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
SWEEP=${SWEEP:-16 64 256}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
APPS=${APPS:-ravyn hyper-bare axum-cookie actix-cookie ravyn@redis axum-redis actix-redis ravyn@postgres ravyn-jwt}
RAVYN_LOG=${RAVYN_LOG:-warn}
OUT=${OUT:-docs/benchmarks.md}
BASE_PORT=${BASE_PORT:-18080}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-$ROOT/bench/target}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ravyn-bench.XXXXXX")
RAW=$WORK/raw.tsv
SESSION_SECRET=bench-secret-0123456789abcdef0123456789abcdef
JWT_SECRET=bench-jwt-secret-0123456789abcdef0123456789

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/run.sh: %s\n' "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v curl >/dev/null || need+=(curl)
command -v taskset >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]} from Debian"
  [ "$(id -u)" = 0 ] && SUDO="" || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ "$(nproc --all)" -ge 2 ] || die "needs 2 cores (server on one, wrk on the other)"

# --- build -------------------------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  say "building the login example (release) in the root workspace"
  # HTTP/1.1 only, like every peer here (axum's and actix-web's HTTP/2 features are off in bench/):
  # our default `http2` feature would add h2c code the benchmark never uses.
  cargo build --release --example login --no-default-features --quiet
  # The jwt example with the one default feature it needs (each app is built with what it uses).
  cargo build --release --example jwt --no-default-features --features jwt --quiet
  case " $APPS " in
    *" ravyn@"*)
      say "building the login example with the store features (release) in $CARGO_TARGET_DIR/stores"
      CARGO_TARGET_DIR=$CARGO_TARGET_DIR/stores cargo build --release --example login --no-default-features \
        --features redis,postgres,mysql,sqlite --quiet
      ;;
  esac
  say "building the peers (release) in bench/"
  CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release --locked --quiet --manifest-path bench/Cargo.toml
fi

binary() {
  case $1 in
    ravyn) echo "$CARGO_TARGET_DIR/release/examples/login" ;;
    ravyn@*) echo "$CARGO_TARGET_DIR/stores/release/examples/login" ;;
    ravyn-jwt) echo "$CARGO_TARGET_DIR/release/examples/jwt" ;;
    *) echo "$BENCH_TARGET_DIR/release/$1" ;;
  esac
}

# --- servers -----------------------------------------------------------------------------------
declare -A PID PORT COOKIE
cleanup() {
  for app in "${!PID[@]}"; do kill "${PID[$app]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

i=0
for app in $APPS; do
  PORT[$app]=$((BASE_PORT + i)); i=$((i + 1))
  # taskset and env exec the server, so $! is the server's own PID (for /proc/PID/stat).
  store=(); case $app in ravyn@*) store=(SESSION_STORE="${app#ravyn@}" SESSION_TABLE=ravyn_bench_sessions \
    DATABASE_URL="$(case ${app#ravyn@} in sqlite) echo "sqlite://$WORK/sessions.db" ;; postgres) echo "postgres://postgres@127.0.0.1:5432/test" ;; *) echo "mysql://root@127.0.0.1:3306/test" ;; esac)") ;; esac
  # An access token that outlives the run (the example's default is 5 minutes; its lifetime changes
  # no per-request work).
  [ "$app" = ravyn-jwt ] && store=(JWT_SECRET=$JWT_SECRET JWT_ACCESS_LIFETIME=86400)
  taskset -c "$SERVER_CPU" env HOST=127.0.0.1 PORT="${PORT[$app]}" WORKER_THREADS=2 \
    LOGIN_FAST_HASH=1 SESSION_SECRET=$SESSION_SECRET RUST_LOG="$RAVYN_LOG" "${store[@]}" \
    "$(binary "$app")" >"$WORK/$app.log" 2>&1 &
  PID[$app]=$!
done

url() { echo "http://127.0.0.1:${PORT[$1]}$2"; }
for app in $APPS; do
  for _ in $(seq 100); do
    curl -s -o /dev/null "$(url "$app" /hello)" && break
    sleep 0.1
  done
  curl -s -o /dev/null "$(url "$app" /hello)" || die "$app did not start: $(cat "$WORK/$app.log")"
done

# Every app must answer the login example's exact shapes before it is measured (hyper-bare answers
# everything with {"message":"hello"} by design). Then a valid session cookie for the /profile runs.
CREDS='{"email":"alice@example.com","password":"wonderland"}'
check() { # app label expected-status expected-body curl-args...
  local app=$1 label=$2 want_status=$3 want_body=$4; shift 4
  local got
  got=$(curl -s -o "$WORK/body" -w '%{http_code}' "$@")
  [ "$got" = "$want_status" ] && [ "$(cat "$WORK/body")" = "$want_body" ] ||
    die "$app $label: got $got $(cat "$WORK/body"), want $want_status $want_body"
}
for app in $APPS; do
  login=(-X POST -H 'Content-Type: application/json' -D "$WORK/headers" "$(url "$app" /login)")
  if [ "$app" = hyper-bare ]; then
    check "$app" "GET /hello" 200 '{"message":"hello"}' "$(url "$app" /hello)"
    continue
  fi
  if [ "$app" = ravyn-jwt ]; then
    # COOKIE holds what GET /me sends: the access token from POST /auth/token.
    check "$app" "GET /me (no token)" 401 '{"detail":"Authentication credentials were not provided."}' "$(url "$app" /me)"
    COOKIE[$app]=$(curl -s -X POST -H 'Content-Type: application/json' --data "$CREDS" "$(url "$app" /auth/token)" |
      sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    [ -n "${COOKIE[$app]}" ] || die "$app: no access token from POST /auth/token"
    check "$app" "GET /me" 200 '{"user":{"id":1,"email":"alice@example.com"}}' -H "Authorization: Bearer ${COOKIE[$app]}" "$(url "$app" /me)"
    continue
  fi
  check "$app" "POST /login (wrong password)" 401 '{"detail":"Invalid credentials"}' --data '{"email":"alice@example.com","password":"x"}' "${login[@]}"
  check "$app" "POST /login" 201 '{"message":"Logged in"}' --data "$CREDS" "${login[@]}"
  COOKIE[$app]=$(tr -d '\r' <"$WORK/headers" | sed -n 's/^[Ss]et-[Cc]ookie: \(session=[^;]*\).*/\1/p' | head -n1)
  [ -n "${COOKIE[$app]}" ] || die "$app: no session cookie from POST /login"
  check "$app" "GET /profile" 200 '{"user":{"id":1,"email":"alice@example.com"}}' -H "Cookie: ${COOKIE[$app]}" "$(url "$app" /profile)"
  check "$app" "GET /profile (no cookie)" 401 '{"detail":"Not authenticated"}' "$(url "$app" /profile)"
  check "$app" "POST /logout" 201 '{"message":"Logged out"}' -X POST -H "Cookie: ${COOKIE[$app]}" "$(url "$app" /logout)"
  # With a server-side store the logout above revoked that session: log in again for the runs.
  check "$app" "POST /login" 201 '{"message":"Logged in"}' --data "$CREDS" "${login[@]}"
  COOKIE[$app]=$(tr -d '\r' <"$WORK/headers" | sed -n 's/^[Ss]et-[Cc]ookie: \(session=[^;]*\).*/\1/p' | head -n1)
  check "$app" "GET /hello" 200 '{"message":"hello"}' "$(url "$app" /hello)"
done
# hyper-bare ignores cookies; it gets our cookie so its requests carry the same bytes (and on GET
# /me the jwt example's token).
for app in $APPS; do [ -n "${COOKIE[$app]:-}" ] || COOKIE[$app]=${COOKIE[ravyn]:-session=none}; done
TOKEN=${COOKIE[ravyn-jwt]:-none}
# Which app serves which scenario: GET /me is the jwt example's (hyper-bare answers it as the
# ceiling); the jwt example is measured on GET /me only.
serves() { # app scenario
  case $1:$2 in
    ravyn-jwt:me | hyper-bare:me) return 0 ;;
    ravyn-jwt:* | *:me) return 1 ;;
    *) return 0 ;;
  esac
}

# --- measuring ---------------------------------------------------------------------------------
SCENARIOS=("hello:$CONNECTIONS" "login:$CONNECTIONS")
for c in $SWEEP; do SCENARIOS+=("profile:$c"); done
case " $SWEEP " in *" $CONNECTIONS "*) ;; *) SCENARIOS+=("profile:$CONNECTIONS") ;; esac
case " $APPS " in *" ravyn-jwt "*) SCENARIOS+=("me:$CONNECTIONS") ;; esac

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, all threads
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
uses_redis() { case $1 in ravyn@redis | *-redis) return 0 ;; *) return 1 ;; esac; }
# Commands Redis has served so far (INFO commandstats), leaving out the INFO calls that ask.
redis_calls() {
  redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" INFO commandstats 2>/dev/null | tr -d '\r' |
    awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" { s += $3 } END { print s + 0 }'
}

wrk_args() { # scenario connections duration app -> the wrk command line
  local scenario=$1 c=$2 d=$3 app=$4
  local base=(taskset -c "$WRK_CPU" wrk -t1 -c"$c" -d"$d" --latency)
  case $scenario in
    hello) echo "${base[*]} -s bench/lua/report.lua $(url "$app" /hello)" ;;
    profile) echo "${base[*]} -s bench/lua/report.lua -H 'Cookie: ${COOKIE[$app]}' $(url "$app" /profile)" ;;
    me) echo "${base[*]} -s bench/lua/report.lua -H 'Authorization: Bearer $TOKEN' $(url "$app" /me)" ;;
    login) echo "${base[*]} -s bench/lua/login.lua $(url "$app" /login)" ;;
  esac
}

measure() { # round scenario connections app
  local round=$1 scenario=$2 c=$3 app=$4 pid=${PID[$4]}
  local cmd before after result
  cmd=$(wrk_args "$scenario" "$c" "$DURATION" "$app")
  # Reset the peak-RSS counter so VmHWM is this run's peak (Linux clear_refs "5").
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
  local redis_before=0 redis_after=0
  uses_redis "$app" && redis_before=$(redis_calls)
  before=$(cpu_ticks "$pid")
  result=$(eval "$cmd" | tee "$WORK/wrk.out" | grep '^RESULT') || die "wrk failed: $cmd: $(cat "$WORK/wrk.out")"
  after=$(cpu_ticks "$pid")
  uses_redis "$app" && redis_after=$(redis_calls)
  kill -0 "$pid" 2>/dev/null || die "$app died during $scenario: $(tail -5 "$WORK/$app.log")"
  echo "$result" | awk -v app="$app" -v sc="$scenario" -v c="$c" -v r="$round" \
    -v ticks=$((after - before)) -v hz="$CLK_TCK" -v hwm="$(hwm_kb "$pid")" \
    -v redis=$((redis_after - redis_before)) -v redis_app="$(uses_redis "$app" && echo 1 || echo 0)" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      if (v["status_errors"] > 0 || v["socket_errors"] > 0)
        printf "warning: %s %s c%s round %s: %d non-2xx, %d socket errors\n", app, sc, c, r, v["status_errors"], v["socket_errors"] > "/dev/stderr"
      rps = v["requests"] / (v["duration_us"] / 1e6)
      cpu_us = ticks / hz * 1e6 / v["requests"]
      redis_per_req = redis_app ? sprintf("%.2f", redis / v["requests"]) : "-"
      printf "%s\t%s\t%s\t%s\t%.1f\t%d\t%.2f\t%d\t%d\t%d\t%s\n", app, sc, c, r, rps, v["p99_us"], cpu_us, hwm, v["requests"], v["status_errors"] + v["socket_errors"], redis_per_req
    }' >>"$RAW"
  echo "$cmd" >>"$WORK/commands"
}

LOAD_BEFORE=$(uptime | sed 's/.*load average: //')
busy() { ps -eo comm= | grep -cxE 'rustc|rustdoc|cargo|cc1|ld|valgrind.*' || true; } # other builds running
BUSY_BEFORE=$(busy)
say "warm-up ($WARMUP per app and scenario)"
for sc in "${SCENARIOS[@]}"; do
  for app in $APPS; do
    if serves "$app" "${sc%%:*}"; then eval "$(wrk_args "${sc%%:*}" "${sc##*:}" "$WARMUP" "$app")" >/dev/null; fi
  done
done
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
for round in $(seq "$ROUNDS"); do
  for sc in "${SCENARIOS[@]}"; do
    for app in $APPS; do
      serves "$app" "${sc%%:*}" || continue
      say "round $round/$ROUNDS: ${sc%%:*} c${sc##*:} $app"
      measure "$round" "${sc%%:*}" "${sc##*:}" "$app"
    done
  done
done
LOAD_AFTER=$(uptime | sed 's/.*load average: //')
BUSY_AFTER=$(busy)

# --- summarising -------------------------------------------------------------------------------
# Medians over rounds per app, scenario and connection count; peak RSS is the largest of the rounds.
awk -F'\t' '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { k = $1 "\t" $2 "\t" $3; rps[k] = rps[k] " " $5; p99[k] = p99[k] " " $6; cpu[k] = cpu[k] " " $7
    if ($8 > hwm[k]) hwm[k] = $8; err[k] += $10; keys[k] = 1; redis[k] = $11 }
  END { for (k in keys) printf "%s\t%.0f\t%.0f\t%.2f\t%d\t%d\t%s\n", k, median(rps[k]), median(p99[k]), median(cpu[k]), hwm[k], err[k], redis[k] }
' "$RAW" >"$WORK/summary.tsv"

value() { awk -F'\t' -v a="$1" -v s="$2" -v c="$3" -v col="$4" '$1 == a && $2 == s && $3 == c { print $col }' "$WORK/summary.tsv"; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (y > 0 && x != "") printf "%.2f", x / y; else printf "n/a" }'; }
label() { case $1 in hello) echo "GET /hello" ;; login) echo "POST /login" ;; profile) echo "GET /profile" ;; me) echo "GET /me (bearer)" ;; esac; }

# "× ours" is against the plain login example, or the first ravyn@STORE when it is not measured.
OURS=ravyn
case " $APPS " in *" ravyn "*) ;; *) for app in $APPS; do case $app in ravyn@*) OURS=$app; break ;; esac; done ;; esac
TABLE=$WORK/table.md
{
  echo "| Scenario | Conns | Framework | req/s (median) | p99 latency | server CPU µs/req | peak RSS | Redis cmds/req | × ours | × hyper-bare |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  for sc in "${SCENARIOS[@]}"; do
    s=${sc%%:*} c=${sc##*:}
    ours_app=$OURS; [ "$s" = me ] && ours_app=ravyn-jwt
    ours=$(value "$ours_app" "$s" "$c" 4); bare=$(value hyper-bare "$s" "$c" 4)
    for app in $APPS; do
      serves "$app" "$s" || continue
      r=$(value "$app" "$s" "$c" 4)
      errs=$(value "$app" "$s" "$c" 8)
      note=""; [ "${errs:-0}" -gt 0 ] && note=" ⚠ $errs errors"
      printf '| %s | %s | %s | %s | %s ms | %s | %s MiB | %s | %s | %s |\n' "$(label "$s")" "$c" "$app$note" "$r" \
        "$(awk -v u="$(value "$app" "$s" "$c" 5)" 'BEGIN { printf "%.2f", u / 1000 }')" \
        "$(value "$app" "$s" "$c" 6)" \
        "$(awk -v k="$(value "$app" "$s" "$c" 7)" 'BEGIN { printf "%.1f", k / 1024 }')" \
        "$(value "$app" "$s" "$c" 9)" \
        "$(ratio "$r" "$ours")" "$(ratio "$r" "$bare")"
    done
  done
} >"$TABLE"

# Issue 16's targets (which keep issue 6's), checked on this run's medians.
TARGETS=$WORK/targets.md
{
  verdict() { awk -v ok="$1" 'BEGIN { print ok ? "met" : "**missed**" }'; }
  ge() { awk -v x="$1" -v y="$2" 'BEGIN { print (x != "" && x != "n/a" && y != "" && x + 0 >= y + 0) ? 1 : 0 }'; }
  tgt() { # label ratio minimum
    echo "| $1 | ≥ $3× hyper-bare | $2× | $(verdict "$(ge "$2" "$3")") |"
  }
  has() { case " $APPS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
  echo "| Target | Wanted | Measured | |"
  echo "|---|---|---|---|"
  if has ravyn && has hyper-bare; then
    tgt "GET /hello, c$CONNECTIONS" "$(ratio "$(value ravyn hello "$CONNECTIONS" 4)" "$(value hyper-bare hello "$CONNECTIONS" 4)")" 0.95
    tgt "GET /profile, c$CONNECTIONS" "$(ratio "$(value ravyn profile "$CONNECTIONS" 4)" "$(value hyper-bare profile "$CONNECTIONS" 4)")" 0.85
  fi
  # POST /login: ahead of the cookie peers in req/s, and at or under them in server CPU per request.
  peers=""; for p in axum-cookie actix-cookie; do has "$p" && peers="$peers $p"; done
  if [ -n "$peers" ] && has ravyn; then
    ours=$(value ravyn login "$CONNECTIONS" 4) ours_cpu=$(value ravyn login "$CONNECTIONS" 6)
    best=$(for p in $peers; do value "$p" login "$CONNECTIONS" 4; done | sort -n | tail -n1)
    least_cpu=$(for p in $peers; do value "$p" login "$CONNECTIONS" 6; done | sort -n | head -n1)
    echo "| POST /login c$CONNECTIONS, req/s | ahead of$(echo "$peers" | sed 's/ /, /2g') (best $best) | $ours | $(verdict "$(awk -v o="$ours" -v p="$best" 'BEGIN { print (o + 0 > p + 0) }')") |"
    echo "| POST /login c$CONNECTIONS, server CPU µs/req | ≤ the peers' (least $least_cpu) | $ours_cpu | $(verdict "$(ge "$least_cpu" "$ours_cpu")") |"
  fi
  top=$(echo "$SWEEP" | tr ' ' '\n' | sort -n | tail -n1)
  ours_kb=$(value ravyn profile "$top" 7)
  peer_kb=$(value actix-cookie profile "$top" 7)
  if [ -n "$peer_kb" ]; then
    printf '| Peak RSS, GET /profile c%s | ≤ actix-cookie (%.1f MiB) | %.1f MiB | %s |\n' "$top" \
      "$(awk -v k="$peer_kb" 'BEGIN { print k / 1024 }')" "$(awk -v k="$ours_kb" 'BEGIN { print k / 1024 }')" \
      "$(verdict "$(ge "$peer_kb" "$ours_kb")")"
  fi
  # Server-side sessions: ours in Redis against the peers' Redis stores, when all three ran.
  if has ravyn@redis && { has axum-redis || has actix-redis; }; then
    for s in profile login; do
      ours=$(value ravyn@redis "$s" "$CONNECTIONS" 4)
      best=$(for p in axum-redis actix-redis; do value "$p" "$s" "$CONNECTIONS" 4; done | sort -n | tail -n1)
      cmds=$(value ravyn@redis "$s" "$CONNECTIONS" 9)
      ok=$(awk -v o="$ours" -v p="$best" -v n="$cmds" 'BEGIN { print (o != "" && p != "" && o + 0 > p + 0 && n + 0 <= 1) }')
      printf '| %s c%s, sessions in Redis | ahead of the Redis peers (best %s req/s), ≤ 1 Redis command/req | %s req/s, %s Redis cmds/req | %s |\n' \
        "$(label "$s")" "$CONNECTIONS" "$best" "$ours" "$cmds" "$(verdict "$ok")"
    done
  fi
} >"$TARGETS"

echo
cat "$TABLE"
echo
cat "$TARGETS"
echo
echo "Machine load (1/5/15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER; compiler processes before/after: $BUSY_BEFORE/$BUSY_AFTER"

[ "${NO_DOCS:-0}" = 1 ] && exit 0

# --- chart -------------------------------------------------------------------------------------
PNG=${OUT%.md}.png
mkdir -p "$(dirname "$OUT")"
{
  printf 'scenario'; for app in $APPS; do printf '\t%s' "$app"; done; echo
  for sc in "${SCENARIOS[@]}"; do
    s=${sc%%:*} c=${sc##*:}
    printf '"%s c%s"' "$(label "$s")" "$c"
    for app in $APPS; do v=$(value "$app" "$s" "$c" 4); printf '\t%s' "${v:--}"; done; echo
  done
} >"$WORK/chart.dat"
ncols=$(echo "$APPS" | wc -w)
gnuplot <<EOF
set terminal pngcairo size 1100,560 font "sans,10" noenhanced
set output "$PNG"
set title "Requests per second (median of $ROUNDS rounds, server on 1 core, wrk -t1 on the other)"
set ylabel "req/s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top right
set yrange [0:*]
set datafile missing "-"
# gnuplot's default cycle has 8 colours: a 9th and 10th app get their own.
set linetype 9 lc rgb "#8c564b"
set linetype 10 lc rgb "#7f7f7f"
set xtics nomirror
plot for [i=2:$((ncols + 1))] "$WORK/chart.dat" using i:xtic(1) title columnheader(i)
EOF

# --- docs/benchmarks.md ------------------------------------------------------------------------
lock_versions() { # lockfile crate...
  local lock=$1; shift
  for crate in "$@"; do
    awk -v c="$crate" '$0 == "name = \"" c "\"" { getline; gsub(/version = |"/, ""); printf "%s %s, ", c, $0 }' "$lock"
  done | sed 's/, $//'
}
SCALING=$WORK/scaling.md
crit=$CARGO_TARGET_DIR/criterion/scaling
if [ -d "$crit" ]; then
  {
    echo "| Criterion bench (\`cargo bench --bench dispatch -- scaling\`) | mean time |"
    echo "|---|---:|"
    for est in "$crit"/*/new/estimates.json; do
      name=$(sed -n 's/.*"title":"\([^"]*\)".*/\1/p' "$(dirname "$est")/benchmark.json" 2>/dev/null || true)
      [ -n "$name" ] || name=$(basename "$(dirname "$(dirname "$est")")")
      ns=$(sed -n 's/.*"mean":{"confidence_interval":{[^}]*},"point_estimate":\([0-9.e+-]*\).*/\1/p' "$est")
      printf '| %s | %s µs |\n' "$name" "$(awk -v n="$ns" 'BEGIN { printf "%.2f", n / 1000 }')"
    done
  } >"$SCALING"
fi

{
  cat <<EOF
# Benchmarks

Ravyn for Rust's login example (\`examples/login\`) against peers serving the same endpoints and
JSON bodies (\`bench/\`): **hyper-bare** (plain hyper 1 answering every path with a fixed small
JSON — the ceiling of this stack), **axum-cookie** (axum 0.8, session JSON in axum-extra's
\`SignedCookieJar\`) and **actix-cookie** (actix-web 4, actix-session's signed
\`CookieSessionStore\`). With the session kept on the server: ours with \`SESSION_STORE=redis\` and
\`SESSION_STORE=postgres\` (**ravyn@redis**, **ravyn@postgres**) against **axum-redis**
(tower-sessions with its Redis store) and **actix-redis** (actix-session's \`RedisSessionStore\`).
And **ravyn-jwt**, the jwt example (\`examples/jwt\`), on GET /me with an HS256 bearer token from its
\`POST /auth/token\` (revocation checked in its memory store, its default), beside hyper-bare.
Measured: $APPS. Rerun with \`bash bench/run.sh\` (knobs at the top of the script).

Measured $STARTED on: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc --all) cores,
$(uname -sr). Machine load average before the run: $LOAD_BEFORE; after: $LOAD_AFTER (compiler
processes running before/after: $BUSY_BEFORE/$BUSY_AFTER).

![req/s by framework and scenario]($(basename "$PNG"))

## Results

Medians of $ROUNDS rounds of $DURATION each. *p99 latency* is wrk's; *server CPU µs/req* is the
server process's user+sys time (\`/proc/PID/stat\`, all threads) over the run divided by the
requests wrk completed — steadier than req/s on a shared machine; *peak RSS* is the server's
\`VmHWM\` during that run (reset before each run with \`/proc/PID/clear_refs\`), the largest of the
rounds (a high-water mark: after the first 256-connection run it includes heap the allocator kept
from it, for every app alike). *× ours* and *× hyper-bare* are req/s ratios.

$(cat "$TABLE")

### The targets (issue 16, with issue 6's)

$(cat "$TARGETS")

## How it was measured

- Produced by \`bash bench/run.sh\` with \`DURATION=$DURATION ROUNDS=$ROUNDS WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS SWEEP="$SWEEP"\`.
- Every server runs pinned to CPU $SERVER_CPU (\`taskset -c $SERVER_CPU\`) with 2 worker threads
  (\`WORKER_THREADS=2\`: a tokio multi-thread runtime with 2 workers for ours, hyper-bare and axum;
  \`HttpServer::workers(2)\` for actix-web), so the frameworks share one core the same way; wrk runs
  pinned to CPU $WRK_CPU. Loopback only (127.0.0.1), HTTP/1.1 keep-alive.
- Every app is built HTTP/1.1-only with cargo's default release profile: ours with
  \`--no-default-features\` (its default \`http2\` feature adds h2c, \`openapi\` the document's routes, \`jwt\`
  the bearer-token code; the jwt example with \`--features jwt\`), axum without its opt-in
  \`http2\` feature, actix-web with \`default-features = false\` (no \`http2\`).
- All the servers are started once; each round runs every scenario against each app in turn
  (\`$APPS\`; an app that does not serve a scenario is skipped), so drifts in the machine's load hit every app alike. A $WARMUP warm-up run per
  app and scenario precedes round 1 and is not recorded.
- Passwords are compared in plain text in every app (ours: \`LOGIN_FAST_HASH=1\`), so POST /login
  measures the framework: JSON body binding, building the session, signing the cookie.
- Ours runs with \`RUST_LOG=$RAVYN_LOG\`: the peers write no per-request log, and our \`info\` access
  log line would be measured against nothing.
- Before measuring, the script checks every app's answers byte for byte (status and JSON body of
  POST /login with good and bad credentials, GET /profile with and without the cookie, POST
  /logout, GET /hello; the jwt example's GET /me with and without a token) and takes the session
  cookie for the /profile runs from a real POST /login (after the logout, which a server-side store
  must honour), the bearer token for GET /me from a real POST /auth/token.
  Any non-2xx answer during a run is flagged in the table.

Commands (one per measured run, the same flags for every app; the session cookie differs per app):

\`\`\`sh
$(awk '!seen[$0]++' "$WORK/commands" | sed -E -e "s/(session=)[^']{12}[^']*/\1<cookie from POST \/login>/" -e "s/(Bearer )[^']{12}[^']*/\1<token from POST \/auth\/token>/")
\`\`\`

The servers were started as \`taskset -c $SERVER_CPU env HOST=127.0.0.1 PORT=<port> WORKER_THREADS=2 LOGIN_FAST_HASH=1 SESSION_SECRET=<fixed> RUST_LOG=$RAVYN_LOG <binary>\`.

## Versions

- $(rustc --version), $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)
- ours (Cargo.lock): $(lock_versions Cargo.lock hyper hyper-util tokio matchit serde_json ring cookie)
- peers (bench/Cargo.lock): $(lock_versions bench/Cargo.lock hyper hyper-util tokio axum axum-extra actix-web actix-http actix-session serde_json cookie)
EOF
  if [ -f "$SCALING" ]; then
    cat <<EOF

## Scaling (in-process, criterion)

Dispatch cost with 10 and 1,000 registered routes, and a GET /profile-like request whose session holds
2 keys, ~1 KiB and ~3 KiB, through \`app.handle(...)\` without sockets. Figures from the last
\`cargo bench --bench dispatch -- scaling\` in this target directory.

$(cat "$SCALING")
EOF
  fi
  # The sections other scripts and benches measure, each kept in its own file (written by hand
  # from their runs, or by the script named in it), in this order.
  for part in stores openapi jwt streaming tower idle analysis; do
    if [ -f "bench/$part.md" ]; then
      echo
      cat "bench/$part.md"
    fi
  done
} >"$OUT"
say "wrote $OUT and $PNG"
