#!/usr/bin/env bash
# The OpenAPI document against real tools from PyPI, in a virtual environment of its own:
#   1. openapi-spec-validator validates the login example's /openapi.json (served for real);
#   2. schemathesis runs every check against the login example (statuses, schemas, negative
#      data, auth): no 5xx, every response documented;
#   3. the same two against the jwt example (bearer tokens: the `bearer` scheme gets a token
#      minted by the example's own POST /auth/token);
#   4. parity with Python Ravyn 0.4.3 (parity.py vs parity_app.rs).
#
#   bash tests/openapi/run.sh
#
# Skips (exit 0, saying why) when python3 or the package index is unavailable; fails (exit 1) on
# any finding when both are there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
skip() { echo "OPENAPI TOOLS SKIPPED: $*"; exit 0; }

command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import ravyn, openapi_spec_validator, schemathesis" 2>/dev/null; then
  python3 -m venv "$venv" 2>/dev/null || skip "python3 cannot create a virtual environment (python3-venv missing?)"
  if ! timeout 900 "$venv/bin/pip" install -q "ravyn==0.4.3" "openapi-spec-validator>=0.7" "schemathesis>=4,<5" \
      >/tmp/ravyn-openapi-pip.log 2>&1; then
    tail -3 /tmp/ravyn-openapi-pip.log
    skip "pip could not install ravyn==0.4.3, openapi-spec-validator and schemathesis (package index unreachable?)"
  fi
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ravyn-target}"
cargo build -q --example login --example jwt --example openapi_parity --manifest-path "$root/Cargo.toml"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SESSION_SECRET="openapi-tools-secret-of-at-least-32-bytes" PORT="$port" RUST_LOG=warn \
  "$CARGO_TARGET_DIR/debug/examples/login" >"$work/server.log" 2>&1 &
server=$!
jwt_server=""
trap 'kill $server $jwt_server 2>/dev/null || true; rm -rf "$work"' EXIT
wait_for() { # pid log name
  for _ in $(seq 1 100); do
    grep -q "Listening on" "$2" && return
    kill -0 "$1" 2>/dev/null || { cat "$2"; echo "OPENAPI FAIL: the $3 example did not start"; exit 1; }
    sleep 0.1
  done
}
wait_for $server "$work/server.log" login
base="http://127.0.0.1:$port"

validate() { # url
  echo "== openapi-spec-validator: $1"
  "$venv/bin/python" - "$1" <<'PY'
import json, sys, urllib.request
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator
document = json.load(urllib.request.urlopen(sys.argv[1]))
assert document["openapi"] == "3.1.0", document["openapi"]
validate(document, cls=OpenAPIV31SpecValidator)
print(f"VALID: OpenAPI {document['openapi']}, {sum(len(v) for v in document['paths'].values())} operations")
PY
}
validate "$base/openapi.json"

echo "== schemathesis (all checks) against the login example"
# A real session (alice logs in) so that /profile's 200 is exercised too; schemathesis's
# ignored_auth check still sends requests without it and expects the documented 401.
RAVYN_SESSION_COOKIE=$("$venv/bin/python" - "$base/login" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1], data=json.dumps({"email": "alice@example.com", "password": "wonderland"}).encode(),
                                 headers={"content-type": "application/json"}, method="POST")
with urllib.request.urlopen(request) as response:
    print(response.headers["set-cookie"].split(";")[0].split("=", 1)[1])
PY
)
export RAVYN_SESSION_COOKIE
# Deterministic, bounded: a fixed seed and example count, so CI time stays predictable.
"$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$base/openapi.json" --checks all \
  --max-examples 40 --seed 13 --no-color --request-timeout 20 \
  || { echo "OPENAPI FAIL: schemathesis found problems (above)"; exit 1; }

echo "== the jwt example"
jwt_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# LOGIN_FAST_HASH=1: schemathesis logs in many times and PBKDF2 is slow in a debug build (the
# document is the same). JWT_CHECK_REVOCATION=0: schemathesis calls POST /auth/logout with the
# token it is given; with revocation checked every later request would be a (documented) 401, and
# the 200s of /me and /admin would go untested. The refresh family is still revoked.
JWT_SECRET="openapi-tools-jwt-secret-of-at-least-32-bytes" LOGIN_FAST_HASH=1 JWT_CHECK_REVOCATION=0 \
  PORT="$jwt_port" RUST_LOG=warn "$CARGO_TARGET_DIR/debug/examples/jwt" >"$work/jwt.log" 2>&1 &
jwt_server=$!
wait_for $jwt_server "$work/jwt.log" jwt
jwt_base="http://127.0.0.1:$jwt_port"
validate "$jwt_base/openapi.json"
# Alice (user 1, whom /admin lets in) logs in through the example's own endpoint; schemathesis
# sends her token where the document's `bearer` scheme is required, and none for ignored_auth.
RAVYN_BEARER_TOKEN=$("$venv/bin/python" - "$jwt_base/auth/token" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1], data=json.dumps({"email": "alice@example.com", "password": "wonderland"}).encode(),
                                 headers={"content-type": "application/json"}, method="POST")
with urllib.request.urlopen(request) as response:
    print(json.load(response)["access_token"])
PY
)
export RAVYN_BEARER_TOKEN
# Expect one warning, "Authentication failed" for POST /auth/token and /auth/refresh: generated
# credentials and refresh tokens are wrong, and their 401s are documented.
echo "== schemathesis (all checks) against the jwt example"
"$venv/bin/schemathesis" --config-file "$here/schemathesis-jwt.toml" run "$jwt_base/openapi.json" --checks all \
  --max-examples 40 --seed 13 --no-color --request-timeout 20 \
  || { echo "OPENAPI FAIL: schemathesis found problems in the jwt example (above)"; exit 1; }

echo "== parity with Python Ravyn 0.4.3"
"$CARGO_TARGET_DIR/debug/examples/openapi_parity" >"$work/rust.json"
"$venv/bin/python" "$here/parity.py" "$work/rust.json"
echo "OPENAPI TOOLS OK"
