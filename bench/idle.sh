#!/usr/bin/env bash
# Scale at rest (issue 16): memory per idle keep-alive connection, and start-up time to the first
# answered request, for our login example and the peers in bench/.
#
#   bash bench/idle.sh                       # APPS="ravyn hyper-bare axum-cookie actix-cookie", CONNS=10000
#   APPS="ravyn actix-cookie" CONNS=2000 bash bench/idle.sh
#
# For each app: the server is started (with a high open-file limit) and polled with a TCP connect +
# GET /hello every millisecond until it answers 200: that time, from exec, is its start-up time. Then
# one request warms it, its RSS is read (/proc/PID/status VmRSS), a client (Python asyncio, one
# process) opens CONNS keep-alive connections, sends one GET /hello on each, reads each answer and
# keeps every connection open and idle; SETTLE seconds after all are answered the server's RSS is
# read again, then every connection asks once more and the answered ones are counted (an idle
# connection the server dropped does not count). (RSS after - RSS before) / (connections
# still open at that moment) is the memory per idle connection; a server that closes idle
# keep-alive connections early (actix-web's default keep-alive is 5 s) shows fewer open ones.
# Binaries are the ones bench/run.sh builds (SKIP_BUILD semantics: this script builds nothing);
# CARGO_TARGET_DIR and BENCH_TARGET_DIR as there. Prints a markdown table.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
APPS=${APPS:-ravyn hyper-bare axum-cookie actix-cookie}
CONNS=${CONNS:-10000}
SETTLE=${SETTLE:-3}
PORT=${PORT:-18280}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-$ROOT/bench/target}
SESSION_SECRET=bench-secret-0123456789abcdef0123456789abcdef
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ravyn-idle.XXXXXX")

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/idle.sh: %s\n' "$*" >&2; exit 1; }
command -v python3 >/dev/null || die "python3 is missing"
binary() { case $1 in ravyn) echo "$CARGO_TARGET_DIR/release/examples/login" ;; *) echo "$BENCH_TARGET_DIR/release/$1" ;; esac; }
for app in $APPS; do [ -x "$(binary "$app")" ] || die "$(binary "$app") is missing: build it first (bash bench/run.sh builds every app)"; done

# Every connection is a file descriptor in the server and one in the client (separate processes,
# each with this limit), plus some slack.
ulimit -n $((CONNS + 1024)) 2>/dev/null || die "cannot raise the open-file limit to $((CONNS + 1024)) (ulimit -Hn: $(ulimit -Hn))"

SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

cat >"$WORK/client.py" <<'PY'
import asyncio, socket, sys, time

HOST, PORT = "127.0.0.1", int(sys.argv[2])
REQUEST = b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

async def read_answer(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return head.split(b" ", 2)[1]

def wait_ready(deadline_s):
    # From the caller's exec of the server: connect + GET /hello every millisecond until a 200.
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        try:
            with socket.create_connection((HOST, PORT), timeout=1) as s:
                s.sendall(REQUEST)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.001)
    raise SystemExit("server did not answer")

async def hold(count, done_file, release_file):
    conns, conns_r = [], []
    async def one():
        reader, writer = await asyncio.open_connection(HOST, PORT)
        writer.write(REQUEST)
        status = await read_answer(reader)
        if status != b"200":
            raise RuntimeError(f"status {status!r}")
        conns.append(writer)
        conns_r.append(reader)
    # Open in batches so the listener's backlog is never the limit being measured.
    for start in range(0, count, 500):
        await asyncio.gather(*(one() for _ in range(min(500, count - start))))
    open(done_file, "w").write(str(len(conns)))
    while not __import__("os").path.exists(release_file):
        await asyncio.sleep(0.05)
    # Open when the RSS was read: a connection the server closed has seen EOF by now.
    await asyncio.sleep(0)
    still_open = sum(not r.at_eof() for r in conns_r)
    # Still served? Each connection asks once more; a closed one fails at once.
    readers = conns_r
    async def again(reader, writer):
        try:
            writer.write(REQUEST)
            return await asyncio.wait_for(read_answer(reader), 10) == b"200"
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            return False
    answered = await asyncio.gather(*(again(r, w) for r, w in zip(readers, conns)))
    for w in conns:
        w.close()
    print(still_open, sum(answered))

if sys.argv[1] == "ready":
    print(f"{wait_ready(float(sys.argv[3])) * 1000:.1f}")
else:
    asyncio.run(hold(int(sys.argv[3]), sys.argv[4], sys.argv[5]))
PY

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

echo "| app | start-up to first answer | RSS with 1 connection | RSS with $CONNS idle | per idle connection | open at that moment | answering again afterwards |"
echo "|---|--:|--:|--:|--:|--:|--:|"
for app in $APPS; do
  say "$app"
  for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$PORT " || break; sleep 0.1; done
  # exec: $! is the server itself, and the start-up clock starts as close to its exec as a shell can.
  env HOST=127.0.0.1 PORT=$PORT WORKER_THREADS=2 LOGIN_FAST_HASH=1 SESSION_SECRET=$SESSION_SECRET RUST_LOG=warn \
    MAX_CONNECTIONS=$((CONNS + 100)) "$(binary "$app")" >"$WORK/$app.log" 2>&1 &
  SERVER=$!
  startup=$(python3 "$WORK/client.py" ready "$PORT" 10) || die "$app did not start: $(tail -5 "$WORK/$app.log")"
  python3 "$WORK/client.py" ready "$PORT" 2 >/dev/null
  before=$(rss_kb "$SERVER")
  rm -f "$WORK/done" "$WORK/release"
  python3 "$WORK/client.py" hold "$PORT" "$CONNS" "$WORK/done" "$WORK/release" >"$WORK/alive" &
  client=$!
  for _ in $(seq 1200); do [ -s "$WORK/done" ] && break; kill -0 "$client" 2>/dev/null || break; sleep 0.1; done
  [ -s "$WORK/done" ] || die "$app: the client did not open $CONNS connections"
  sleep "$SETTLE"
  after=$(rss_kb "$SERVER")
  touch "$WORK/release"
  wait "$client" || die "$app: the client failed"
  read -r still_open answered <"$WORK/alive"
  printf '| %s | %s ms | %.1f MiB | %.1f MiB | %.1f KiB | %s | %s |\n' "$app" "$startup" \
    "$(awk -v k="$before" 'BEGIN { print k / 1024 }')" "$(awk -v k="$after" 'BEGIN { print k / 1024 }')" \
    "$(awk -v a="$after" -v b="$before" -v n="$still_open" 'BEGIN { print (n > 0) ? (a - b) / n : 0 }')" "$still_open" "$answered"
  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""
done
echo
echo "CONNS=$CONNS SETTLE=${SETTLE}s; load average: $(uptime | sed 's/.*load average: //')"
