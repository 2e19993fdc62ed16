#!/usr/bin/env bash
# The streaming example's memory while it moves 1 GiB each way: a download of a generated body
# (GET /download?bytes=SIZE) and two uploads streamed to a temporary file (POST /upload, once
# chunked, once with Content-Length), read by curl on 127.0.0.1. It prints the server's resident
# memory (VmRSS) before, and its peak (VmHWM, the kernel's high-water mark) after each transfer,
# and fails when the peak passes LIMIT_MIB: a body held in memory would show as ~1 GiB.
#
#   bash bench/stream_rss.sh                    # SIZE=1073741824 LIMIT_MIB=64 PORT=18190
#   PROFILE=release bash bench/stream_rss.sh    # the release build (default: the debug build)
#   BIN=path/to/streaming bash bench/stream_rss.sh   # a binary already built (no cargo build)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SIZE=${SIZE:-1073741824}
LIMIT_MIB=${LIMIT_MIB:-64}
PORT=${PORT:-18190}
PROFILE=${PROFILE:-debug}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

if [ -z "${BIN:-}" ]; then
    if [ "$PROFILE" = release ]; then
        cargo build --quiet --release --example streaming
    else
        cargo build --quiet --example streaming
    fi
    BIN="$CARGO_TARGET_DIR/$PROFILE/examples/streaming"
fi

RUST_LOG=warn PORT=$PORT "$BIN" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/download?bytes=1" && break
    sleep 0.1
done

kib() { awk -v field="$1:" '$1 == field { print $2 }' "/proc/$SERVER/status"; }
mib() { echo "$(( $1 / 1024 )) MiB"; }
echo "size: $SIZE bytes; server: $BIN (pid $SERVER); load: $(uptime)"
echo "before:           VmRSS $(mib "$(kib VmRSS)")  VmHWM $(mib "$(kib VmHWM)")"

started=$(date +%s.%N)
downloaded=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$PORT/download?bytes=$SIZE")
seconds=$(echo "$(date +%s.%N) - $started" | bc)
echo "download:         $downloaded bytes in ${seconds}s; VmRSS $(mib "$(kib VmRSS)")  VmHWM $(mib "$(kib VmHWM)")"
[ "$downloaded" = "$SIZE" ] || { echo "download: expected $SIZE bytes"; exit 1; }

started=$(date +%s.%N)
answer=$(head -c "$SIZE" /dev/zero | curl -s -X POST -T - -H 'content-type: application/octet-stream' "http://127.0.0.1:$PORT/upload")
seconds=$(echo "$(date +%s.%N) - $started" | bc)
echo "upload (chunked): $answer in ${seconds}s; VmRSS $(mib "$(kib VmRSS)")  VmHWM $(mib "$(kib VmHWM)")"
echo "$answer" | grep -q "\"bytes\":$SIZE" || { echo "upload: expected $SIZE bytes"; exit 1; }

started=$(date +%s.%N)
answer=$(head -c "$SIZE" /dev/zero | curl -s -X POST -T - -H 'transfer-encoding:' -H "content-length: $SIZE" "http://127.0.0.1:$PORT/upload")
seconds=$(echo "$(date +%s.%N) - $started" | bc)
echo "upload (length):  $answer in ${seconds}s; VmRSS $(mib "$(kib VmRSS)")  VmHWM $(mib "$(kib VmHWM)")"
echo "$answer" | grep -q "\"bytes\":$SIZE" || { echo "upload: expected $SIZE bytes"; exit 1; }

peak=$(kib VmHWM)
echo "peak resident memory: $(mib "$peak") (limit $LIMIT_MIB MiB)"
[ "$peak" -le $(( LIMIT_MIB * 1024 )) ] || { echo "FAIL: the server's peak RSS is above $LIMIT_MIB MiB"; exit 1; }
