#!/usr/bin/env bash
# Interop with Python Ravyn: installs ravyn==0.4.3 into a virtual environment, starts the Rust
# login example with SESSION_FORMAT=ravyn and exchanges session cookies in both directions, then
# the Rust jwt example and exchanges JWTs in both directions (jwt_exchange.py).
#
#   bash tests/interop/run.sh
#
# Skips (exit 0, saying why) when python3 or the package index is unavailable; fails (exit 1)
# when both are there and the cookies do not cross.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
skip() { echo "INTEROP SKIPPED: $*"; exit 0; }

command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import ravyn, uvicorn, jwt" 2>/dev/null; then
  python3 -m venv "$venv" 2>/dev/null || skip "python3 cannot create a virtual environment (python3-venv missing?)"
  if ! timeout 600 "$venv/bin/pip" install -q "ravyn[jwt]==0.4.3" uvicorn >/tmp/ravyn-interop-pip.log 2>&1; then
    tail -3 /tmp/ravyn-interop-pip.log
    skip "pip could not install ravyn[jwt]==0.4.3 (package index unreachable?)"
  fi
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ravyn-target}"
cargo build -q --example login --example jwt --manifest-path "$root/Cargo.toml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret="interop-secret-shared-by-python-and-rust"
log=$(mktemp)
SESSION_FORMAT=ravyn SESSION_SECRET="$secret" PORT="$port" RUST_LOG=warn \
  "$CARGO_TARGET_DIR/debug/examples/login" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  grep -q "Listening on" "$log" && break
  kill -0 $server 2>/dev/null || { cat "$log"; echo "INTEROP FAIL: the login example did not start"; exit 1; }
  sleep 0.1
done
"$venv/bin/python" "$here/exchange.py" "http://127.0.0.1:$port" "$secret"

# JWTs: the jwt example with the same secret as Python Ravyn's tokens.
jwt_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
jwt_log=$(mktemp)
JWT_SECRET="$secret" PORT="$jwt_port" LOGIN_FAST_HASH=1 RUST_LOG=warn \
  "$CARGO_TARGET_DIR/debug/examples/jwt" >"$jwt_log" 2>&1 &
jwt_server=$!
trap 'kill $server $jwt_server 2>/dev/null || true; rm -f "$log" "$jwt_log"' EXIT
for _ in $(seq 1 100); do
  grep -q "Listening on" "$jwt_log" && break
  kill -0 $jwt_server 2>/dev/null || { cat "$jwt_log"; echo "INTEROP FAIL: the jwt example did not start"; exit 1; }
  sleep 0.1
done
"$venv/bin/python" "$here/jwt_exchange.py" "http://127.0.0.1:$jwt_port" "$secret"
