# Throwaway PostgreSQL and Redis for tests (and later run.sh and the benchmarks): each on a free
# loopback port with its data in a temporary folder, never as a system service. Source this file,
# then call start_postgres/start_redis and, in an EXIT trap, stop_services; every function may be
# called more than once.
#
#   start_postgres [durable]
#                      exports GATEHOUSE_TEST_POSTGRES, an Npgsql connection string for a role that
#                      may CREATE DATABASE (so each test suite can make its own), and
#                      GATEHOUSE_TEST_PG_CTL, a pg_ctl for that server (as its owner, with its data
#                      folder): "$GATEHOUSE_TEST_PG_CTL stop -m fast" / "… start" stop and restart it.
#                      Tests run without fsync; "durable" keeps PostgreSQL's stock durability
#                      settings, for measurements that must count what a commit costs
#   postgres_psql …    psql as the superuser over the server's own socket
#   postgres_pid       the postmaster's process id (fails when no server is running)
#   start_redis        exports GATEHOUSE_TEST_REDIS=127.0.0.1:PORT
#   redis_pid          the Redis server's process id (fails when none is running)
#   install_services   installs Debian's postgresql, redis-server and nginx when missing (root)

# The newest Debian PostgreSQL: its bin folder is not on PATH, and a pg_ctl elsewhere on PATH may
# belong to another version or build.
postgres_bin() {
  local dirs=(/usr/lib/postgresql/*/bin)
  [ -x "${dirs[0]}/initdb" ] || return 1
  printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1
}

# apt-get install without letting the packages start their system services: Debian's postinst
# scripts ask policy-rc.d, and 101 means "not now". Ours use their own ports and folders.
apt_install() { # package...
  [ "$(id -u)" -eq 0 ] || { echo "services.sh: missing $*; install with: sudo apt-get install $*" >&2; return 1; }
  local policy=/usr/sbin/policy-rc.d saved="" status=0
  if [ -e "$policy" ]; then saved=$(mktemp); cp -p "$policy" "$saved"; fi
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; } || status=$?
  if [ -n "$saved" ]; then mv "$saved" "$policy"; else rm -f "$policy"; fi
  [ "$status" -eq 0 ] || echo "services.sh: apt-get install $* failed" >&2
  return "$status"
}

install_services() {
  local need=()
  postgres_bin >/dev/null || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
  [ ${#need[@]} -eq 0 ] && return 0
  echo "== installing Debian's ${need[*]} for the server tests"
  apt_install "${need[@]}"
}

# A port nothing listens on, below Linux's ephemeral range (32768+) so that no outgoing
# connection takes it meanwhile. A rare race with another process is caught by the start retries.
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

# PostgreSQL refuses to run as root: as root, run it as the postgres user Debian's package made.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_dir="" _pg_psql=()
start_postgres() { # [durable]
  [ -n "$_pg_dir" ] && return 0
  local bin password port durable=${1:-}
  bin=$(postgres_bin) || { echo "services.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
  # Under /tmp, not inside a root-only folder: the postgres user must reach it.
  _pg_dir=$(mktemp -d /tmp/gatehouse-postgres.XXXXXX) || return 1
  [ "$(id -u)" -eq 0 ] && chown postgres: "$_pg_dir"
  chmod 700 "$_pg_dir"
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  # Loopback only, by password; the socket in our folder for the setup below, unauthenticated
  # because only its owner can reach the folder.
  as_postgres "$bin/initdb" -D "$_pg_dir/data" -U postgres -A scram-sha-256 --auth-local=trust \
    -E UTF8 --locale=C.UTF-8 >"$_pg_dir/initdb.log" 2>&1 \
    || { cat "$_pg_dir/initdb.log" >&2; stop_postgres; return 1; }
  # A wrapper that restarts this server as it was: tests stop and start it to simulate an outage.
  # The server stays ours after a test restarted it, so it must not carry the mark by which
  # test.sh's sweep ends what a test left running.
  cat >"$_pg_dir/pg_ctl" <<EOF
#!/bin/sh
unset GATEHOUSE_TEST_RUN
if [ "\$(id -u)" -eq 0 ]; then exec runuser -u postgres -- "$bin/pg_ctl" -D "$_pg_dir/data" -l "$_pg_dir/server.log" "\$@"; fi
exec "$bin/pg_ctl" -D "$_pg_dir/data" -l "$_pg_dir/server.log" "\$@"
EOF
  chmod 755 "$_pg_dir/pg_ctl"
  for _ in 1 2 3; do
    port=$(free_port) || break
    as_postgres sh -c "cat >>'$_pg_dir/data/postgresql.conf'" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$_pg_dir'
max_connections = 300
EOF
    if [ "$durable" != durable ]; then
      # Durability is not what tests check; without fsync the suites run faster.
      printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' \
        | as_postgres sh -c "cat >>'$_pg_dir/data/postgresql.conf'"
    fi
    if "$_pg_dir/pg_ctl" -w -t 30 start >/dev/null; then
      _pg_psql=(as_postgres "$bin/psql" -h "$_pg_dir" -p "$port" -U postgres)
      postgres_psql -d postgres -v ON_ERROR_STOP=1 -q \
        -c "CREATE ROLE gatehouse LOGIN CREATEDB PASSWORD '$password'" \
        -c "CREATE DATABASE gatehouse OWNER gatehouse" || { stop_postgres; return 1; }
      export GATEHOUSE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=gatehouse;Password=$password;Database=gatehouse"
      export GATEHOUSE_TEST_PG_CTL="$_pg_dir/pg_ctl"
      echo "PostgreSQL on 127.0.0.1:$port (data in $_pg_dir)"
      return 0
    fi
  done
  echo "services.sh: PostgreSQL did not start; its log:" >&2
  cat "$_pg_dir/server.log" >&2 2>/dev/null
  stop_postgres
  return 1
}

stop_postgres() {
  [ -n "$_pg_dir" ] || return 0
  if [ -f "$_pg_dir/data/postmaster.pid" ]; then "$_pg_dir/pg_ctl" -m immediate -w stop >/dev/null 2>&1; fi
  rm -rf "$_pg_dir"
  _pg_dir="" _pg_psql=()
  unset GATEHOUSE_TEST_POSTGRES GATEHOUSE_TEST_PG_CTL
}

postgres_psql() {
  [ ${#_pg_psql[@]} -gt 0 ] || { echo "services.sh: PostgreSQL is not running" >&2; return 1; }
  "${_pg_psql[@]}" "$@"
}

postgres_pid() {
  [ -n "$_pg_dir" ] && [ -f "$_pg_dir/data/postmaster.pid" ] && head -n 1 "$_pg_dir/data/postmaster.pid"
}

_redis_dir="" _redis_pid=""
start_redis() {
  [ -n "$_redis_pid" ] && return 0
  command -v redis-server >/dev/null 2>&1 || { echo "services.sh: redis-server is not installed (apt-get install redis-server)" >&2; return 1; }
  _redis_dir=$(mktemp -d /tmp/gatehouse-redis.XXXXXX) || return 1
  local port
  for _ in 1 2 3; do
    port=$(free_port) || break
    # No snapshots, no append-only file: nothing outlives the tests.
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$_redis_dir" \
      --daemonize no --logfile "$_redis_dir/redis.log" &
    _redis_pid=$!
    for _ in $(seq 1 50); do
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
        export GATEHOUSE_TEST_REDIS="127.0.0.1:$port"
        echo "Redis on 127.0.0.1:$port"
        return 0
      fi
      kill -0 "$_redis_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$_redis_pid" 2>/dev/null; wait "$_redis_pid" 2>/dev/null
    _redis_pid=""
  done
  echo "services.sh: Redis did not start; its log:" >&2
  cat "$_redis_dir/redis.log" >&2 2>/dev/null
  stop_redis
  return 1
}

stop_redis() {
  if [ -n "$_redis_pid" ]; then
    kill "$_redis_pid" 2>/dev/null
    wait "$_redis_pid" 2>/dev/null
  fi
  [ -n "$_redis_dir" ] && rm -rf "$_redis_dir"
  _redis_pid="" _redis_dir=""
  unset GATEHOUSE_TEST_REDIS
}

redis_pid() {
  [ -n "$_redis_pid" ] && echo "$_redis_pid"
}

stop_services() {
  stop_redis
  stop_postgres
}
