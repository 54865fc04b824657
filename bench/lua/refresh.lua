-- wrk script: refresh-token rotation (grant_type=refresh_token, HTTP Basic client auth).
-- Portcullis rotates refresh tokens on every use and revokes the whole grant when a used one comes back,
-- so no token may ever be sent twice. Each wrk thread owns a pool of refresh tokens issued before the run
-- (one per line in the file $TOKENS.$PHASE.<thread number>, PHASE = warmup or measure, so the warm-up and
-- the measured run never share a token). A request takes the oldest token out of the pool; a 2xx response
-- puts its successor (the response's refresh_token) at the end. A failed request loses its token. With 16
-- connections per thread and at least 17 tokens per thread the pool never runs dry; if it does, the request
-- carries the placeholder "pool-empty", the server answers 400 and the run counts it as non-2xx.
-- Built on bench/peers/common/post_form.lua (its Basic header, response checks and VERIFY / LAT_US / RPS
-- output); adds the line POOL loaded=… empty=… left=….
-- Env: TOKENS, PHASE, CLIENT_ID, CLIENT_SECRET, EXPECT (default access_token).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "../peers/common/post_form.lua")

local base_setup, base_init, base_response, base_done = setup, init, response, done
local threads, count = {}, 0

function setup(thread)
  thread:set("tid", count)
  count = count + 1
  table.insert(threads, thread)
  base_setup(thread)
end

function init(args)
  base_init(args)
  empty = 0
  pool = {}; head = 1; tail = 0
  local f = io.open((os.getenv("TOKENS") or "tokens") .. "." .. (os.getenv("PHASE") or "measure") .. "." .. tid, "r")
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
  return wrk.format("POST", nil, nil, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    local successor = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if successor then
      tail = tail + 1; pool[tail] = successor
    else
      body = "" -- no successor: counted as a 2xx without the expected body (EXPECT is never empty here)
    end
  end
  base_response(status, headers, body)
end

function done(summary, latency, requests)
  base_done(summary, latency, requests)
  local e, l, left = 0, 0, 0
  for _, t in ipairs(threads) do
    e = e + t:get("empty"); l = l + t:get("loaded"); left = left + (t:get("tail") - t:get("head") + 1)
  end
  io.write(string.format("POOL loaded=%d empty=%d left=%d\n", l, e, left))
end
