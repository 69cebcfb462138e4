#!/usr/bin/env bash
# The anonymous-token flood of issue 25 against a running server, with the server's RSS sampled throughout:
# every token is minted (POST /user/token) and presented once (POST /user/info), by wrk with
# bench/wrk/anonymous-flood.lua.
#
#   bench/token-flood.sh URL PID SECONDS USER_ID [TOKENS]
#
# PID: the server's process (its VmRSS is read every 0.5 s from /proc). USER_ID: an existing user's id (every
# look-up answers 200). TOKENS: stop once that many tokens have been presented (SECONDS then only bounds
# the run; 1000000 is the issue's flood). wrk runs one thread with FLOOD_CONNECTIONS connections (default 16, the issue's), pinned to
# FLOOD_CORE when set. Prints one JSON line: wrk's figures, the tokens used (half the requests), and the
# RSS at the start, at its peak and at the end, in MB; FLOOD_RSS_LOG=FILE keeps the samples ("seconds MB").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
url=$1 pid=$2 seconds=$3 user_id=$4 tokens=${5:-0}
connections=${FLOOD_CONNECTIONS:-16}
samples=${FLOOD_RSS_LOG:-$(mktemp "${TMPDIR:-/tmp}/token-flood-rss.XXXXXX")}

rss_mb() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$pid/status"; }

start=$(rss_mb)
(
  t0=$(date +%s.%N)
  while kill -0 "$pid" 2>/dev/null; do
    echo "$(awk -v t0="$t0" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - t0 }') $(rss_mb)"
    sleep 0.5
  done
) >"$samples" &
sampler=$!
trap 'kill "$sampler" 2>/dev/null || true' EXIT

pin=()
[[ -n "${FLOOD_CORE:-}" ]] && pin=(taskset -c "$FLOOD_CORE")
marker=$(mktemp -u "${TMPDIR:-/tmp}/token-flood-done.XXXXXX") output=$(mktemp "${TMPDIR:-/tmp}/token-flood-wrk.XXXXXX")
"${pin[@]}" wrk -t1 -c"$connections" -d"${seconds}s" --timeout 30s --latency \
  -s "$root/bench/wrk/anonymous-flood.lua" "$url" -- "$user_id" "$tokens" "$marker" >"$output" &
wrk_pid=$!
# wrk runs out its duration after the script's thread stops; SIGINT ends it with its summary.
while kill -0 "$wrk_pid" 2>/dev/null; do
  [[ -e "$marker" ]] && kill -INT "$wrk_pid" 2>/dev/null
  sleep 0.2
done
wait "$wrk_pid"
json=$(tail -n 1 "$output")
rm -f "$marker" "$output"
sleep 1
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
peak=$(awk '$2 > peak { peak = $2 } END { print peak + 0 }' "$samples")
python3 -c 'import json, sys
r = json.loads(sys.argv[1])
r.update(tokens=r["requests"] // 2, rss_start_mb=int(sys.argv[2]), rss_peak_mb=int(sys.argv[3]), rss_end_mb=int(sys.argv[4]))
print(json.dumps(r))' "$json" "$start" "$peak" "$(rss_mb)"
