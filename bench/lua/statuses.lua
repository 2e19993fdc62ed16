-- Counts responses by status across wrk's threads and prints them with the usual RESULT line:
--   STATUSES 200=12345 503=17
-- (bench/store_faults.sh, bench/soak.sh). A MIX variable of `path=weight,...` entries (set with
-- `wrk ... -- MIX`) makes each request pick a route by weight; `POST /login` sends the demo
-- credentials, `COOKIE` (environment) is sent on every request but /login and /logout when set.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

counts = {} -- global: done() reads it from each thread with thread:get
local mix = {}
local total_weight = 0
local login_body = '{"email":"alice@example.com","password":"wonderland"}'
local cookie = os.getenv("COOKIE")

function init(args)
  for entry in string.gmatch(args[1] or "", "[^,]+") do
    local method, path, weight = string.match(entry, "^(%u+) ([^=]+)=(%d+)$")
    if method then
      total_weight = total_weight + tonumber(weight)
      table.insert(mix, {method = method, path = path, upto = total_weight})
    end
  end
end

function request()
  local headers = {}
  if total_weight == 0 then
    if cookie then headers["Cookie"] = cookie end
    return wrk.format(nil, nil, headers)
  end
  local pick = math.random(total_weight)
  for _, route in ipairs(mix) do
    if pick <= route.upto then
      if route.path == "/login" then
        headers["Content-Type"] = "application/json"
        return wrk.format("POST", "/login", headers, login_body)
      end
      -- The session cookie goes with every route but /login and /logout: a login sends none (it
      -- starts a new session) and a logout revokes only its own (with a store, logging out or
      -- cycling the shared session would log every other request out).
      if cookie and route.path ~= "/logout" then headers["Cookie"] = cookie end
      return wrk.format(route.method, route.path, headers)
    end
  end
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do all[status] = (all[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(all) do table.insert(parts, status .. "=" .. n) end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
  io.write("STATUSES " .. table.concat(parts, " ") .. "\n")
end
