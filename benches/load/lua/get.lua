-- GET a rotating list of paths (one per line in the file named by
-- LOAD_PATHS); each thread starts at its own place in the list. Counts
-- statuses (report.lua).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local requests = {}
local next_index = 1

function init(args)
  local file = assert(io.open(assert(os.getenv("LOAD_PATHS"), "LOAD_PATHS not set"), "r"))
  for line in file:lines() do
    if #line > 0 then table.insert(requests, wrk.format("GET", line)) end
  end
  file:close()
  assert(#requests > 0, "no paths in " .. os.getenv("LOAD_PATHS"))
  local threads = tonumber(os.getenv("LOAD_WRK_THREADS") or "1")
  next_index = math.floor(#requests * tidx / threads) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function response(status, headers, body)
  count_status(status)
end
