# The .NET servers of the benchmarks (baseline, service, peer), started as bench/run.sh starts them, and
# the wrk runs that drive them; for bench/run.sh, bench/cpu-per-request.sh and bench/rss-probe.sh. Needs
# scripts/lib/servers.sh (log) and the caller's root, work (a temporary directory), server_core,
# client_core and connections.

# Every server starts with the same thread pool: 32 workers (hex 20; the runtimeconfig knob
# System.Threading.ThreadPool.MinThreads). With .NET's default on one core (one minimum worker) the pool
# grows, or does not, with each process's history: the same binary measured 70-78 % or 87-101 % of /hello
# in different processes, and /hello itself 45k or 60-80k req/s.
server_env=(DOTNET_ThreadPool_ForceMinWorkerThreads=20)

# The service's arguments common to every benchmark. Benchmark traffic comes from one address: lift the
# per-IP lock, keep everything else as shipped.
secrets=(--Auth:AccessSecret=bench-access-secret-0123456789abcdefghijklmnop --Auth:RefreshSecret=bench-refresh-secret-0123456789abcdefghijklmnop)
userapi_args=(--Host=127.0.0.1 --Logging:LogLevel:Default=Warning --Security:MaxFailedLoginsPerIp=1000000 "${secrets[@]}")

server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

# wrk_run SECONDS URL SCRIPT ARGS...: one wrk run pinned to the client core; prints its JSON line.
wrk_run() {
  local seconds=$1 url=$2 script=$3; shift 3
  taskset -c "$client_core" wrk -t1 -c"$connections" -d"${seconds}s" --timeout 30s --latency \
    -s "$root/bench/wrk/$script" "$url" -- "$@" | tail -n 1
}

rss_mb() { echo $(( $(ps -o rss= -p "$server_pid") / 1024 )); }

# start_server NAME PORT HEALTH_PATH COMMAND...: runs COMMAND pinned to the server core, waits up to 60 s
# for a 200 (fails, printing the server's log, if none comes); its pid is server_pid.
start_server() {
  local name=$1 port=$2 health=$3 i; shift 3
  (cd "$work" && exec taskset -c "$server_core" env "${server_env[@]}" "$@" >"$work/$name.log" 2>&1) &
  server_pid=$!
  for ((i = 0; i < 600; i++)); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port$health"; then
      log "$name up on :$port (pid $server_pid, RSS $(rss_mb) MB)"
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/$name.log" >&2; return 1; }
    sleep 0.1
  done
  cat "$work/$name.log" >&2
  log "$name: no 200 from $health on :$port within 60 s"
  return 1
}
