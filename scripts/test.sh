#!/usr/bin/env bash
# Runs every test of UserApi.
#
# Starts throwaway servers on loopback, on non-default ports, with data directories under one temporary
# directory: MariaDB, a single Redis, and a 3-master Redis Cluster. Installs mariadb-server and
# redis-server with apt-get when they are missing and this runs as root. Exports their addresses to the
# tests (USERAPI_TEST_*), runs `dotnet test`, prints the plain total, and stops what it started, also
# when the tests fail. With CI=true a missing server is an error, never a reason to skip.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/user-api-test.XXXXXX")
mysql_port=${USERAPI_TEST_MYSQL_PORT:-13306}
redis_port=${USERAPI_TEST_REDIS_PORT:-16379}
cluster_ports=(${USERAPI_TEST_CLUSTER_PORTS:-17001 17002 17003})
pids=()

# shellcheck source=lib/servers.sh
source "$root/scripts/lib/servers.sh"

cleanup() {
  local status=$?
  stop_servers
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

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
