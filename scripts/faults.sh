#!/usr/bin/env bash
# The fault suite of issue 24: two UserApi instances (A and B, MySQL + Redis mode) over one MariaDB and
# one Redis on loopback, under a steady load on both (bench-tools load: GET /user/info every 50 ms, a login
# of a cached user and a registration every 500 ms, each answer recorded), and six faults. Each scenario
# prints one line, PASS or FAIL with the figures it saw; the script exits 1 if any failed.
#
#   scripts/faults.sh                  every scenario; Redis and MariaDB down 10 s, 10 s of load after each fault
#   scripts/faults.sh --quick          every scenario; down 2 s, 6 s of load after (CI)
#   scripts/faults.sh [--quick] 2 5    the scenarios named only
#
# Ports, below the ephemeral range and apart from scripts/test.sh's and bench/run.sh's: MariaDB 23406,
# Redis 26479, instances A, B and C 23481-23483 (FAULTS_MYSQL_PORT, FAULTS_REDIS_PORT, FAULTS_PORT move
# them). Everything started is stopped by its pid on exit, also on failure; every wait is bounded. The
# servers are installed with apt-get when missing (faketime too, for scenario 5); one that cannot be
# installed or started is an error (exit 1), with or without CI=true: no scenario is skipped. Logs stay in
# the work directory (printed) when a scenario fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=false
selected=()
for arg in "$@"; do
  case $arg in
    --quick) quick=true ;;
    [1-6]) selected+=("$arg") ;; # a scenario named again runs again
    *) echo "usage: scripts/faults.sh [--quick] [SCENARIO...]  (scenarios 1-6)" >&2; exit 2 ;;
  esac
done
[[ ${#selected[@]} -eq 0 ]] && selected=(1 2 3 4 5 6)
if $quick; then
  outage=2 after=6 acl_window=3
else
  outage=10 after=10 acl_window=8
fi
freeze=5          # scenario 2: Redis stopped (SIGSTOP) this long, as the issue has it
recovery_limit=5000 # ms from a store's return to the run of successes each route of the load ends with

work=$(mktemp -d "${TMPDIR:-/tmp}/user-api-faults.XXXXXX")
mysql_port=${FAULTS_MYSQL_PORT:-23406}
redis_port=${FAULTS_REDIS_PORT:-26479}
first_port=${FAULTS_PORT:-23481}
declare -A ports=([a]=$first_port [b]=$((first_port + 1)) [c]=$((first_port + 2)))
declare -A instance_pid=()
pids=()
# shellcheck source=scripts/lib/servers.sh
source "$root/scripts/lib/servers.sh"
# shellcheck source=bench/lib/servers.sh
source "$root/bench/lib/servers.sh"

mysql="Server=127.0.0.1;Port=$mysql_port;User ID=userapi;Password=userapi;Database=faults"
# bench's arguments (secrets, rate limits out of reach), the failed-login lock too: scenario 6 sends the old
# password after the change from one address, and the load logs the same users in all along.
service_args=("--DataSource=$mysql" "--CacheRedis:0:Host=127.0.0.1:$redis_port" --CacheRedis:0:Type=node
  "${userapi_args[@]}" --Security:MaxFailedLoginsPerAccount=1000000)
export ASPNETCORE_ENVIRONMENT=Production

load_pid="" load_out="" redis_pid="" mariadb_pid="" redis_stopped=false
failed=()
cleanup() {
  local status=$?
  [[ -n "$load_pid" ]] && { kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; }
  for name in "${!instance_pid[@]}"; do stop_instance "$name"; done
  $redis_stopped && kill -CONT "$redis_pid" 2>/dev/null
  stop_servers
  if [[ $status -eq 0 ]]; then rm -rf "$work"; else log "logs kept in $work"; fi
  exit "$status"
}
trap cleanup EXIT INT TERM

now_ms() { date +%s%3N; }
seconds_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

# kill_server PID: SIGKILL to a server; it leaves the list of those to stop (its pid may be reused).
kill_server() {
  kill -9 "$1"
  wait "$1" 2>/dev/null || true
  local kept=() pid
  for pid in "${pids[@]}"; do [[ "$pid" != "$1" ]] && kept+=("$pid"); done
  pids=("${kept[@]}")
}

# start_instance NAME [WRAPPER...]: instance NAME on its port (run through WRAPPER, e.g. faketime), up when
# /healthz answers (within 60 s); /readyz is the scenario's business.
start_instance() {
  local name=$1 port=${ports[$1]} i; shift
  (cd "$work" && exec "$@" dotnet "$work/user-api/user-api.dll" "--Port=$port" "${service_args[@]}" >>"$work/$name.log" 2>&1) &
  instance_pid[$name]=$!
  for ((i = 0; i < 600; i++)); do
    curl -sf -o /dev/null -m 1 "http://127.0.0.1:$port/healthz" && return 0
    kill -0 "${instance_pid[$name]}" 2>/dev/null || { tail -20 "$work/$name.log" >&2; unset "instance_pid[$name]"; return 1; }
    sleep 0.1
  done
  log "instance $name: no /healthz within 60 s"
  tail -20 "$work/$name.log" >&2
  return 1
}

# stop_instance NAME: SIGTERM to the instance (and to the process a wrapper started), SIGKILL after 20 s.
stop_instance() {
  local pid=${instance_pid[$1]:-} i
  [[ -z "$pid" ]] && return 0
  local children; children=$(pgrep -P "$pid" || true)
  for p in $children $pid; do kill "$p" 2>/dev/null || true; done
  for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  for p in $children $pid; do kill -9 "$p" 2>/dev/null || true; done
  wait "$pid" 2>/dev/null || true
  unset "instance_pid[$1]"
}

# wait_ready NAME SECONDS: prints how long /readyz took to answer 200 (ms); fails after SECONDS.
wait_ready() {
  local start; start=$(now_ms)
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' -m 1 "http://127.0.0.1:${ports[$1]}/readyz") == 200 ]]; then
      echo $(($(now_ms) - start))
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# call METHOD INSTANCE PATH [TOKEN] [JSON]: sets status (000: no answer), body and code (the problem's).
call() {
  local method=$1 port=${ports[$2]} path=$3 token=${4:-} json=${5:-}
  local args=(-s -o "$work/body" -w '%{http_code}' -m 15 -X "$method")
  [[ -n "$token" ]] && args+=(-H "Authorization: Bearer $token")
  [[ -n "$json" ]] && args+=(-H 'Content-Type: application/json' --data "$json")
  : >"$work/body"
  status=$(curl "${args[@]}" "http://127.0.0.1:$port$path") || true
  body=$(<"$work/body")
  code=$(jq -r '.code // empty' <<<"$body" 2>/dev/null || true)
}
credentials() { printf '{"username":"%s","password":"%s"}' "$1" "$2"; }
register() { call POST "$1" /user/register "" "$(credentials "$2" "$3")"; [[ $status == 200 ]]; }
# login INSTANCE NAME PASSWORD: sets access and refresh (empty unless 200).
login() {
  call POST "$1" /user/login "" "$(credentials "$2" "$3")"
  access="" refresh=""
  [[ $status == 200 ]] || return 1
  access=$(jq -r .accessToken <<<"$body") refresh=$(jq -r .refreshToken <<<"$body")
}
refresh_with() { call POST "$1" /user/refresh "" "{\"refreshToken\":\"$2\"}"; }
info_with() { call GET "$1" /user/info "$2"; }
answer() { echo "$status${code:+ $code}"; }
joined() { local text; text=$(printf '%s, ' "$@"); echo "${text%, }"; }

# load_start NAME INSTANCE...: the steady load on those instances, its answers in load_out.
load_start() {
  local name=$1 i urls=(); shift
  for i in "$@"; do urls+=("http://127.0.0.1:${ports[$i]}"); done
  load_out="$work/load-$name.txt"
  rm -f "$work/load.stop"
  dotnet "$work/tools/bench-tools.dll" load "$load_out" "$work/load.stop" "$name" "${urls[@]}" >"$work/load-$name.log" 2>&1 &
  load_pid=$!
  for ((i = 0; i < 600; i++)); do
    grep -qs "load running" "$work/load-$name.log" && return 0
    kill -0 "$load_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/load-$name.log" >&2
  log "the load did not start"
  return 1
}
load_stop() {
  local i
  touch "$work/load.stop"
  for ((i = 0; i < 150; i++)); do kill -0 "$load_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$load_pid" 2>/dev/null || true
  wait "$load_pid" 2>/dev/null || true
  load_pid=""
}

# tally ROUTE FROM TO: the load's answers on ROUTE for requests started in [FROM, TO), as "200:12 503:4".
tally() {
  awk -v r="$1" -v f="$2" -v t="$3" '$4 == r && $1 >= f && $1 < t { n[$5 ($7 == "-" ? "" : "/" $7)]++ }
    END { for (s in n) out = out (out == "" ? "" : " ") s ":" n[s]; print (out == "" ? "none" : out) }' "$load_out"
}
# bad_answers FROM TO: the load's answers in [FROM, TO) that are neither below 500 nor a 503 problem+json
# (no answer at all counts too), as "500:1 0/timeout:2", or "none".
bad_answers() {
  awk -v f="$1" -v t="$2" '$1 >= f && $1 < t && ($5 == 0 || ($5 >= 500 && !($5 == 503 && $6 == "application/problem+json"))) { n[$4 " " $5 ($7 == "-" ? "" : "/" $7)]++ }
    END { for (s in n) out = out (out == "" ? "" : ", ") s ":" n[s]; print (out == "" ? "none" : out) }' "$load_out"
}
# recovery ROUTE SINCE: ms from SINCE to the start of the run of successes (2xx; 409 for a registration
# sent again) that the load ended with on ROUTE; -1 if it ended on a failure.
recovery() {
  sort -n -k1,1 "$load_out" | awk -v r="$1" -v since="$2" '$4 == r && $1 >= since {
      if (($5 >= 200 && $5 < 300) || (r == "register" && $5 == 409)) { if (!ok) { ok = 1; first = $1 } } else ok = 0 }
    END { print (ok ? (first > since ? first - since : 0) : -1) }'
}
recoveries() { # SINCE: "info 0 ms, login 812 ms, register 1203 ms"; fails if one is over the limit
  local route ms out="" bad=0
  for route in info login register; do
    ms=$(recovery "$route" "$1")
    out+="${out:+, }$route ${ms/-1/never} ms"
    ((ms < 0 || ms > recovery_limit)) && bad=1
  done
  echo "$out"
  return "$bad"
}

# store_outage PID RESTART...: with the load running, SIGKILLs the store PID, runs RESTART after the outage
# and lets the load run on, then stops it. Sets the caller's down and back (when the store went and answered
# again, ms), bad (bad_answers since down) and recovered (recoveries since back), and ok=false if either fails.
store_outage() {
  local pid=$1; shift
  kill_server "$pid"
  down=$(now_ms)
  sleep "$outage"
  "$@" || return 1
  back=$(now_ms)
  sleep "$after"
  load_stop
  bad=$(bad_answers "$down" "$(now_ms)")
  [[ $bad == none ]] || ok=false
  recovered=$(recoveries "$back") || ok=false
}

# result N PASS|FAIL TEXT: the scenario's line.
result() {
  printf 'scenario %s %s (%s s): %s\n' "$1" "$2" "$(seconds_since "$scenario_start")" "$3"
  [[ $2 == PASS ]]
}

password=Fault-password-1

# 1. Redis refuses the resync (an ACL on the default user, which the service connects as) while B starts.
scenario_1() {
  local user=s1-user-$tag ok=true
  register a $user $password || { result 1 FAIL "registration on A: $(answer)"; return 1; }
  login a $user $password; local ended=$access
  login a $user $password; local live=$access
  call POST a /user/logout "$ended"
  [[ $status == 204 ]] || { result 1 FAIL "logout on A: $(answer)"; return 1; }
  stop_instance b
  load_start "s1-$tag" a
  redis-cli -p "$redis_port" ACL SETUSER default -zrangebyscore >/dev/null
  local refused_at; refused_at=$(now_ms)
  start_instance b || { redis-cli -p "$redis_port" ACL SETUSER default +@all >/dev/null; result 1 FAIL "B did not start"; return 1; }
  local -A seen=()
  local deadline=$(($(now_ms) + acl_window * 1000))
  while (($(now_ms) < deadline)); do
    info_with b "$ended"; seen[ended $status]=$((${seen[ended $status]:-0} + 1))
    info_with b "$live"; seen[live $status]=$((${seen[live $status]:-0} + 1))
    call GET b /readyz; seen[readyz $status]=$((${seen[readyz $status]:-0} + 1))
    sleep 0.1
  done
  redis-cli -p "$redis_port" ACL SETUSER default +@all >/dev/null
  local lifted; lifted=$(now_ms)
  local ready_ms; ready_ms=$(wait_ready b 30) || ready_ms=never
  info_with b "$ended"; local ended_after; ended_after=$(answer)
  info_with b "$live"; local live_after; live_after=$(answer)
  sleep 2
  load_stop
  local during="" key
  for key in "${!seen[@]}"; do during+="${during:+, }${key/ /:}x${seen[$key]}"; done
  local bad; bad=$(bad_answers "$refused_at" "$(now_ms)")
  [[ -z "${seen[ended 200]:-}" && -z "${seen[readyz 200]:-}" ]] || ok=false
  [[ $ready_ms != never && $ended_after == "401 session_revoked" && $live_after == 200* && $bad == none ]] || ok=false
  result 1 "$($ok && echo PASS || echo FAIL)" "in its first ${acl_window} s with the ACL refusing ZRANGEBYSCORE, B answered (logged-out token, live token, /readyz) $during; ready ${ready_ms} ms after the ACL was lifted, then the logged-out token $ended_after, the live one ${live_after%% *}; load on A during it: info $(tally info "$refused_at" "$lifted"), login $(tally login "$refused_at" "$lifted"); bad 5xx: $bad"
}

# 2. Redis frozen (SIGSTOP) while a logout on A is in flight, resumed 5 s later.
scenario_2() {
  local user=s2-user-$tag ok=true
  register a $user $password || { result 2 FAIL "registration on A: $(answer)"; return 1; }
  login a $user $password
  local token=$access refresh_token=$refresh
  info_with b "$token"
  [[ $status == 200 ]] || { result 2 FAIL "the new session's token on B before the fault: $(answer)"; return 1; }
  load_start "s2-$tag" a b
  sleep 1
  kill -STOP "$redis_pid"; redis_stopped=true
  local stopped; stopped=$(now_ms)
  curl -s -o "$work/logout.body" -w '%{http_code}' -m 30 -X POST -H "Authorization: Bearer $token" \
    "http://127.0.0.1:${ports[a]}/user/logout" >"$work/logout.status" &
  local logout=$!
  sleep "$freeze"
  kill -CONT "$redis_pid"; redis_stopped=false
  local resumed; resumed=$(now_ms)
  wait "$logout" || true
  local logout_answer; logout_answer="$(<"$work/logout.status") $(jq -r '.code // empty' "$work/logout.body" 2>/dev/null || true)"
  local -A seen=()
  local deadline=$((resumed + (after + 5) * 1000)) refused_ms="" first_look=$(($(now_ms) - resumed))
  while (($(now_ms) < deadline)); do
    local look=$(($(now_ms) - resumed))
    info_with a "$token"; local on_a=$status
    seen[a $status]=$((${seen[a $status]:-0} + 1))
    info_with b "$token"; local on_b=$status
    seen[b $status]=$((${seen[b $status]:-0} + 1))
    [[ -z "$refused_ms" && $on_a == 401 && $on_b == 401 ]] && refused_ms=$look
    [[ -n "$refused_ms" ]] && (($(now_ms) > resumed + after * 1000)) && break
    sleep 0.1
  done
  local final=() instance
  for instance in a b; do
    info_with $instance "$token"; final+=("access on ${instance^^} $(answer)")
    [[ $status == 401 ]] || ok=false
  done
  for instance in a b; do
    refresh_with $instance "$refresh_token"; final+=("refresh on ${instance^^} $(answer)")
    [[ $status == 401 ]] || ok=false
  done
  load_stop
  local after_cont key
  after_cont=$(for key in "${!seen[@]}"; do echo "${key%% *}:${key#* }x${seen[$key]}"; done | sort | paste -sd' ')
  [[ -z "${seen[a 200]:-}" && -z "${seen[b 200]:-}" ]] || ok=false
  local bad; bad=$(bad_answers "$stopped" "$(now_ms)")
  [[ $bad == none ]] || ok=false
  local recovered; recovered=$(recoveries "$resumed") || ok=false
  result 2 "$($ok && echo PASS || echo FAIL)" "logout on A during the freeze answered ${logout_answer% }; after SIGCONT the access token on A and B: $after_cont (first look ${first_look} ms after SIGCONT; both refused from the look at ${refused_ms:-never} ms on); then $(joined "${final[@]}"); load during the freeze: info $(tally info "$stopped" "$resumed"), login $(tally login "$stopped" "$resumed"); recovery after SIGCONT: $recovered; bad 5xx: $bad"
}

# 3. Redis killed (SIGKILL) under load and restarted empty, with sessions ended before it by logout
# everywhere, password change and disable.
scenario_3() {
  local ok=true ended=() ended_refresh=() names="" name
  local all=s3-all-$tag changed=s3-password-$tag disabled=s3-disabled-$tag
  for name in $all $changed $disabled; do
    register a "$name" $password || { result 3 FAIL "registration of $name on A: $(answer)"; return 1; }
  done
  login a $all $password; ended+=("$access") ended_refresh+=("$refresh")
  login a $all $password; ended+=("$access") ended_refresh+=("$refresh")
  call POST a /user/logout/all "$access"; names+="logout everywhere $(answer)"
  login a $changed $password; local changer=$access
  login a $changed $password; ended+=("$access") ended_refresh+=("$refresh")
  call POST a /user/password "$changer" "{\"oldPassword\":\"$password\",\"newPassword\":\"Fault-password-2\"}"; names+=", password change $(answer)"
  login a $disabled $password; ended+=("$access") ended_refresh+=("$refresh")
  if dotnet "$work/user-api/user-api.dll" disable "$disabled" "${service_args[@]}" >"$work/disable.log" 2>&1; then
    names+=", disable ok"
  else
    names+=", disable failed ($(tail -1 "$work/disable.log"))"
  fi
  local before=() i instance
  for i in "${!ended[@]}"; do info_with b "${ended[i]}"; before+=("$status"); done
  load_start "s3-$tag" a b
  sleep 2
  local down back bad recovered
  store_outage "$redis_pid" start_redis "$redis_port" || { result 3 FAIL "Redis did not restart"; return 1; }
  redis_pid=${pids[-1]}
  local -A seen=()
  for instance in a b; do
    for i in "${!ended[@]}"; do
      info_with $instance "${ended[i]}"; seen[access $status]=$((${seen[access $status]:-0} + 1))
      [[ $status == 401 ]] || ok=false
      refresh_with $instance "${ended_refresh[i]}"; seen[refresh $status]=$((${seen[refresh $status]:-0} + 1))
      [[ $status == 401 ]] || ok=false
    done
  done
  local stayed; stayed=$(for key in "${!seen[@]}"; do echo "${key% *} ${key#* }x${seen[$key]}"; done | sort | paste -sd' ')
  # What the loss costs an instance started after it: it has no revoked sessions to load (informative).
  local fresh=()
  if start_instance c && wait_ready c 30 >/dev/null; then
    for i in "${!ended[@]}"; do
      info_with c "${ended[i]}"; fresh+=("$status")
      refresh_with c "${ended_refresh[i]}"; [[ $status == 401 ]] || ok=false
    done
  fi
  stop_instance c
  result 3 "$($ok && echo PASS || echo FAIL)" "ended before ($names): 4 sessions, access tokens on B before the fault ${before[*]}; Redis down ${outage} s: load info $(tally info "$down" "$back"), login $(tally login "$down" "$back"), register $(tally register "$down" "$back"); bad 5xx: $bad; recovery after Redis's return: $recovered; afterwards on A and B: $stayed; on an instance C started after the loss, refresh 401 and access tokens ${fresh[*]:-not seen} (Redis held the only record of their sessions' end; valid to exp, at most AccessExpire)"
}

# 4. MariaDB killed (SIGKILL) under load and restarted.
scenario_4() {
  local ok=true
  load_start "s4-$tag" a b
  sleep 3
  local down back bad recovered
  store_outage "$mariadb_pid" launch_mariadbd || { result 4 FAIL "MariaDB did not restart"; return 1; }
  mariadb_pid=${pids[-1]}
  local logins registrations
  logins=$(tally login "$down" "$back") registrations=$(tally register "$down" "$back")
  [[ $logins =~ ^200:[0-9]+$ ]] || ok=false
  [[ $registrations =~ ^(503/[a-z_]+:[0-9]+ ?)+$ ]] || ok=false
  # Every name the load was told is registered (200, or 409 for a name sent again) must be there once;
  # nothing the load did not send may be.
  awk '$4 == "register" && ($5 == 200 || $5 == 409) { print $8 }' "$load_out" | sort -u >"$work/s4-acknowledged"
  awk '$4 == "register" { print $8 }' "$load_out" | sort -u >"$work/s4-sent"
  mariadb --no-defaults --socket="$work/mariadb.sock" -uroot -N faults \
    -e "SELECT username FROM users WHERE username LIKE 's4-$tag-r%'" | sort >"$work/s4-stored"
  local lost unknown duplicated
  lost=$(comm -23 "$work/s4-acknowledged" <(sort -u "$work/s4-stored") | wc -l)
  unknown=$(comm -13 "$work/s4-sent" <(sort -u "$work/s4-stored") | wc -l)
  duplicated=$(uniq -d "$work/s4-stored" | wc -l)
  ((lost == 0 && unknown == 0 && duplicated == 0)) || ok=false
  local retried; retried=$(awk '$4 == "register" && $5 != 200 && $5 != 409 { n[$8] = 1 } $4 == "register" && $5 == 409 && n[$8] { r++ } END { print r + 0 }' "$load_out")
  result 4 "$($ok && echo PASS || echo FAIL)" "MariaDB down ${outage} s under load: cached users' logins $logins, registrations $registrations, info $(tally info "$down" "$back"); bad 5xx: $bad; recovery after MariaDB answered again: $recovered; users: $(wc -l <"$work/s4-acknowledged") acknowledged, $(wc -l <"$work/s4-stored") stored, $lost lost, $duplicated duplicated, $unknown never acknowledged; $retried sent again after a failure and found taken (409)"
}

# 5. Instance B 20 minutes fast (faketime): a logout on A is still refused by an instance C started after B
# ended sessions and trimmed; a retry of a refresh within the reuse interval, through B, is a retry.
scenario_5() {
  local ok=true user=s5-user-$tag
  stop_instance b
  # The monotonic clock is moved too (harmless: only differences of it are used). With
  # FAKETIME_DONT_FAKE_MONOTONIC=1, faketime 0.9.10's timed waits on the monotonic clock misbehave: 2 of 3
  # starts here stalled long enough for SUBSCRIBE to time out (the instance then exits), the others took
  # 7-13 s instead of 3. Up to 3 attempts, counted.
  local attempts=0
  while ((attempts < 3)); do
    attempts=$((attempts + 1))
    start_instance b faketime -f +20m 2>/dev/null && break
  done
  [[ -n "${instance_pid[b]:-}" ]] || { result 5 FAIL "B did not start under faketime in 3 attempts: $(grep -m1 'did not start' "$work/b.log")"; return 1; }
  wrapped_b=true
  wait_ready b 30 >/dev/null || { result 5 FAIL "B (faketime) not ready"; return 1; }
  local b_date skew
  b_date=$(curl -s -D - -o /dev/null "http://127.0.0.1:${ports[b]}/healthz" | tr -d '\r' | sed -n 's/^[Dd]ate: //p')
  skew=$(($(date -d "$b_date" +%s) - $(date +%s)))
  load_start "s5-$tag" a
  register a "$user" $password || { result 5 FAIL "registration on A: $(answer)"; return 1; }
  login a "$user" $password; local logged_out=$access
  call POST a /user/logout "$logged_out"; local logout; logout=$(answer)
  # B ends sessions of its own (its logins and logouts trim the revoked-sessions set).
  local b_ends=() i
  for i in 1 2 3; do
    login b "$user" $password; b_ends+=("login $(answer)")
    call POST b /user/logout "$access"; b_ends+=("logout $(answer)")
  done
  local c_ready
  if start_instance c && c_ready=$(wait_ready c 30); then
    info_with c "$logged_out"; local on_c; on_c=$(answer)
  else
    local on_c="C not ready" c_ready=never
  fi
  stop_instance c
  [[ $on_c == "401 session_revoked" ]] || ok=false
  # Logged in and refreshed on A; the same refresh token sent again through B within the interval.
  login a "$user" $password
  refresh_with a "$refresh"; local first=$status first_pair=$body
  refresh_with b "$refresh"; local retry; retry=$(answer)
  local same=no
  [[ $status == 200 && $(jq -r .refreshToken <<<"$body") == $(jq -r .refreshToken <<<"$first_pair") ]] && same=yes
  refresh_with a "$(jq -r .refreshToken <<<"$first_pair")"; local alive; alive=$(answer)
  [[ $first == 200 && $same == yes && $alive == 200 ]] || ok=false
  load_stop
  local bad; bad=$(bad_answers "$scenario_start" "$(now_ms)")
  [[ $bad == none ]] || ok=false
  result 5 "$($ok && echo PASS || echo FAIL)" "B's clock ${skew} s ahead (started on attempt $attempts); logout on A $logout; B's own logins and logouts: $(joined "${b_ends[@]}"); C started after (ready in ${c_ready} ms) answered the logged-out token $on_c; refresh on A $first, the same token again through B within the interval: $retry, same pair: $same, the session then refreshes on A: $alive; bad 5xx on A: $bad"
}

# 6. Logins in flight (with the old password) while the password changes: none of their sessions survives.
scenario_6() {
  local ok=true user=s6-user-$tag
  register a $user $password || { result 6 FAIL "registration on A: $(answer)"; return 1; }
  login a $user $password; local changer=$access
  load_start "s6-$tag" a b
  local i instance logins=() change change_sent
  mkdir -p "$work/s6"
  local sent; sent=$(now_ms)
  for i in $(seq 1 16); do
    if ((i == 5)); then
      change_sent=$(now_ms)
      curl -s -o "$work/s6/change.body" -w '%{http_code}' -m 30 -X POST -H "Authorization: Bearer $changer" \
        -H 'Content-Type: application/json' --data "{\"oldPassword\":\"$password\",\"newPassword\":\"Fault-password-2\"}" \
        "http://127.0.0.1:${ports[a]}/user/password" >"$work/s6/change.status" && date +%s%3N >"$work/s6/change.at" &
      change=$!
    fi
    instance=$( ((i % 2)) && echo a || echo b)
    { curl -s -o "$work/s6/$i.body" -w '%{http_code}' -m 30 -H 'Content-Type: application/json' \
        --data "$(credentials $user $password)" "http://127.0.0.1:${ports[$instance]}/user/login" >"$work/s6/$i.status"
      date +%s%3N >"$work/s6/$i.at"; } &
    logins+=($!)
    sleep 0.02
  done
  wait "$change" || true
  for i in "${logins[@]}"; do wait "$i" || true; done
  local changed_at; changed_at=$(<"$work/s6/change.at")
  local -A answers=()
  local later=0 survivors=0 in_flight=0 token
  for i in $(seq 1 16); do
    local got; got=$(<"$work/s6/$i.status")
    answers[$got]=$((${answers[$got]:-0} + 1))
    (($(<"$work/s6/$i.at") > change_sent)) && in_flight=$((in_flight + 1))
    [[ $got == 200 ]] || continue
    (($(<"$work/s6/$i.at") > changed_at)) && later=$((later + 1))
    for instance in a b; do
      info_with $instance "$(jq -r .accessToken "$work/s6/$i.body")"; [[ $status == 200 ]] && survivors=$((survivors + 1))
    done
    token=$(jq -r .refreshToken "$work/s6/$i.body")
    refresh_with "$( ((i % 2)) && echo b || echo a)" "$token"; [[ $status == 200 ]] && survivors=$((survivors + 1))
  done
  load_stop
  local change_status; change_status=$(<"$work/s6/change.status")
  [[ $change_status == 204 && $survivors == 0 ]] || ok=false
  local bad; bad=$(bad_answers "$sent" "$(now_ms)")
  [[ $bad == none ]] || ok=false
  local tallied; tallied=$(for key in "${!answers[@]}"; do echo "$key:${answers[$key]}"; done | sort | paste -sd' ')
  result 6 "$($ok && echo PASS || echo FAIL)" "16 logins with the old password on A and B, 20 ms apart, the change sent on A after the 4th: change $change_status $(($(<"$work/s6/change.at") - sent)) ms after the first login; $in_flight logins still unanswered when the change was sent; logins $tallied ($later of the 200s answered after the change); tokens of those sessions accepted afterwards (access on A and B, refresh): $survivors; bad 5xx: $bad"
}

# restore_instances: A and B running on the true clock and ready again, whatever the scenario left.
wrapped_b=false
restore_instances() {
  local name
  if $wrapped_b; then stop_instance b; wrapped_b=false; fi
  stop_instance c
  for name in a b; do
    [[ -n "${instance_pid[$name]:-}" ]] || start_instance "$name" || start_instance "$name"
    wait_ready "$name" 30 >/dev/null || log "instance $name not ready again within 30 s"
  done
}

scenario_start=0 tag=0
run_scenario() {
  scenario_start=$(now_ms) tag=$((tag + 1))
  if ! "scenario_$1"; then failed+=("$1"); fi
  restore_instances
}

ensure_servers_installed curl jq faketime
log "publishing the service and the load client (Release)"
dotnet publish "$root/src/UserApi/UserApi.csproj" -c Release -o "$work/user-api" >"$work/publish.log" 2>&1 || { tail -20 "$work/publish.log" >&2; exit 1; }
dotnet publish "$root/bench/Tools/Tools.csproj" -c Release -o "$work/tools" >>"$work/publish.log" 2>&1 || { tail -20 "$work/publish.log" >&2; exit 1; }
start_mariadb || { log "error: MariaDB did not start"; exit 1; }
mariadb_pid=${pids[-1]}
start_redis "$redis_port" || { log "error: Redis did not start"; exit 1; }
redis_pid=${pids[-1]}
start_instance a
start_instance b
if ! wait_ready a 30 >/dev/null || ! wait_ready b 30 >/dev/null; then log "A and B not ready within 30 s"; exit 1; fi
log "A on :${ports[a]}, B on :${ports[b]}; scenarios ${selected[*]}"

suite_start=$(now_ms)
for scenario in "${selected[@]}"; do run_scenario "$scenario"; done
log "${#selected[@]} scenarios in $(seconds_since "$suite_start") s, ${#failed[@]} failed${failed[*]:+: ${failed[*]}}"
[[ ${#failed[@]} -eq 0 ]]
