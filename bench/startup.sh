#!/usr/bin/env bash
# Start-up to first 200: launches the Release build in embedded mode (fresh data directory each run),
# polls GET /healthz every 5 ms, and prints each run's time and the median. Usage: bench/startup.sh [runs]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
port=${STARTUP_PORT:-38888}
out=$(mktemp -d "${TMPDIR:-/tmp}/user-api-startup.XXXXXX")
trap 'rm -rf "$out"' EXIT
dotnet publish "$root/src/UserApi/UserApi.csproj" -c Release -o "$out/app" >/dev/null
times=()
for ((i = 1; i <= runs; i++)); do
  work="$out/run-$i"; mkdir -p "$work"
  start=$(date +%s%N)
  (cd "$work" && ASPNETCORE_ENVIRONMENT=Development exec dotnet "$out/app/user-api.dll" --Host=127.0.0.1 --Port="$port" \
     --Logging:LogLevel:Default=Warning >"$work/log" 2>&1) &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/log"; exit 1; }
    sleep 0.005
  done
  end=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run $i: ${ms} ms"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median start-up to first 200: ${median} ms over $runs runs (embedded mode, first start with a new database)"
