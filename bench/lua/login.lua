-- POST /login with a JSON body, the same bytes for every framework. The request is built once by
-- wrk (no per-request Lua), so the load generator costs the same as for a plain GET.
wrk.method = "POST"
wrk.body = '{"email":"alice@example.com","password":"wonderland"}'
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
