#!/usr/bin/env bash
# One server's resident memory through the harness's scenarios, in MySQL + Redis mode: for probing what
# moves RSS (runtime settings, publish options) without a full bench run.
#
#   bench/rss-probe.sh                                  .NET's defaults
#   USERAPI_ENV="DOTNET_TieredPGO=0" bench/rss-probe.sh  with extra environment for the server
#   PUBLISH_ARGS="-r linux-x64 -p:PublishReadyToRun=true" bench/rss-probe.sh
#
# Starts MariaDB and Redis (on loopback, ports 13417/16489, beside the harness's) and the service on
# core 0 with the harness's thread pool, then drives it with wrk on core 1 through /user/info, refresh,
# token, login, register and single-connection login, PHASE seconds each (default 10). After each phase
# it prints the RSS at once and SETTLE seconds later (default 3), in MB; the last figure is the one to
# compare with bench/run.sh's "after_run_mb". Processes differ by several MB: alternate variants.
# PHASE=1 SETTLE=0 bench/rss-probe.sh is CI's check that the script works.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
phase=${PHASE:-10} settle=${SETTLE:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/user-api-rss.XXXXXX")
mysql_port=13417 redis_port=16489 cluster_ports=() pids=()
server_core=0 client_core=1 connections=64
# shellcheck source=../scripts/lib/servers.sh
source "$root/scripts/lib/servers.sh"
# shellcheck source=lib/servers.sh
source "$root/bench/lib/servers.sh"
cleanup() {
  stop_server
  stop_servers
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

ensure_servers_installed wrk curl
# shellcheck disable=SC2086 # PUBLISH_ARGS is a list of arguments
dotnet publish "$root/src/UserApi/UserApi.csproj" -c Release -o "$work/user-api" ${PUBLISH_ARGS:-} >/dev/null
dotnet publish "$root/bench/Tools/Tools.csproj" -c Release -o "$work/tools" >/dev/null
start_mariadb >/dev/null 2>&1
start_redis >/dev/null 2>&1
for pid in "${pids[@]}"; do taskset -a -p -c "$client_core" "$pid" >/dev/null; done

port=18895 url=http://127.0.0.1:18895
export ASPNETCORE_ENVIRONMENT=Production
# shellcheck disable=SC2206 # USERAPI_ENV is a list of NAME=VALUE words
server_env+=(${USERAPI_ENV:-})
start_server user-api $port /readyz dotnet "$work/user-api/user-api.dll" --Port=$port "${userapi_args[@]}" \
  "--DataSource=Server=127.0.0.1;Port=$mysql_port;User ID=userapi;Password=userapi;Database=rss" \
  --CacheRedis:0:Host=127.0.0.1:$redis_port --CacheRedis:0:Type=node

after() { local now; now=$(rss_mb); sleep "$settle"; echo "$now/$(rss_mb)"; }
drive() { # SCRIPT ARGS...: one phase; fails on any error or non-2xx response
  local json
  json=$(wrk_run "$phase" "$url" "$@")
  python3 -c 'import json, sys
r = json.loads(sys.argv[1])
assert r["non2xx"] == 0 and r["socket_errors"] == 0, (sys.argv[2], r)' "$json" "$1"
}

line="start $(after)"
dotnet "$work/tools/bench-tools.dll" tokens "$url" 256 "$work/tokens.txt" >/dev/null
split -l 64 -d -a 2 "$work/tokens.txt" "$work/chain-"
drive get.lua "$work/tokens.txt" /user/info; line+="  info $(after)"
drive refresh.lua "$work/chain-00" /user/refresh 1; line+="  refresh $(after)"
drive post.lua /user/token; line+="  token $(after)"
drive login.lua "$work/tokens.txt" /user/login username; line+="  login $(after)"
drive register.lua; line+="  register $(after)"
connections=1 drive login.lua "$work/tokens.txt" /user/login username; line+="  login-1-connection $(after)"
echo "RSS MB (at once/after ${settle}s) ${USERAPI_ENV:-} ${PUBLISH_ARGS:-}: $line"
# What the last figure is made of: anonymous memory (GC heap, malloc, stacks), mapped files (assemblies,
# native libraries) and shared memory (the JIT's code while W^X is on).
awk '/^Rss(Anon|File|Shmem):/ { printf "%s %d MB  ", $1, $2 / 1024 } END { print "" }' "/proc/$server_pid/status"
