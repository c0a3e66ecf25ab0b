-- Shared by the wrk scripts of the load benchmark (dofile'd by each): counts
-- the response statuses of every thread and prints one JSON line at the end,
-- prefixed with LOADJSON, which run.py reads. Each thread gets an index
-- (tidx, 0-based) before init, so scripts can split their work.

local threads = {}
local created = 0

function setup(thread)
  thread:set("tidx", created)
  created = created + 1
  table.insert(threads, thread)
end

statuses = {}

function count_status(status)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

local function json_object(t)
  local parts = {}
  for k, v in pairs(t) do
    table.insert(parts, string.format("%q:%d", tostring(k), v))
  end
  table.sort(parts)
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local merged = {}
  local extra = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses") or {}
    for k, v in pairs(s) do merged[k] = (merged[k] or 0) + v end
    local lost = t:get("lost") or 0
    extra.lost = (extra.lost or 0) + lost
  end
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"requests":%d,"duration_us":%d,"bytes":%d,"rps":%.3f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"statuses":%s,"lost":%d,"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, summary.requests / (summary.duration / 1e6),
    e.connect, e.read, e.write, e.status, e.timeout,
    json_object(merged), extra.lost or 0,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
