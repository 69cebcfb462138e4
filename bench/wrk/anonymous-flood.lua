-- The anonymous-token flood of issue 25: each token is minted with POST /user/token and presented once, on
-- POST /user/info, then never again. wrk -t1 -s anonymous-flood.lua URL -- USER_ID [TOKENS MARKER]
-- USER_ID: an existing user's id, so that every look-up answers 200. TOKENS: once that many tokens have been
-- presented the thread stops and creates the file MARKER; wrk itself runs out its duration unless sent
-- SIGINT, which bench/token-flood.sh does when MARKER appears (wrk then prints its summary as usual).
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  body = '{"userId":' .. (args[1] or "1") .. '}'
  limit = tonumber(args[2] or "0")
  marker = args[3]
  used, pending = 0, {}
end

function request()
  -- wrk calls request() once per thread before connecting and discards the result: only mint there.
  local token = table.remove(pending)
  if token then
    used = used + 1
    return wrk.format("POST", "/user/info", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
  end
  return wrk.format("POST", "/user/token", { ["Content-Type"] = "application/json" }, "{}")
end

function response(status, headers, body)
  local token = body:match('"access_token":"([^"]+)"')
  if token then table.insert(pending, token) end
  if limit > 0 and used >= limit and not stopped then
    stopped = true
    if marker then io.open(marker, "w"):close() end
    wrk.thread:stop()
  end
end
