#!/usr/bin/env bash
# Server CPU per POST /user/refresh (or GET /user/info) for two builds or two configurations side by side, as
# bench/cpu-per-request.sh does for GET:
#
#   bench/refresh-ab.sh TREE_A TREE_B [ROUNDS]    (two checkouts, e.g. a git worktree of the build before; default 4 rounds)
#   AB_ARGS_B="--Auth:Algorithm=ES256 ..." bench/refresh-ab.sh . . 4     (one build, B with extra server arguments)
#   AB_PATH=/user/info bench/refresh-ab.sh ...    (GET /user/info with 64 users' tokens instead of refreshes)
#
# Both servers (embedded mode) run on core 0, wrk (64 connections, chained refresh tokens) on core 1; the builds
# take turns, one 8 s run each per round after a warm-up round. A run's cost is the server process's user + system
# CPU time over it divided by the requests it answered: robust to the VM taking the core away, unlike req/s.
# AB_ARGS_A and AB_ARGS_B add server arguments to A's or B's command line (word-split).
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
read -r -a args_a <<<"${AB_ARGS_A:-}"; read -r -a args_b <<<"${AB_ARGS_B:-}"
start_server a 18301 /healthz dotnet "$work/a/user-api.dll" --Port=18301 "--DataSource=sqlite:$work/a.db" "${userapi_args[@]}" "${args_a[@]}"; pa=$server_pid
start_server b 18302 /healthz dotnet "$work/b/user-api.dll" --Port=18302 "--DataSource=sqlite:$work/b.db" "${userapi_args[@]}" "${args_b[@]}"; pb=$server_pid
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
  if [[ ${AB_PATH:-/user/refresh} == /user/refresh ]]; then
    out=$(wrk_run 8 http://127.0.0.1:$3 refresh.lua "$chain" /user/refresh 1)
  else
    out=$(wrk_run 8 http://127.0.0.1:$3 get.lua "$work/c$1-00" "$AB_PATH")
  fi
  after=$(cpu $2)
  req=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$out")
  echo "$1 $(awk -v t=$((after-before)) -v r=$req 'BEGIN{printf "%.2f us/req, %d req", t*10000/r, r}')"
}
run a $pa 18301; run b $pb 18302; i=$((i+1))   # warm-up
for ((k=0;k<rounds;k++)); do run a $pa 18301; run b $pb 18302; i=$((i+1)); done
