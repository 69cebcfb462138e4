-- POST /user/register with a new username every time. wrk -s register.lua URL
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  prefix = string.format("reg-%d-%d-", os.time(), id or 1)
  n = 0
end

function request()
  n = n + 1
  return wrk.format("POST", "/user/register", { ["Content-Type"] = "application/json" },
    '{"username":"' .. prefix .. n .. '","password":"Bench-password-1"}')
end
