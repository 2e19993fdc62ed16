-- Shared by every wrk run of bench/run.sh: one machine-readable line at the end.
-- (wrk runs this file; `done` gets the whole run's summary and latency histogram.)
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
