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
# per-IP lock and the per-client rate limits out of reach (not off: each request still passes through the
# limiter, as in production), keep everything else as shipped.
secrets=(--Auth:AccessSecret=bench-access-secret-0123456789abcdefghijklmnop --Auth:RefreshSecret=bench-refresh-secret-0123456789abcdefghijklmnop --Mfa:EncryptionKey=YmVuY2gtbWZhLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g=)
# The hashing queue's shedding too: the password-hashing scenarios measure how fast hashes are served with 64
# connections waiting, not how many are refused (the login storm of bench/run.sh sets it back to the default).
unreachable_limits=(--Security:MaxFailedLoginsPerIp=1000000 --Security:TokenRequestsPerMinute=1000000000
  --Security:RegistrationsPerMinute=1000000000 --Security:UserLookupsPerMinute=1000000000 --Security:MaxHashWait=3600)
userapi_args=(--Host=127.0.0.1 --Logging:LogLevel:Default=Warning "${unreachable_limits[@]}" "${secrets[@]}")

server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

# settle: waits, at most 30 s, until the server core has been idle for half a second. A load leaves work
# behind that would otherwise run inside the next measured run, on the same core: once a login run stops,
# the tier-1 JIT compiles what the run made hot (perf: 0.9 s of CPU in libclrjit 1-3 s after a 5 s run, in
# the first runs of a process), and requests still queued are answered or cancelled.
settle() {
  local start=$SECONDS
  while ((SECONDS - start < 30)) && (($(core_busy_permille "$server_core" 0.5) >= 50)); do :; done
  ((SECONDS - start >= 2)) && log "server core busy for $((SECONDS - start)) s after the previous run"
  return 0
}

# core_busy_permille CORE SECONDS: the share of SECONDS the core spent running anything (steal excluded).
core_busy_permille() {
  local before after
  before=$(grep "^cpu$1 " /proc/stat)
  sleep "$2"
  after=$(grep "^cpu$1 " /proc/stat)
  echo "$before $after" | awk '{
    busy = ($13 + $14 + $15 + $18 + $19) - ($2 + $3 + $4 + $7 + $8)
    idle = ($16 + $17) - ($5 + $6)
    print (busy + idle > 0) ? int(1000 * busy / (busy + idle)) : 0 }'
}

# wrk_run SECONDS URL SCRIPT ARGS...: one wrk run pinned to the client core, once the server core is idle;
# prints its JSON line.
wrk_run() {
  local seconds=$1 url=$2 script=$3; shift 3
  settle
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
