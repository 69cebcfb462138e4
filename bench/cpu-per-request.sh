#!/usr/bin/env bash
# Where GET /user/info's time goes: the server CPU time each request costs, for the baseline's /hello and
# /authenticated/hello and for the service's /healthz (without and with an access token) and /user/info.
#
#   bench/cpu-per-request.sh [ROUNDS]      (default 7 rounds of 8 s per target, about 6 minutes)
#   CPU_WARM=1 CPU_DURATION=1 bench/cpu-per-request.sh 1     (CI's check that the script works)
#
# Both servers (the baseline and the service, embedded mode) run side by side on core 0 with the harness's
# thread pool, wrk (64 connections) on core 1; the targets take turns, one run each per round. A run's
# cost is the server process's user + system CPU time over it (/proc/PID/stat) divided by the requests
# wrk completed: unlike req/s, it does not move when something else on the machine takes the core for a
# while. Prints each round, then per target the median µs per request and its ratio to /hello.
# The service's /healthz runs no endpoint code of the service: without a token it is the pipeline
# (exception handler, status-code pages, body limit, no-store headers, routing), with one it adds
# the authentication (token-cache look-up, revocation check). /authenticated/hello is the framework's
# floor for a request carrying the same Authorization header (a scheme that checks nothing).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-7} duration=${CPU_DURATION:-8} warm=${CPU_WARM:-20}
work=$(mktemp -d "${TMPDIR:-/tmp}/user-api-cpu.XXXXXX")
server_core=0 client_core=1 connections=64 baseline_port=18180 service_port=18181
# shellcheck source=../scripts/lib/servers.sh
source "$root/scripts/lib/servers.sh"
# shellcheck source=lib/servers.sh
source "$root/bench/lib/servers.sh"
baseline_pid=""
cleanup() {
  stop_server
  [[ -n "$baseline_pid" ]] && { kill "$baseline_pid" && wait "$baseline_pid"; } 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

dotnet publish "$root/src/UserApi/UserApi.csproj" -c Release -o "$work/user-api" >/dev/null
dotnet publish "$root/bench/Baseline/Baseline.csproj" -c Release -o "$work/baseline" >/dev/null
dotnet publish "$root/bench/Tools/Tools.csproj" -c Release -o "$work/tools" >/dev/null

export ASPNETCORE_ENVIRONMENT=Production
start_server baseline $baseline_port /hello dotnet "$work/baseline/baseline.dll" --urls "http://127.0.0.1:$baseline_port"
baseline_pid=$server_pid server_pid=""
start_server user-api $service_port /healthz dotnet "$work/user-api/user-api.dll" --Port=$service_port \
  "--DataSource=sqlite:$work/cpu.db" "${userapi_args[@]}"
service_pid=$server_pid
dotnet "$work/tools/bench-tools.dll" tokens "http://127.0.0.1:$service_port" 256 "$work/tokens.txt" >/dev/null

# Each target: NAME PORT PID TOKENS PATH ("-" sends no Authorization header).
targets=(
  "/hello $baseline_port $baseline_pid - /hello"
  "/authenticated/hello $baseline_port $baseline_pid $work/tokens.txt /authenticated/hello"
  "/healthz(no-token) $service_port $service_pid - /healthz"
  "/healthz(token) $service_port $service_pid $work/tokens.txt /healthz"
  "/user/info $service_port $service_pid $work/tokens.txt /user/info"
)
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() { # SECONDS NAME PORT PID TOKENS PATH: prints "µs-per-request requests-per-second"
  local seconds=$1 port=$3 pid=$4 tokens=$5 path=$6 before after json
  before=$(cpu_ticks "$pid")
  json=$(wrk_run "$seconds" "http://127.0.0.1:$port" get.lua "$tokens" "$path")
  after=$(cpu_ticks "$pid")
  python3 -c 'import json, sys
r = json.loads(sys.argv[1])
assert r["non2xx"] == 0 and r["socket_errors"] == 0, r
seconds = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
print("%.2f %.0f" % (seconds * 1e6 / r["requests"], r["rps"]))' "$json" "$before" "$after" "$ticks"
}

for target in "${targets[@]}"; do run "$warm" $target >/dev/null; done # warm-up: tier-1 JIT
for ((round = 1; round <= rounds; round++)); do
  line="round $round:"
  for target in "${targets[@]}"; do
    read -r us rps < <(run "$duration" $target)
    echo "${target%% *} $us $rps" >>"$work/runs.txt"
    line+="  ${target%% *} ${us} µs (${rps}/s)"
  done
  echo "$line"
done
python3 - "$work/runs.txt" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
names = list(dict.fromkeys(r[0] for r in rows))
median = {n: statistics.median(float(r[1]) for r in rows if r[0] == n) for n in names}
rps = {n: statistics.median(float(r[2]) for r in rows if r[0] == n) for n in names}
print(f"\n{'target':24} {'µs/request':>10} {'/hello ÷ this':>14} {'req/s':>8}")
for n in names:
    print(f"{n:24} {median[n]:10.2f} {median[names[0]] / median[n]:13.1%} {rps[n]:8.0f}")
EOF
