# Throwaway MariaDB, Redis and Redis Cluster servers on loopback, for scripts/test.sh and bench/run.sh.
# The caller sets: work (a temporary directory), mysql_port, redis_port, cluster_ports (array), and
# pids (array): every server started is appended to pids, for the caller to stop.
# The ports (and the cluster bus ports, +10000) should lie below Linux's ephemeral range (32768 and
# up), so that no outgoing connection can be holding one of them.

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

stop_servers() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}

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
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
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
  local what=$1 seconds=$2 i; shift 2
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
  # Its own TMPDIR: two installs at once (another session's tests) collided in a shared /tmp.
  TMPDIR="$work" mariadb-install-db --no-defaults --datadir="$data" --user="$user" --auth-root-authentication-method=normal \
    --skip-test-db >"$work/mariadb-install.log" 2>&1 || { cat "$work/mariadb-install.log" >&2; return 1; }
  launch_mariadbd || return 1
  mariadb --no-defaults --socket="$socket" -uroot -e \
    "CREATE USER 'userapi'@'127.0.0.1' IDENTIFIED BY 'userapi'; GRANT ALL PRIVILEGES ON *.* TO 'userapi'@'127.0.0.1'; FLUSH PRIVILEGES;"
  export USERAPI_TEST_MYSQL="Server=127.0.0.1;Port=$mysql_port;User ID=userapi;Password=userapi"
  log "MariaDB on 127.0.0.1:$mysql_port"
}

# launch_mariadbd: runs mariadbd on the data directory start_mariadb installed (again after a kill, for
# scripts/faults.sh) and waits for it to answer.
launch_mariadbd() {
  local mariadbd; mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
  local user; user=$(id -un)
  "$mariadbd" --no-defaults --datadir="$work/mariadb" --socket="$work/mariadb.sock" --port="$mysql_port" --bind-address=127.0.0.1 \
    --user="$user" --skip-name-resolve --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 \
    --max-connections=500 --log-error="$work/mariadb.err" >/dev/null 2>&1 &
  pids+=($!)
  wait_for "MariaDB" 60 mariadb --no-defaults --socket="$work/mariadb.sock" -uroot -e "SELECT 1" || { cat "$work/mariadb.err" >&2; return 1; }
}

start_redis() { # [PORT]: on redis_port, or on PORT for another instance (the tests are told of redis_port's)
  command -v redis-server >/dev/null 2>&1 || return 1
  local port=${1:-$redis_port}
  local dir="$work/redis-$port"
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" --appendonly no \
    --logfile "$dir/redis.log" --daemonize no &
  pids+=($!)
  wait_for "Redis" 20 redis-cli -p "$port" ping || { cat "$dir/redis.log" >&2; return 1; }
  [[ "$port" == "$redis_port" ]] && export USERAPI_TEST_REDIS="127.0.0.1:$port"
  log "Redis on 127.0.0.1:$port"
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

