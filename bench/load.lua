-- wrk script for bench/run.sh and bench/capacity.sh: one load per run, chosen by BENCH_MODE.
--   login     POST /auth/login as this thread's user (BENCH_USERS_FILE line n: username)
--   forgot    POST /auth/password/forgot for this thread's user (as login)
--   register  POST /auth/register with a name no run has used (BENCH_RUN_ID + thread + counter)
--   refresh   POST /auth/refresh, each thread carrying its OWN token chain: it starts from
--             BENCH_TOKENS_FILE line n and presents each new refresh token exactly once, so every
--             request is a real rotation (never the grace-window replay, never a reuse revocation)
--   get       GET BENCH_PATH; with BENCH_TOKENS_FILE, each request carries the next of this
--             thread's cookies (lines n, n + threads, n + 2 * threads, ...), so the load comes from
--             many sessions, as from many signed-in users, not from one token
-- Run with one connection per thread (wrk -t N -c N) for refresh: a thread's requests then go out
-- one after another, each after the previous answer. done() prints the 2xx count and every status.
local mode = os.getenv("BENCH_MODE")
local origin = os.getenv("BENCH_ORIGIN") or "http://localhost:3000"
local password = os.getenv("BENCH_PASSWORD")
local run_id = os.getenv("BENCH_RUN_ID") or "r"

local threads = {}
local counter = 1

local function lines(path)
  local result = {}
  if path and path ~= "" then
    for line in io.lines(path) do result[#result + 1] = line end
  end
  return result
end

-- Runs in the main Lua state, once per thread: hand each thread its own user or cookies. Every
-- thread is set up before the first request, so the thread count is known only in init: each
-- thread gets every cookie here and keeps its own share there.
function setup(thread)
  local n = #threads + 1
  threads[n] = thread
  thread:set("id", n)
  if mode == "login" or mode == "forgot" then
    local users = lines(os.getenv("BENCH_USERS_FILE"))
    thread:set("user", users[(n - 1) % #users + 1])
  elseif mode == "refresh" then
    local cookies = lines(os.getenv("BENCH_TOKENS_FILE"))
    local cookie = cookies[n]
    if cookie == nil then error("no cookie for thread " .. n .. ": start as many sessions as threads") end
    thread:set("cookie", cookie)
  elseif mode == "get" then
    thread:set("all_cookies", lines(os.getenv("BENCH_TOKENS_FILE")))
  end
end

local own_cookies, next_cookie = {}, 1

function init(args)
  ok, failed, broken, statuses = 0, 0, 0, {}
  if mode == "get" and all_cookies and #all_cookies > 0 then
    local count = tonumber(os.getenv("BENCH_THREADS") or "1")
    for i = id, #all_cookies, count do own_cookies[#own_cookies + 1] = all_cookies[i] end
    if #own_cookies == 0 then error("no cookie for thread " .. id .. ": start at least as many sessions as threads") end
  end
end

local json_headers = { ["Content-Type"] = "application/json", ["Origin"] = origin }

function request()
  if mode == "login" then
    return wrk.format("POST", "/auth/login", json_headers,
      string.format('{"username":"%s","password":"%s"}', user, password))
  elseif mode == "register" then
    counter = counter + 1
    return wrk.format("POST", "/auth/register", json_headers,
      string.format('{"username":"%s-%d-%d","email":"%s-%d-%d@example.com","password":"%s"}', run_id, id, counter, run_id, id, counter, password))
  elseif mode == "forgot" then
    return wrk.format("POST", "/auth/password/forgot", json_headers, string.format('{"username":"%s"}', user))
  elseif mode == "refresh" then
    return wrk.format("POST", "/auth/refresh", { ["Origin"] = origin, ["Cookie"] = cookie }, nil)
  end
  local path = os.getenv("BENCH_PATH") or "/auth/me"
  if #own_cookies == 0 then return wrk.format("GET", path, {}, nil) end
  local cookie = own_cookies[next_cookie]
  next_cookie = next_cookie % #own_cookies + 1
  return wrk.format("GET", path, { ["Cookie"] = cookie }, nil)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 200 and status < 300 then ok = ok + 1 else failed = failed + 1 end
  if mode == "refresh" and status == 200 then
    -- wrk keeps one value per header name, the last: the API sets the refresh cookie after the
    -- access cookie, so the last Set-Cookie is the new refresh token. Without it the chain is broken.
    local set = headers["Set-Cookie"] or headers["set-cookie"] or ""
    local name, value = set:match("^([%w_-]*refresh_token)=([^;]+)")
    if name then cookie = name .. "=" .. value else broken = broken + 1 end
  end
end

function done(summary, latency, requests)
  local total_ok, total_failed, total_broken, all = 0, 0, 0, {}
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_failed = total_failed + thread:get("failed")
    total_broken = total_broken + thread:get("broken")
    for status, count in pairs(thread:get("statuses")) do all[status] = (all[status] or 0) + count end
  end
  local parts = {}
  for status, count in pairs(all) do parts[#parts + 1] = status .. "=" .. count end
  table.sort(parts)
  io.write(string.format("BENCH ok=%d failed=%d broken=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f statuses=%s\n",
    total_ok, total_failed, total_broken, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, table.concat(parts, ",")))
end
