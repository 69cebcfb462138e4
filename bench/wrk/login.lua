-- POST a login for the token file's users in turn. wrk -s login.lua URL -- TOKENS PATH FIELD
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  path = args[2] or "/user/login"
  field = args[3] or "username"
  users = {}
  for _, line in ipairs(read_lines(args[1])) do table.insert(users, split(line)[3]) end
  index = id or 1
end

function request()
  index = index % #users + 1
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" },
    '{"' .. field .. '":"' .. users[index] .. '","password":"Bench-password-1"}')
end
