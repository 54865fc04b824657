-- wrk script: refresh-token rotation (grant_type=refresh_token, HTTP Basic client auth).
-- Portcullis rotates refresh tokens on every use and revokes the whole grant when a used one comes back,
-- so no token may ever be sent twice. Each wrk thread owns a pool of refresh tokens issued before the run
-- (one per line in the file $TOKENS.$PHASE.<thread number>, PHASE = warmup or measure, so the warm-up and
-- the measured run never share a token). A request takes the oldest token out of the pool; a 2xx response
-- puts its successor (the response's refresh_token) at the end. A failed request loses its token. With 16
-- connections per thread and at least 17 tokens per thread the pool never runs dry; if it does, the request
-- carries the placeholder "pool-empty", the server answers 400 and the run counts it as non-2xx.
-- Output: the same VERIFY / LAT_US / RPS lines as post_form.lua, plus POOL loaded=… empty=… left=….
-- Env: TOKENS, PHASE, CLIENT_ID, CLIENT_SECRET, EXPECT (default access_token).
local b64chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local function b64(data)
  return ((data:gsub('.', function(x)
    local r, b = '', x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data % 3 + 1])
end

local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Authorization"] = "Basic " .. b64((os.getenv("CLIENT_ID") or "") .. ":" .. (os.getenv("CLIENT_SECRET") or "")),
}
expect = os.getenv("EXPECT")
if expect == nil then expect = "access_token" end
wrk.method = "POST"

local threads = {}
local count = 0
function setup(thread)
  thread:set("tid", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  ok = 0; notok = 0; non2xx = 0; sample = ""; empty = 0
  pool = {}; head = 1; tail = 0
  local name = (os.getenv("TOKENS") or "tokens") .. "." .. (os.getenv("PHASE") or "measure") .. "." .. tid
  local f = io.open(name, "r")
  if f then
    for line in f:lines() do
      if line ~= "" then tail = tail + 1; pool[tail] = line end
    end
    f:close()
  end
  loaded = tail
end

function request()
  local token = "pool-empty"
  if head <= tail then
    token = pool[head]; pool[head] = nil; head = head + 1
  else
    empty = empty + 1
  end
  return wrk.format(nil, nil, headers, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, hdrs, rbody)
  if status >= 200 and status < 300 then
    local successor = rbody:match('"refresh_token"%s*:%s*"([^"]+)"')
    if successor then tail = tail + 1; pool[tail] = successor end
    if successor and (expect == "" or string.find(rbody, expect, 1, true)) then ok = ok + 1
    else notok = notok + 1; if sample == "" then sample = rbody:sub(1, 200) end end
  else
    non2xx = non2xx + 1
    if sample == "" then sample = status .. " " .. rbody:sub(1, 200) end
  end
end

function done(summary, latency, requests)
  local a, b, c, e, l, left, s = 0, 0, 0, 0, 0, 0, ""
  for _, t in ipairs(threads) do
    a = a + t:get("ok"); b = b + t:get("notok"); c = c + t:get("non2xx")
    e = e + t:get("empty"); l = l + t:get("loaded"); left = left + (t:get("tail") - t:get("head") + 1)
    if s == "" then s = t:get("sample") or "" end
  end
  io.write(string.format("VERIFY ok_2xx_with_expect=%d 2xx_without_expect=%d non2xx=%d socket_errors=%d\n",
    a, b, c, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("POOL loaded=%d empty=%d left=%d\n", l, e, left))
  io.write(string.format("LAT_US p50=%d p90=%d p99=%d max=%d mean=%.0f\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
  io.write(string.format("RPS %.1f\n", summary.requests / (summary.duration / 1e6)))
  if s ~= "" then io.write("FIRST_BAD_SAMPLE " .. s .. "\n") end
end
