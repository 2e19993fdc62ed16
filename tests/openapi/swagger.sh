#!/usr/bin/env bash
# Headless Chromium (Debian's `chromium`) renders the login example's /docs/swagger with the docs
# assets served by the example itself (feature embedded-docs, DOCS_ASSETS=local: no network), and
# the rendered page must show every operation of the document.
#
#   bash tests/openapi/swagger.sh [SCREENSHOT.png]
#
# With an argument, also saves a screenshot there (docs/openapi-swagger.png is made this way).
# Skips (exit 0, saying why) when chromium is not installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v chromium >/dev/null 2>&1 || { echo "SWAGGER RENDERING SKIPPED: chromium is not installed (apt-get install chromium)"; exit 0; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ravyn-target}"
cargo build -q --example login --features embedded-docs --manifest-path "$root/Cargo.toml"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DOCS_ASSETS=local SESSION_SECRET="swagger-rendering-secret-of-32-bytes!" PORT="$port" RUST_LOG=warn \
  "$CARGO_TARGET_DIR/debug/examples/login" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  grep -q "Listening on" "$work/server.log" && break
  kill -0 $server 2>/dev/null || { cat "$work/server.log"; echo "SWAGGER FAIL: the login example did not start"; exit 1; }
  sleep 0.1
done
url="http://127.0.0.1:$port/docs/swagger"
# The page must not reach out: its assets are the example's own.
if curl -s "$url" | grep -q "cdn.jsdelivr"; then echo "SWAGGER FAIL: the page still loads from a CDN"; exit 1; fi

chrome=(chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
        --user-data-dir="$work/profile" --virtual-time-budget=20000 --window-size=1280,1000)
"${chrome[@]}" --dump-dom "$url" >"$work/dom.html" 2>"$work/chromium.log" || true
missing=0
for operation in "/login" "/profile" "/logout" "/hello"; do
  if ! grep -q "data-path=\"$operation\"" "$work/dom.html"; then
    echo "SWAGGER FAIL: the rendered page does not show $operation"
    missing=1
  fi
done
if [ "$missing" = 1 ]; then tail -5 "$work/chromium.log"; exit 1; fi
echo "SWAGGER OK: Chromium rendered $(grep -o 'class="opblock opblock-' "$work/dom.html" | wc -l) operations from locally served assets"
if [ "${1:-}" != "" ]; then
  "${chrome[@]}" --screenshot="$1" "$url" 2>>"$work/chromium.log" >/dev/null || true
  [ -s "$1" ] && echo "screenshot: $1"
fi
