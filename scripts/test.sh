#!/usr/bin/env bash
# Runs every test of UserApi.
#
# Starts throwaway servers on loopback, on non-default ports, with data directories under one temporary
# directory: MariaDB, a single Redis, and a 3-master Redis Cluster. Installs mariadb-server and
# redis-server with apt-get when they are missing and this runs as root. Exports their addresses to the
# tests (USERAPI_TEST_*), runs `dotnet test`, prints the plain total, and stops what it started, also
# when the tests fail. With CI=true a missing server is an error, never a reason to skip.
# The ports (and the cluster bus ports, +10000) lie below Linux's ephemeral range (32768+), so an
# outgoing connection can never be holding one of them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/user-api-test.XXXXXX")
mysql_port=${USERAPI_TEST_MYSQL_PORT:-13306}
redis_port=${USERAPI_TEST_REDIS_PORT:-16379}
cluster_ports=(${USERAPI_TEST_CLUSTER_PORTS:-17001 17002 17003})
pids=()

log() { printf '[test.sh] %s\n' "$*" >&2; }

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

fail_or_warn() {
  if [[ "${CI:-}" == "true" ]]; then
    log "error: $*"
    exit 1
  fi
  log "warning: $* (the tests that need it will fail)"
}

ensure_servers_installed() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]] || missing+=(mariadb-server)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail_or_warn "apt-get update failed"; return 0; }
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$work/apt.log" 2>&1 \
      || { tail -20 "$work/apt.log" >&2; fail_or_warn "apt-get install ${missing[*]} failed"; return 0; }
  else
    fail_or_warn "${missing[*]} not installed and cannot install them (needs root and apt-get)"
  fi
}

wait_for() { # description, seconds, command...
  local what=$1 seconds=$2; shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "error: $what did not come up within ${seconds}s"
  return 1
}

start_mariadb() {
  local mariadbd; mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
  [[ -x "$mariadbd" ]] || return 1
  local data="$work/mariadb" socket="$work/mariadb.sock" user; user=$(id -un)
  mkdir -p "$data"
  mariadb-install-db --no-defaults --datadir="$data" --user="$user" --auth-root-authentication-method=normal \
    --skip-test-db >"$work/mariadb-install.log" 2>&1 || { cat "$work/mariadb-install.log" >&2; return 1; }
  "$mariadbd" --no-defaults --datadir="$data" --socket="$socket" --port="$mysql_port" --bind-address=127.0.0.1 \
    --user="$user" --skip-name-resolve --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 \
    --max-connections=500 --log-error="$work/mariadb.err" >/dev/null 2>&1 &
  pids+=($!)
  wait_for "MariaDB" 60 mariadb --no-defaults --socket="$socket" -uroot -e "SELECT 1" || { cat "$work/mariadb.err" >&2; return 1; }
  mariadb --no-defaults --socket="$socket" -uroot -e \
    "CREATE USER 'userapi'@'127.0.0.1' IDENTIFIED BY 'userapi'; GRANT ALL PRIVILEGES ON *.* TO 'userapi'@'127.0.0.1'; FLUSH PRIVILEGES;"
  export USERAPI_TEST_MYSQL="Server=127.0.0.1;Port=$mysql_port;User ID=userapi;Password=userapi"
  log "MariaDB on 127.0.0.1:$mysql_port"
}

start_redis() {
  command -v redis-server >/dev/null 2>&1 || return 1
  mkdir -p "$work/redis"
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save "" --appendonly no \
    --logfile "$work/redis/redis.log" --daemonize no &
  pids+=($!)
  wait_for "Redis" 20 redis-cli -p "$redis_port" ping || { cat "$work/redis/redis.log" >&2; return 1; }
  export USERAPI_TEST_REDIS="127.0.0.1:$redis_port"
  log "Redis on 127.0.0.1:$redis_port"
}

start_redis_cluster() {
  command -v redis-server >/dev/null 2>&1 || return 1
  local nodes=()
  for port in "${cluster_ports[@]}"; do
    mkdir -p "$work/cluster-$port"
    redis-server --bind 127.0.0.1 --port "$port" --dir "$work/cluster-$port" --save "" --appendonly no \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
      --logfile "$work/cluster-$port/redis.log" --daemonize no &
    pids+=($!)
    nodes+=("127.0.0.1:$port")
  done
  for port in "${cluster_ports[@]}"; do
    wait_for "Redis cluster node $port" 20 redis-cli -p "$port" ping || { cat "$work/cluster-$port/redis.log" >&2; return 1; }
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$work/cluster-create.log" 2>&1 \
    || { cat "$work/cluster-create.log" >&2; return 1; }
  wait_for "Redis Cluster state ok" 30 bash -c "redis-cli -p ${cluster_ports[0]} cluster info | grep -q cluster_state:ok" || return 1
  export USERAPI_TEST_REDIS_CLUSTER
  USERAPI_TEST_REDIS_CLUSTER=$(IFS=,; echo "${nodes[*]}")
  log "Redis Cluster on ${USERAPI_TEST_REDIS_CLUSTER}"
}

ensure_servers_installed
start_mariadb || fail_or_warn "could not start MariaDB"
start_redis || fail_or_warn "could not start Redis"
start_redis_cluster || fail_or_warn "could not start the Redis Cluster"

cd "$root"
results="$work/results"
status=0
dotnet test "$root/UserApi.slnx" --logger "trx" --results-directory "$results" "$@" || status=$?

# The plain total over every test project: CI reads this line.
passed=0 failed=0 skipped=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed)
  e=$(get error); t=$(get timeout); a=$(get aborted)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done
if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
