-- PATCH /api/v1/candidates/{id} (JSON Merge Patch: a new day rate) with
-- If-Match set to the version the client last saw. LOAD_PATCH_IDS names a file
-- of "id version" lines; thread i takes every LOAD_WRK_THREADS-th line from
-- line i, so no two threads touch the same candidate. A candidate is
-- patched again only after its previous answer came back (a queue of
-- candidates not in flight; the answer's ETag gives the next version), so
-- 412 never comes from the benchmark itself.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local headers = {}
local queue, head, tail = {}, 1, 0
local n = 0
lost = 0

local function push(id, version)
  tail = tail + 1
  queue[tail] = { id, version }
end

function init(args)
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/merge-patch+json"
  local threads = tonumber(os.getenv("LOAD_WRK_THREADS") or "1")
  local file = assert(io.open(assert(os.getenv("LOAD_PATCH_IDS"), "LOAD_PATCH_IDS not set"), "r"))
  local line_no = 0
  for line in file:lines() do
    local id, version = line:match("^(%S+)%s+(%d+)")
    if id then
      if line_no % threads == tidx then push(id, tonumber(version)) end
      line_no = line_no + 1
    end
  end
  file:close()
  assert(tail >= head, "no candidates to patch for thread " .. tidx)
end

function request()
  if head > tail then
    error("patch_candidate.lua: every candidate of thread " .. tidx .. " is in flight or lost")
  end
  local item = queue[head]
  queue[head] = nil
  head = head + 1
  n = n + 1
  headers["If-Match"] = '"v' .. item[2] .. '"'
  local body = string.format('{"day_rate":{"amount":%d,"currency":"EUR"}}', 700 + ((n * 37 + tidx * 11) % 1800))
  return wrk.format("PATCH", "/api/v1/candidates/" .. item[1], headers, body)
end

function response(status, headers, body)
  count_status(status)
  if status == 200 then
    local id = body:match('^{"id":"([^"]+)"')
    local etag = headers["etag"] or headers["ETag"] or ""
    local version = tonumber(etag:match("v(%d+)"))
    if id and version then push(id, version) return end
  end
  -- Not a success: the candidate it was for cannot be told from the answer.
  lost = lost + 1
end
