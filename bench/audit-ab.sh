#!/usr/bin/env bash
# The audit log's cost: server CPU per POST /user/refresh and per POST /user/login with Audit.Enabled true and
# false, the same build side by side (as bench/refresh-ab.sh compares two builds):
#
#   bench/audit-ab.sh [ROUNDS]                       (default 4 rounds; embedded mode)
#   AB_MODE=mysql-redis bench/audit-ab.sh [ROUNDS]   (production mode: MariaDB and Redis)
#   AB_ARGS_A="--Audit:ExcludedTypes:0=refresh" bench/audit-ab.sh [ROUNDS]   (A with extra server arguments)
#   AB_SCENARIOS=refresh AB_WARMUP=3 bench/audit-ab.sh 8   (refresh only; three warm-up rounds, not counted)
#
# Two servers of this tree, A with the audit log on, B with it off, on core 0: embedded (a SQLite file each) or, with
# AB_MODE=mysql-redis, over one MariaDB (a database each) and a Redis each, started here on core 1 (as bench/run.sh
# does) and counted in a run's cost: the database's share of writing the events is part of what auditing costs.
# wrk on core 1 (refresh: 64 connections, 8 s runs; login: 2 connections, 20 s runs). The two take turns, one run
# each per scenario and round, after a warm-up round. A run's cost is the server process's user + system CPU time over
# it and until its core is idle again (the audit writer's backlog included) divided by the requests it answered:
# robust to the VM or a neighbour taking the core away, unlike req/s. Prints each run, then the median of A over the
# median of B per scenario (the issue's target: within 5 %).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/audit-ab.XXXXXX)
server_core=0 client_core=1 connections=64
[[ $(nproc) -lt 2 ]] && client_core=0
source "$root/scripts/lib/servers.sh"
source "$root/bench/lib/servers.sh"
mode=${AB_MODE:-embedded}
mysql_port=${AB_MYSQL_PORT:-18316} redis_port=${AB_REDIS_PORT:-18379}
pa="" pb="" pids=()
trap 'kill $pa $pb 2>/dev/null; stop_servers; rm -rf $work' EXIT
dotnet publish "$root/src/UserApi/UserApi.csproj" -c Release -o "$work/app" >/dev/null
dotnet publish "$root/bench/Tools/Tools.csproj" -c Release -o "$work/tools" >/dev/null
export ASPNETCORE_ENVIRONMENT=Production
case $mode in
  embedded) stores_a=("--DataSource=sqlite:$work/a.db") stores_b=("--DataSource=sqlite:$work/b.db") ;;
  mysql-redis)
    ensure_servers_installed
    start_mariadb; start_redis; start_redis $((redis_port + 1))
    for pid in "${pids[@]}"; do taskset -a -p -c "$client_core" "$pid" >/dev/null; done
    mysql="Server=127.0.0.1;Port=$mysql_port;User ID=userapi;Password=userapi"
    stores_a=("--DataSource=$mysql;Database=audit_a" "--CacheRedis:0:Host=127.0.0.1:$redis_port")
    stores_b=("--DataSource=$mysql;Database=audit_b" "--CacheRedis:0:Host=127.0.0.1:$((redis_port + 1))") ;;
  *) log "AB_MODE: embedded or mysql-redis, not $mode"; exit 2 ;;
esac
read -r -a args_a <<<"${AB_ARGS_A:-}"
start_server a 18311 /readyz dotnet "$work/app/user-api.dll" --Port=18311 "${stores_a[@]}" --Audit:Enabled=true "${args_a[@]}" "${userapi_args[@]}"; pa=$server_pid
start_server b 18312 /readyz dotnet "$work/app/user-api.dll" --Port=18312 "${stores_b[@]}" --Audit:Enabled=false "${userapi_args[@]}"; pb=$server_pid
rounds=${1:-4} warmups=${AB_WARMUP:-1} scenarios=${AB_SCENARIOS:-refresh login}
n=$((connections * (rounds + warmups + 1)))
dotnet "$work/tools/bench-tools.dll" tokens http://127.0.0.1:18311 $n "$work/ta.txt" >/dev/null
dotnet "$work/tools/bench-tools.dll" tokens http://127.0.0.1:18312 $n "$work/tb.txt" >/dev/null
split -l $connections -d -a 2 "$work/ta.txt" "$work/ca-"; split -l $connections -d -a 2 "$work/tb.txt" "$work/cb-"
# cpu PID: the CPU time, in clock ticks, of the server and of the stores it shares (none in embedded mode).
cpu() {
  local pid
  for pid in "$1" "${pids[@]}"; do sed 's/^.*) //' "/proc/$pid/stat"; done | awk '{t += $12 + $13} END {print t}'
}
i=0
# run X PID PORT SCENARIO: prints "X SCENARIO <us per request> <requests>" and appends it to the results.
run() {
  local before after out req
  # The server's previous run (a login run's hashes still in flight) is over before this one is counted.
  settle
  before=$(cpu "$2")
  case $4 in
    refresh) out=$(wrk_run 8 "http://127.0.0.1:$3" refresh.lua "$(printf "%s/c%s-%02d" "$work" "$1" $i)" /user/refresh 1) ;;
    # Two connections (the pinned server has one hashing worker), 20 s: CPU spent on logins still in flight when a run
    # ends is a small share of a run's cost only if few are in flight and many are answered.
    login) out=$(connections=2 wrk_run 20 "http://127.0.0.1:$3" login.lua "$work/t$1.txt" /user/login username) ;;
  esac
  # The run's events are still being written when wrk stops: their cost belongs to the run.
  settle
  after=$(cpu "$2")
  req=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$out")
  if [[ -z "$req" || "$req" == 0 ]]; then
    echo "$1 $4: no requests answered (server $(kill -0 "$2" 2>/dev/null && echo alive || echo gone)); wrk said: $out" >&2
    return 1
  fi
  awk -v x="$1" -v s="$4" -v t=$((after - before)) -v r="$req" 'BEGIN{printf "%s %s %.2f %d\n", x, s, t*10000/r, r}' | tee -a "$work/results"
}
round() {
  [[ " $scenarios " == *" refresh "* ]] && { run a "$pa" 18311 refresh; run b "$pb" 18312 refresh; }
  [[ " $scenarios " == *" login "* ]] && { run b "$pb" 18312 login; run a "$pa" 18311 login; }
  i=$((i + 1))
}
echo "build scenario us/request requests (a: Audit.Enabled=true, b: false)"
for ((k = 0; k < warmups; k++)); do round; done
: >"$work/results"
for ((k = 0; k < rounds; k++)); do round; done
median() { grep "^$1 $2 " "$work/results" | awk '{print $3}' | sort -n | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for s in $scenarios; do
  awk -v s=$s -v a="$(median a $s)" -v b="$(median b $s)" 'BEGIN{printf "%s: audit on %.2f us/req, off %.2f us/req: on costs %+.1f %%\n", s, a, b, (a/b-1)*100}'
done
