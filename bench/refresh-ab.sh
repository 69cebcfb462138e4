#!/usr/bin/env bash
# Server CPU per POST /user/refresh for two builds side by side, as bench/cpu-per-request.sh does for GET:
#
#   bench/refresh-ab.sh TREE_A TREE_B [ROUNDS]    (two checkouts, e.g. a git worktree of the build before; default 4 rounds)
#
# Both servers (embedded mode) run on core 0, wrk (64 connections, chained refresh tokens) on core 1; the builds
# take turns, one 8 s run each per round after a warm-up round. A run's cost is the server process's user + system
# CPU time over it divided by the refreshes it answered: robust to the VM taking the core away, unlike req/s.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/refresh-ab.XXXXXX)
server_core=0 client_core=1 connections=64
source $root/scripts/lib/servers.sh
source $root/bench/lib/servers.sh
trap 'kill $pa $pb 2>/dev/null; rm -rf $work' EXIT
dotnet publish "$1/src/UserApi/UserApi.csproj" -c Release -o "$work/a" >/dev/null
dotnet publish "$2/src/UserApi/UserApi.csproj" -c Release -o "$work/b" >/dev/null
dotnet publish "$root/bench/Tools/Tools.csproj" -c Release -o "$work/tools" >/dev/null
export ASPNETCORE_ENVIRONMENT=Production
start_server a 18301 /healthz dotnet "$work/a/user-api.dll" --Port=18301 "--DataSource=sqlite:$work/a.db" "${userapi_args[@]}"; pa=$server_pid
start_server b 18302 /healthz dotnet "$work/b/user-api.dll" --Port=18302 "--DataSource=sqlite:$work/b.db" "${userapi_args[@]}"; pb=$server_pid
rounds=${3:-4}
n=$((connections * (rounds * 2 + 2)))
dotnet "$work/tools/bench-tools.dll" tokens http://127.0.0.1:18301 $n $work/ta.txt >/dev/null
dotnet "$work/tools/bench-tools.dll" tokens http://127.0.0.1:18302 $n $work/tb.txt >/dev/null
split -l $connections -d -a 2 $work/ta.txt $work/ca-; split -l $connections -d -a 2 $work/tb.txt $work/cb-
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
i=0
run() { # X PID PORT
  local chain=$(printf "%s/c%s-%02d" $work $1 $i) before after out req
  before=$(cpu $2)
  out=$(wrk_run 8 http://127.0.0.1:$3 refresh.lua "$chain" /user/refresh 1)
  after=$(cpu $2)
  req=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$out")
  echo "$1 $(awk -v t=$((after-before)) -v r=$req 'BEGIN{printf "%.2f us/req, %d req", t*10000/r, r}')"
}
run a $pa 18301; run b $pb 18302; i=$((i+1))   # warm-up
for ((k=0;k<rounds;k++)); do run a $pa 18301; run b $pb 18302; i=$((i+1)); done
