-- POST PATH with an empty JSON object. wrk -s post.lua URL -- PATH
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  path = args[1] or "/user/token"
end

function request()
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, "{}")
end
