-- POST /refresh chaining: every request presents a refresh token that was never used; each response's
-- new refresh token goes back into the thread's pool. wrk -s refresh.lua URL -- TOKENS PATH
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  path = args[2] or "/user/refresh"
  pool = {}
  local lines = read_lines(args[1])
  -- Each thread takes its own slice of the sessions, so no refresh token is shared between threads.
  local thread_count = tonumber(args[3] or "1")
  for i, line in ipairs(lines) do
    if (i - 1) % thread_count == (id or 1) - 1 then table.insert(pool, split(line)[2]) end
  end
end

function request()
  -- wrk calls request() once per thread before connecting and discards the result: do not spend a token on it.
  if not probed then
    probed = true
    return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, '{"refreshToken":"probe"}')
  end
  -- An empty pool means refreshes failed: send a spent token, which shows up as non-2xx.
  local token = table.remove(pool, 1) or "exhausted"
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, '{"refreshToken":"' .. token .. '"}')
end

function response(status, headers, body)
  local token = body:match('"refreshToken":"([^"]+)"')
  if token then table.insert(pool, token) end
end
