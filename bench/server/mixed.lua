-- wrk script for the thingsdb server: GETs of known things and single-thing POSTs spread over
-- many namespaces. Environment: MODE=get|post|mixed, NAMESPACES (100), THINGS (things per
-- namespace seeded by run.sh, 100), WRITE_PERCENT for mixed (20), TOKEN (bearer token).
local mode = os.getenv("MODE") or "mixed"
local namespaces = tonumber(os.getenv("NAMESPACES") or "100")
local things = tonumber(os.getenv("THINGS") or "100")
local write_percent = tonumber(os.getenv("WRITE_PERCENT") or "20")
local token = os.getenv("TOKEN") or ""
local counter = 0

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

local function get()
  local ns = math.random(0, namespaces - 1)
  local thing = math.random(0, things - 1)
  return wrk.format("GET", "/v1/namespaces/bench-" .. ns .. "/things/t" .. thing, nil, nil)
end

local function post()
  local ns = math.random(0, namespaces - 1)
  counter = counter + 1
  local body = '{"type":"event","data":{"n":' .. counter .. ',"source":"wrk","ok":true}}'
  return wrk.format("POST", "/v1/namespaces/bench-" .. ns .. "/things", nil, body)
end

function request()
  if mode == "get" then return get() end
  if mode == "post" then return post() end
  if math.random(1, 100) <= write_percent then return post() end
  return get()
end

local bad = 0
function response(status, headers, body)
  if status >= 300 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format(
    '{"mode":"%s","requests":%d,"seconds":%.2f,"requests_per_s":%.0f,' ..
    '"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non_2xx":%d,"socket_errors":%d}\n',
    mode, summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, socket_errors))
end
