# Sourced by the measuring scripts in bench/ that run one app at a time (resident.sh, syscalls.sh):
# where each app's binary is, as bench/run.sh builds them (this builds nothing), and the defaults
# those scripts share. Before sourcing, a script sets nothing; after, it has:
#   ROOT (the repository, also the working directory), APPS (default: ours and the cookie peers),
#   CARGO_TARGET_DIR, BENCH_TARGET_DIR, RAVYN_BIN (our release login example), SESSION_SECRET,
#   die MESSAGE, need TOOL..., binary APP, and session_cookie APP URL (a valid session cookie
#   from the app's POST /login; for hyper-bare, which sets none, a cookie of the same shape).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
APPS=${APPS:-ravyn hyper-bare axum-cookie actix-cookie}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-$ROOT/bench/target}
RAVYN_BIN=${RAVYN_BIN:-$CARGO_TARGET_DIR/release/examples/login}
SESSION_SECRET=bench-secret-0123456789abcdef0123456789abcdef

die() { printf '%s: %s\n' "bench/$(basename "$0")" "$*" >&2; exit 1; }
need() { for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is missing (Debian's package of that name)"; done; }
binary() {
  local bin
  case $1 in ravyn) bin=$RAVYN_BIN ;; *) bin=$BENCH_TARGET_DIR/release/$1 ;; esac
  [ -x "$bin" ] || die "$bin is missing (build it as bench/run.sh does)"
  echo "$bin"
}
session_cookie() { # app base-url
  if [ "$1" = hyper-bare ]; then
    echo "session=$(printf 'A%.0s' $(seq 56)).1700000000.1700000000.$(printf 'B%.0s' $(seq 43))"
    return
  fi
  local cookie
  cookie=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data '{"email":"alice@example.com","password":"wonderland"}' "$2/login" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(session=[^;]*\).*/\1/p' | head -n1)
  [ -n "$cookie" ] || die "$1: no session cookie from POST /login"
  echo "$cookie"
}
