-- GET PATH with "Authorization: Bearer <access token>", round-robin over the token file's users.
-- wrk -s get.lua URL -- TOKENS PATH      (no TOKENS: "-" sends no Authorization header)
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  path = args[2] or "/user/info"
  tokens = {}
  if args[1] ~= "-" then
    for _, line in ipairs(read_lines(args[1])) do table.insert(tokens, split(line)[1]) end
  end
  index = id or 1
end

function request()
  if #tokens == 0 then return wrk.format("GET", path) end
  index = index % #tokens + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[index] })
end
