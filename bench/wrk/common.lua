-- Shared by the scenario scripts: per-thread ids, token files, and one JSON line of results.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if #line > 0 then table.insert(lines, line) end
  end
  return lines
end

function split(line)
  local fields = {}
  for field in line:gmatch("%S+") do table.insert(fields, field) end
  return fields
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"non2xx":%d,"socket_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors.status, errors.connect + errors.read + errors.write, errors.timeout))
end
