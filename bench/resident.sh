#!/usr/bin/env bash
# Where a server's peak RSS is: its anonymous memory (heap, stacks, arenas: what requests cost)
# and its file-backed pages (the binary's code and read-only data, and the shared libraries',
# mapped from the page cache). bench/run.sh reports VmHWM, their sum; this splits it.
#
#   bash bench/resident.sh                                   # ours, hyper-bare, axum-cookie, actix-cookie
#   APPS="ravyn actix-cookie" BURSTS=5 bash bench/resident.sh
#
# For each app: the server alone (2 worker threads, as in bench/run.sh), BURSTS (3) bursts of
# `wrk -c256 -d2s` on GET /profile with a valid session cookie (hyper-bare: a cookie of the same
# shape), RssAnon and RssFile sampled every 20 ms from /proc/PID/status, then the binary's own
# mappings read page by page from /proc/PID/pagemap (the present bit, readable as the server's
# own user): how many of its code and read-only pages are resident, and in how many contiguous
# runs. Prints a markdown table.
# Knobs: RAVYN_BIN (default: the release login example in CARGO_TARGET_DIR, as bench/run.sh builds
# it), BENCH_TARGET_DIR (the peers), PORT (18290), BURSTS.
set -euo pipefail
source "$(dirname "$0")/apps.sh"
BURSTS=${BURSTS:-3}
PORT=${PORT:-18290}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ravyn-resident.XXXXXX")
need wrk curl python3

SERVER="" SAMPLER=""
cleanup() { for p in $SERVER $SAMPLER; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
url() { echo "http://127.0.0.1:$PORT$1"; }

# The binary's code and read-only mappings, page by page: "pages resident runs" per mapping kind.
binary_pages() { # pid binary
  python3 - "$1" "$2" <<'EOF'
import struct, sys
pid, path = sys.argv[1], sys.argv[2]
pagemap = open(f"/proc/{pid}/pagemap", "rb")
maps = [line.split() for line in open(f"/proc/{pid}/maps")]
maps = [(tuple(int(x, 16) for x in m[0].split("-")), m[1]) for m in maps if len(m) >= 6 and m[5] == path]
# Read-only data is mapped before the code; the read-only mapping after it is the relocated data
# (RELRO), private copies counted as anonymous memory, left out here.
code_start = min(lo for (lo, _), perm in maps if perm == "r-xp")
kinds = {}
for (lo, hi), perm in maps:
    if perm not in ("r-xp", "r--p") or (perm == "r--p" and lo > code_start):
        continue
    bits = []
    for address in range(lo, hi, 4096):
        pagemap.seek(address // 4096 * 8)
        bits.append(struct.unpack("<Q", pagemap.read(8))[0] >> 63)
    runs = sum(1 for i, b in enumerate(bits) if b and (i == 0 or not bits[i - 1]))
    total, resident, count = kinds.get(perm, (0, 0, 0))
    kinds[perm] = (total + len(bits), resident + sum(bits), count + runs)
for kind in ("r-xp", "r--p"):
    total, resident, runs = kinds.get(kind, (0, 0, 0))
    print(f"{total * 4 / 1024:.1f} {resident * 4 / 1024:.1f} {runs}", end=" ")
print()
EOF
}

printf '| app | peak anonymous | peak file-backed | VmHWM | binary code: mapped / resident (runs) | binary read-only data: mapped / resident (runs) |\n'
printf '|---|--:|--:|--:|--:|--:|\n'
for app in $APPS; do
  bin=$(binary "$app")
  for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$PORT " || break; sleep 0.1; done
  env HOST=127.0.0.1 PORT=$PORT WORKER_THREADS=2 LOGIN_FAST_HASH=1 RUST_LOG=warn \
    SESSION_SECRET=$SESSION_SECRET "$bin" >"$WORK/$app.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -s -o /dev/null "$(url /hello)" && break; sleep 0.1; done
  curl -s -o /dev/null "$(url /hello)" || die "$app did not start: $(tail -5 "$WORK/$app.log")"
  cookie=$(session_cookie "$app" "$(url "")")
  (while kill -0 "$SERVER" 2>/dev/null; do
    awk '/^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 } END { print a, f }' "/proc/$SERVER/status" 2>/dev/null || true
    sleep 0.02
  done) >"$WORK/samples" &
  SAMPLER=$!
  for _ in $(seq "$BURSTS"); do wrk -t1 -c256 -d2s -H "Cookie: $cookie" "$(url /profile)" >/dev/null; done
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER/status")
  read -r code_kb code_res code_runs ro_kb ro_res ro_runs <<<"$(binary_pages "$SERVER" "$(readlink -f "$bin")")"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
  kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""
  awk -v app="$app" -v hwm="$hwm" -v c="$code_kb" -v cr="$code_res" -v cn="$code_runs" -v r="$ro_kb" -v rr="$ro_res" -v rn="$ro_runs" '
    $1 > a { a = $1 } $2 > f { f = $2 }
    END { printf "| %s | %.1f MiB | %.1f MiB | %.1f MiB | %.1f / %.1f MiB (%d) | %.1f / %.1f MiB (%d) |\n",
          app, a / 1024, f / 1024, hwm / 1024, c, cr, cn, r, rr, rn }' "$WORK/samples"
done
