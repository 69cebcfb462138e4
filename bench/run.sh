#!/usr/bin/env bash
# Reproduces every figure of bench/RESULTS.md.
#
#   bench/run.sh            the full run (about 55 minutes on 2 cores), GET /user/info and refresh also in ES256 mode
#   bench/run.sh --smoke    every scenario once for 2 s, embedded mode only: proves the harness works (CI)
#   bench/run.sh --embedded the full method for the floors only: embedded GET /user/info and refresh against
#                           /hello, in HS256 and ES256 mode (about 9 minutes); prints the report, leaves
#                           bench/results and RESULTS.md alone
#
# Builds Release, then for each server: pins it to core 0 (taskset), warms it up, and drives it with
# wrk pinned to core 1: a warm-up run, then RUNS measured runs of DURATION seconds per scenario. The
# scenario's warm-up is long enough for the tiered JIT to finish with that scenario's code: the server's
# warm-up runs GET /user/info only, and refresh, measured after it with a 5 s warm-up, still rose from run
# to run (36, 38, 40 % of /hello); in 5 s slices it settles 10-15 s into its load. The
# baseline (bench/Baseline, a minimal Kestrel GET /hello) and the peer (ASP.NET Core Identity's
# MapIdentityApi, bench/Peers/IdentityApi) are measured in the same run with the same wrk settings.
# MariaDB and Redis are started on loopback as scripts/test.sh starts them. Everything started is
# stopped at the end. Raw results: bench/results/raw.jsonl; tables: bench/results/report.md, also
# written into bench/RESULTS.md between its markers.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
smoke=false embedded_only=false
[[ "${1:-}" == "--smoke" ]] && smoke=true
[[ "${1:-}" == "--embedded" ]] && embedded_only=true

if $smoke; then
  duration=2 runs=1 warm_server=0 warm_scenario=0 connections=8
else
  duration=${BENCH_DURATION:-10} runs=${BENCH_RUNS:-3} warm_server=${BENCH_WARM_SERVER:-45} warm_scenario=${BENCH_WARM_SCENARIO:-20}
  connections=${BENCH_CONNECTIONS:-64}
fi
# One session per connection for each refresh run (warm-up included): a refresh token is spent once used.
users=$((connections * (runs + 1)))
server_core=0 client_core=1
[[ $(nproc) -lt 2 ]] && client_core=0

work=$(mktemp -d "${TMPDIR:-/tmp}/user-api-bench.XXXXXX")
mysql_port=${BENCH_MYSQL_PORT:-13316}
redis_port=${BENCH_REDIS_PORT:-16389}
cluster_ports=()
pids=()
# shellcheck source=../scripts/lib/servers.sh
source "$root/scripts/lib/servers.sh"
# shellcheck source=lib/servers.sh
source "$root/bench/lib/servers.sh"

out="$root/bench/results"
($smoke || $embedded_only) && out="$work/results"
mkdir -p "$out"
raw="$out/raw.jsonl"
: >"$raw"

side_pids=() # servers kept running, idle, beside the one measured: the baseline, the scale pair
cleanup() {
  local status=$?
  stop_server
  for pid in "${side_pids[@]}"; do { kill "$pid" && wait "$pid"; } 2>/dev/null || true; done
  stop_servers
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

record() { echo "$1" >>"$raw"; }

# paired BASELINE: the baseline measured right now. Each measured run is bracketed by two of these, one
# just before and one just after it, and compared with their mean: this VM's speed drifts by 20 % within
# minutes, and against the run before only, drift within the 20 s of a pair still moved ratios by +-8 %.
# "baseline:hello" drives the baseline server (kept running, idle otherwise, on the server core) and prints
# wrk's JSON, "argon2" times raw Argon2id verifies on the server core and prints the tool's JSON. Prints
# nothing for other baselines.
paired() {
  case $1 in
    baseline:hello) wrk_run "$duration" "$baseline_url" get.lua - /hello ;;
    argon2) pinned_tools argon2 "$duration" ;;
  esac
}

# record_run SECTION SERVER SCENARIO BASELINE RUN BEFORE_JSON AFTER_JSON WRK_JSON: BEFORE and AFTER are the
# baseline runs that bracket the run (empty without a baseline).
record_run() {
  local pair=""
  [[ -n "$6" ]] && pair="\"paired\":$6,\"paired_after\":$7,"
  record "{\"kind\":\"wrk\",\"section\":\"$1\",\"server\":\"$2\",\"scenario\":\"$3\",\"baseline\":\"$4\",\"run\":$5,$pair${8:1}"
  log "$2 $3 run $5: $8 (baseline before: ${6:-none}, after: ${7:-none})"
}

# rss_at_rest: the server's RSS once the requests still queued when wrk stopped have been served (a login
# in flight holds Argon2id's 19 MiB).
rss_at_rest() {
  sleep 2
  rss_mb
}

# bracketed SECTION SERVER SCENARIO BASELINE COMMAND...: the measured runs, each made by COMMAND (which
# prints wrk's JSON; run in this shell, so that it can keep state) between two baseline runs.
bracketed() {
  local section=$1 server=$2 scenario=$3 baseline=$4 before after run; shift 4
  before=$(paired "$baseline")
  for ((run = 1; run <= runs; run++)); do
    "$@" >"$work/run.json"
    after=$(paired "$baseline")
    record_run "$section" "$server" "$scenario" "$baseline" "$run" "$before" "$after" "$(<"$work/run.json")"
    before=$after
  done
}

# measure SECTION SERVER SCENARIO BASELINE URL SCRIPT ARGS...: warm-up, then the measured runs.
measure() {
  local section=$1 server=$2 scenario=$3 baseline=$4 url=$5 script=$6; shift 6
  ((warm_scenario > 0)) && wrk_run "$warm_scenario" "$url" "$script" "$@" >/dev/null
  bracketed "$section" "$server" "$scenario" "$baseline" wrk_run "$duration" "$url" "$script" "$@"
}

# measure_refresh SECTION SERVER SCENARIO BASELINE URL PATH TOKENS: like measure, but each wrk run gets
# sessions of its own, since the previous run spent the refresh tokens it started with.
measure_refresh() {
  local section=$1 server=$2 scenario=$3 baseline=$4 url=$5 path=$6 tokens=$7
  rm -f "$work"/chain-*
  split -l "$connections" -d -a 2 "$tokens" "$work/chain-"
  chains=("$work"/chain-*) next_chain=0
  ((warm_scenario > 0)) && refresh_run "$warm_scenario" "$url" "$path" >/dev/null
  bracketed "$section" "$server" "$scenario" "$baseline" refresh_run "$duration" "$url" "$path"
}
refresh_run() { # SECONDS URL PATH: one wrk run spending the next chain of sessions
  local chain=${chains[next_chain % ${#chains[@]}]}
  next_chain=$((next_chain + 1))
  wrk_run "$1" "$2" refresh.lua "$chain" "$3" 1
}

warm() { # URL SCRIPT ARGS...: the long warm-up a server needs before tier-1 JIT settles
  ((warm_server > 0)) && wrk_run "$warm_server" "$@" >/dev/null
  return 0
}

ensure_servers_installed wrk curl
log "building Release"
dotnet publish "$root/src/UserApi/UserApi.csproj" -c Release -o "$work/user-api" >/dev/null
dotnet publish "$root/bench/Baseline/Baseline.csproj" -c Release -o "$work/baseline" >/dev/null
dotnet publish "$root/bench/Tools/Tools.csproj" -c Release -o "$work/tools" >/dev/null
$smoke || $embedded_only || dotnet publish "$root/bench/Peers/IdentityApi/IdentityApi.csproj" -c Release -o "$work/identity" >/dev/null
tools() { dotnet "$work/tools/bench-tools.dll" "$@"; }
pinned_tools() { settle; taskset -c "$server_core" dotnet "$work/tools/bench-tools.dll" "$@"; } # on the server core, once idle

export ASPNETCORE_ENVIRONMENT=Production

# 1. Baseline
port=18080
start_server baseline $port /hello dotnet "$work/baseline/baseline.dll" --urls "http://127.0.0.1:$port"
warm "http://127.0.0.1:$port" get.lua - /hello
measure "Throughput" baseline hello "" "http://127.0.0.1:$port" get.lua - /hello
baseline_url="http://127.0.0.1:$port" side_pids+=("$server_pid") server_pid=""

# 2. UserApi, each mode
userapi_scenarios() { # MODE PORT [tokens-only]: tokens-only stops after the two scenarios the floors are set on
  local mode=$1 port=$2 url="http://127.0.0.1:$2"
  tools tokens "$url" "$users" "$work/tokens-$mode.txt"
  warm "$url" get.lua "$work/tokens-$mode.txt" /user/info
  local before; before=$(rss_mb)
  measure "Throughput" "user-api ($mode)" "GET /user/info" "baseline:hello" "$url" get.lua "$work/tokens-$mode.txt" /user/info
  measure_refresh "Throughput" "user-api ($mode)" "POST /user/refresh" "baseline:hello" "$url" /user/refresh "$work/tokens-$mode.txt"
  if $embedded_only || [[ ${3:-} == tokens-only ]]; then return 0; fi
  measure "Throughput" "user-api ($mode)" "POST /user/token" "baseline:hello" "$url" post.lua /user/token
  measure "Password hashing" "user-api ($mode)" "POST /user/login" "argon2" "$url" login.lua "$work/tokens-$mode.txt" /user/login username
  measure "Password hashing" "user-api ($mode)" "POST /user/register" "argon2" "$url" register.lua
  local saved=$connections; connections=1
  measure "Password hashing" "user-api ($mode)" "POST /user/login, 1 connection" "argon2" "$url" login.lua "$work/tokens-$mode.txt" /user/login username
  connections=$saved
  record "{\"kind\":\"rss-$mode\",\"value\":{\"after_warmup_mb\":$before,\"after_run_mb\":$(rss_at_rest)}}"
}

port=18888
start_server user-api $port /healthz dotnet "$work/user-api/user-api.dll" "--Port=$port" "--DataSource=sqlite:$work/bench.db" "${userapi_args[@]}"
userapi_scenarios embedded $port
stop_server

# 2a. ES256 access tokens (issue 26), beside HS256: GET /user/info and refresh only. The access-token cache
# verifies a token's ECDSA signature once, so GET /user/info should cost what it costs with HS256; a refresh
# signs a new ES256 token every time (its refresh token stays HS256).
if ! $smoke; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/es256.pem" 2>/dev/null
  start_server user-api-es256 $port /healthz dotnet "$work/user-api/user-api.dll" "--Port=$port" "--DataSource=sqlite:$work/bench-es256.db" "${userapi_args[@]}" \
    --Auth:Algorithm=ES256 --Auth:SigningKeys:0:Kid=bench "--Auth:SigningKeys:0:Path=$work/es256.pem"
  userapi_scenarios embedded-es256 $port tokens-only
  stop_server
fi

# 2b. Abuse (issue 25), each against a fresh embedded server on the server core. The login storm: 512
# connections of correct logins, each sent again as soon as the last is answered (Retry-After ignored), with
# GET /user/info at 8 connections beside them; latencies per status and the server's largest RSS, by the
# storm client (bench/Tools/Storm.cs) on the client core.
if ! $embedded_only; then
  storm_seconds=30
  $smoke && storm_seconds=3
  start_server user-api-storm $port /healthz dotnet "$work/user-api/user-api.dll" "--Port=$port" "--DataSource=sqlite:$work/storm.db" "${userapi_args[@]}" \
    --Security:MaxHashWait=2
  tools tokens "http://127.0.0.1:$port" 64 "$work/tokens-storm.txt"
  warm "http://127.0.0.1:$port" get.lua "$work/tokens-storm.txt" /user/info
  settle
  record "{\"kind\":\"login-storm\",\"value\":$(taskset -c "$client_core" dotnet "$work/tools/bench-tools.dll" storm "http://127.0.0.1:$port" "$work/tokens-storm.txt" 512 8 "$storm_seconds" "$server_pid")}"
  stop_server

  # The anonymous-token flood: 1,000,000 tokens each minted and presented once (bench/token-flood.sh, 16
  # connections), the server's RSS sampled throughout; GET /user/info of a real user measured just before
  # and just after it.
  flood_tokens=1000000
  $smoke && flood_tokens=2000
  start_server user-api-flood $port /healthz dotnet "$work/user-api/user-api.dll" "--Port=$port" "--DataSource=sqlite:$work/flood.db" "${userapi_args[@]}"
  tools tokens "http://127.0.0.1:$port" 8 "$work/tokens-flood.txt"
  warm "http://127.0.0.1:$port" get.lua "$work/tokens-flood.txt" /user/info
  info_before=$(wrk_run "$duration" "http://127.0.0.1:$port" get.lua "$work/tokens-flood.txt" /user/info)
  settle
  flood=$(FLOOD_CORE=$client_core "$root/bench/token-flood.sh" "http://127.0.0.1:$port" "$server_pid" 1800 1 "$flood_tokens")
  info_after=$(wrk_run "$duration" "http://127.0.0.1:$port" get.lua "$work/tokens-flood.txt" /user/info)
  record "{\"kind\":\"token-flood\",\"value\":{\"flood\":$flood,\"info_before\":$info_before,\"info_after\":$info_after}}"
  stop_server
fi

# The floor under GET /user/info: the baseline's GET behind ASP.NET Core's authentication and
# authorization middleware, with a scheme that checks nothing (bench/Baseline).
warm "$baseline_url" get.lua "$work/tokens-embedded.txt" /authenticated/hello
measure "Throughput" baseline "GET /authenticated/hello" "baseline:hello" "$baseline_url" get.lua "$work/tokens-embedded.txt" /authenticated/hello
# What the request's own bytes cost: the baseline's GET /hello carrying the same Authorization header as
# GET /user/info (a 329-character access token), which it never reads; Kestrel still receives and parses it.
measure "Throughput" baseline "GET /hello with the token's header" "baseline:hello" "$baseline_url" get.lua "$work/tokens-embedded.txt" /hello

if ! $smoke && ! $embedded_only; then
  start_mariadb
  start_redis
  # The stores share the client core with wrk: the server core is the service's alone, as on a deployment
  # where MySQL and Redis run on machines of their own.
  for pid in "${pids[@]}"; do taskset -a -p -c "$client_core" "$pid" >/dev/null; done
  mysql="Server=127.0.0.1;Port=$mysql_port;User ID=userapi;Password=userapi"
  redis_args=("--CacheRedis:0:Host=127.0.0.1:$redis_port" --CacheRedis:0:Type=node)
  start_server user-api $port /readyz dotnet "$work/user-api/user-api.dll" "--Port=$port" "--DataSource=$mysql;Database=bench" "${redis_args[@]}" "${userapi_args[@]}"
  userapi_scenarios mysql-redis $port
  stop_server

  # 3. The peer
  port=18090
  start_server identity $port /healthz dotnet "$work/identity/identity-api.dll" --urls "http://127.0.0.1:$port" --Database "$work/identity.db"
  tools identity-tokens "http://127.0.0.1:$port" "$connections" "$work/tokens-identity.txt"
  warm "http://127.0.0.1:$port" get.lua "$work/tokens-identity.txt" /manage/info
  measure "Throughput" "Identity MapIdentityApi" "GET /manage/info" "baseline:hello" "http://127.0.0.1:$port" get.lua "$work/tokens-identity.txt" /manage/info
  measure_refresh "Throughput" "Identity MapIdentityApi" "POST /refresh" "baseline:hello" "http://127.0.0.1:$port" /refresh "$work/tokens-identity.txt"
  measure "Password hashing" "Identity MapIdentityApi" "POST /login" "argon2" "http://127.0.0.1:$port" login.lua "$work/tokens-identity.txt" /login email
  stop_server

  # 4. Raw Argon2id verify rate on one core, the login baseline
  for ((run = 1; run <= runs; run++)); do
    record "$(pinned_tools argon2 "$duration" | sed 's/^{/{"kind":"argon2",/')"
  done

  # 5. Scale: 1,000 and 1,000,000 users in MySQL, each in a database and with a Redis of its own. The two
  # servers run side by side on the server core (the one not measured idles) and their runs alternate, so
  # that each run with 1,000,000 users is bracketed by two runs with 1,000, as runs are by baselines.
  hash=$(tools hash Bench-password-1)
  sizes=(1000 1000000) scale_urls=() scale_pids=()
  for i in 0 1; do
    size=${sizes[i]} db="scale_${sizes[i]}"
    dotnet "$work/user-api/user-api.dll" migrate "--DataSource=$mysql;Database=$db" "${userapi_args[@]}" >/dev/null
    log "seeding $size users"
    mariadb --no-defaults --socket="$work/mariadb.sock" -uroot "$db" -e \
      "INSERT INTO users (username, username_normalized, password_hash, role, disabled, created_at, updated_at, password_changed_at)
       SELECT CONCAT('scale-', seq), CONCAT('scale-', seq), '$hash', 'user', 0, NOW(6), NOW(6), NOW(6) FROM seq_1_to_$size;"
    start_redis $((redis_port + 1 + i))
    taskset -a -p -c "$client_core" "${pids[-1]}" >/dev/null
    scale_redis=("--CacheRedis:0:Host=127.0.0.1:$((redis_port + 1 + i))" --CacheRedis:0:Type=node)
    scale_port=$((18891 + i))
    start_server "user-api-$size" $scale_port /readyz dotnet "$work/user-api/user-api.dll" "--Port=$scale_port" "--DataSource=$mysql;Database=$db" "${scale_redis[@]}" "${userapi_args[@]}"
    side_pids+=("$server_pid") scale_pids+=("$server_pid") server_pid="" scale_urls+=("http://127.0.0.1:$scale_port")
    tools login-tokens "${scale_urls[i]}" scale- 200 $((size / 200)) "$work/tokens-scale-$size.txt"
  done
  for i in 0 1; do warm "${scale_urls[i]}" get.lua "$work/tokens-scale-${sizes[i]}.txt" /user/info; done

  # measure_scale SCENARIO SCRIPT PATH [ARGS...]: warm-up both, then the two servers' runs alternate,
  # the 1,000-user server's first and last (recorded as its runs, and as the other's brackets).
  measure_scale() {
    local scenario=$1 script=$2 path=$3 i run; shift 3
    local servers=("user-api, ${sizes[0]} users" "user-api, ${sizes[1]} users")
    scale_run() { local seconds=$1 i=$2; shift 2; wrk_run "$seconds" "${scale_urls[i]}" "$script" "$work/tokens-scale-${sizes[i]}.txt" "$path" "$@"; }
    if ((warm_scenario > 0)); then
      for i in 0 1; do scale_run "$warm_scenario" "$i" "$@" >/dev/null; done
    fi
    local before after result
    before=$(scale_run "$duration" 0 "$@")
    record_run "Scale (MySQL + Redis)" "${servers[0]}" "$scenario" "" 1 "" "" "$before"
    for ((run = 1; run <= runs; run++)); do
      result=$(scale_run "$duration" 1 "$@")
      after=$(scale_run "$duration" 0 "$@")
      record_run "Scale (MySQL + Redis)" "${servers[0]}" "$scenario" "" $((run + 1)) "" "" "$after"
      record_run "Scale (MySQL + Redis)" "${servers[1]}" "$scenario" "${servers[0]}" "$run" "$before" "$after" "$result"
      before=$after
    done
  }
  measure_scale "GET /user/info" get.lua /user/info
  measure_scale "POST /user/login" login.lua /user/login username
  for pid in "${scale_pids[@]}"; do { kill "$pid" && wait "$pid"; } 2>/dev/null || true; done

  # 6. Redis memory per session, and what the Redis client costs the server core per rotation
  record "{\"kind\":\"redis-memory\",\"value\":$(tools redis-memory "127.0.0.1:$redis_port" 100000)}"
  record "{\"kind\":\"redis-client\",\"value\":$(pinned_tools redis-client "127.0.0.1:$redis_port" "$duration")}"
  stop_servers

  # 7. Start-up to the first 200 in embedded mode
  median=$("$root/bench/startup.sh" 5 | sed -n 's/^median start-up to first 200: \([0-9]*\) ms.*/\1/p')
  record "{\"kind\":\"startup\",\"value\":{\"median_ms_to_first_200\":$median,\"runs\":5,\"command\":\"bench/startup.sh 5\"}}"

  # 8. Micro-benchmarks (BenchmarkDotNet's short job), on the server core
  log "micro-benchmarks"
  (cd "$root/bench/Micro" && taskset -c "$server_core" dotnet run -c Release --project "$root/bench/Micro/Micro.csproj" -- \
    --filter '*' --job short --exporters github --artifacts "$work/micro" >"$work/micro.log" 2>&1) || { tail -40 "$work/micro.log" >&2; exit 1; }
  for report in "$work"/micro/results/*-report-github.md; do
    sed -n '/^|/,$p' "$report"
    echo
  done >"$out/micro.md"
fi

tools report "$raw" "$out/report.md" >/dev/null
if ! $smoke && ! $embedded_only; then
  {
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB;"
    echo "server pinned to core $server_core, wrk pinned to core $client_core (-t1 -c$connections --timeout 30s), $runs × ${duration}s per scenario after a ${warm_scenario}s warm-up, each server warmed ${warm_server}s first."
    echo "Command: \`bench/run.sh\`. Raw data: \`bench/results/raw.jsonl\`."
    echo
    cat "$out/report.md"
    echo "### Micro-benchmarks (BenchmarkDotNet, \`--job short\`, pinned to one core)"
    echo
    cat "$out/micro.md"
  } >"$work/section.md"
  awk -v section="$work/section.md" '
    /<!-- results:start -->/ { print; while ((getline line < section) > 0) print line; skip = 1; next }
    /<!-- results:end -->/ { skip = 0 }
    !skip { print }' "$root/bench/RESULTS.md" >"$work/RESULTS.md"
  cp "$work/RESULTS.md" "$root/bench/RESULTS.md"
fi
cat "$out/report.md"
log "done"
