-- POST /api/v1/candidates with a unique body per request: the e-mail and the
-- external id carry LOAD_RUN_TAG, the thread index and a counter; the rest
-- varies with the counter (skills, levels, rate, availability, place).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local headers = {}
local tag = os.getenv("LOAD_RUN_TAG") or "wrk"
local skills = {}
local n = 0
local countries = { "NL", "DE", "GB", "FR", "BE" }
local cities = { "Amsterdam", "Berlin", "London", "Paris", "Brussels" }
local remote = { "onsite", "hybrid", "remote", "flexible" }
local langs = { "en", "nl", "de", "fr", "es", "it" }

function init(args)
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  for s in string.gmatch(os.getenv("LOAD_SKILLS") or "crisis-management", "[^,]+") do
    table.insert(skills, s)
  end
end

function request()
  n = n + 1
  local k = n * 7 + tidx * 13
  local s1 = skills[k % #skills + 1]
  local s2 = skills[(k * 3 + 1) % #skills + 1]
  local s3 = skills[(k * 5 + 2) % #skills + 1]
  local list = string.format('{"skill":"%s","level":%d,"years":%d}', s1, k % 5 + 1, k % 20)
  if s2 ~= s1 then list = list .. string.format(',{"skill":"%s","level":%d}', s2, (k + 2) % 5 + 1) end
  if s3 ~= s1 and s3 ~= s2 then list = list .. string.format(',{"skill":"%s","level":%d}', s3, (k + 4) % 5 + 1) end
  local c = k % 5 + 1
  local body = string.format(
    '{"external_id":"%s-%d-%d","first_name":"Load","last_name":"Writer %d","email":"%s-%d-%d@load.example",' ..
    '"headline":"Interim executive","location":{"city":"%s","country":"%s"},"remote_preference":"%s",' ..
    '"willing_to_travel":%s,"languages":[{"language":"%s","proficiency":"fluent"}],' ..
    '"day_rate":{"amount":%d,"currency":"EUR"},"availability":{"available_from":"2027-0%d-01"},' ..
    '"years_experience":%d,"industries":["retail"],"crisis_experience":["kpis_not_met"],' ..
    '"skills":[%s],"status":"active"}',
    tag, tidx, n, n, tag, tidx, n, cities[c], countries[c], remote[k % 4 + 1],
    (k % 2 == 0) and "true" or "false", langs[k % 6 + 1],
    600 + (k * 50) % 2000, k % 9 + 1, k % 30, list)
  return wrk.format("POST", "/api/v1/candidates", headers, body)
end

function response(status, headers, body)
  count_status(status)
end
