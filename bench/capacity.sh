#!/usr/bin/env bash
# Measures what each Gatehouse operation costs, for the capacity model in docs/capacity.md.
# Builds the API (Release), then for each database (SQLite; a throwaway PostgreSQL; PostgreSQL with a
# throwaway Redis when the API supports Redis:Configuration) starts it on loopback, seeds users, and
# runs one load after another with wrk for a fixed time: login, refresh, GET /auth/me,
# GET /auth/is-authenticated, register. For each it records the 2xx rate and, because the machine
# may be shared and the rate then means little, the COST: CPU-seconds of the API process and of
# the PostgreSQL server (postmaster and all its children) per operation, database commits, rows
# inserted/updated and WAL bytes per operation (pg_stat_database / pg_stat_user_tables deltas),
# and Redis commands per operation (INFO commandstats deltas). Also measures one password hash on
# one thread (bench/hash-cost.cs). Writes bench/capacity.md and prints it. About 8 minutes with all three
# set-ups (each PostgreSQL reading waits ~11 s for the server to publish its counters).
#
#   DURATION=10        seconds of measured load per operation
#   WARMUP=2           seconds of each load in one warm-up cycle; cycles repeat until the runtime has
#   WARMUP_CYCLES=15   stopped recompiling hot code (see warm_up), at most WARMUP_CYCLES of them
#   CONFIGS="sqlite postgres redis"   which set-ups to run (redis is skipped when unsupported)
#
# Every process it starts (API, PostgreSQL, Redis, wrk) is stopped and every temporary folder
# deleted on exit, Ctrl-C included. Nothing listens beyond 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

duration=${DURATION:-10}
warmup=${WARMUP:-2}
warmup_cycles=${WARMUP_CYCLES:-15}
configs=${CONFIGS:-sqlite postgres redis}
# Hashing endpoints: as many connections as the API hashes at once by default (2 per core), so
# the queue stays short. Refresh: one connection per wrk thread, each with its own token chain.
cores=$(nproc)
login_connections=$((2 * cores))
refresh_connections=8
get_threads=4 get_connections=16
origin=http://localhost:3000 # the API's default allowed origin; POSTs without it are refused (CSRF)
build_lock=/tmp/gatehouse-build.lock

die() { echo "capacity.sh: $*" >&2; exit 1; }
for tool in dotnet wrk curl openssl awk; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required (apt-get install ${tool/dotnet/dotnet-sdk-10.0})"
done
# The throwaway PostgreSQL and Redis the tests use (free_port, start_postgres, start_redis, …).
. scripts/services.sh

work=$(mktemp -d /tmp/gatehouse-capacity.XXXXXX)
api_pid="" wrk_pid=""
cleanup() {
  trap - EXIT INT TERM
  [ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null
  stop_api
  stop_services
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- CPU time, in clock ticks, from /proc (fields after the command name: state is 1, utime 12,
# stime 13, cutime 14, cstime 15; threads are included in a process's own times).
ticks_per_second=$(getconf CLK_TCK)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
sys_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $13}'; }
# The runtime's tiered-compilation threads (".NET Tiered Compilation Worker", cut to 15 characters):
# "thread-id ticks" for each one alive, after a "none 0" line so that the list is never empty.
jit_ticks() {
  local task
  echo "none 0"
  for task in /proc/"$1"/task/*; do
    [ "$(cat "$task/comm" 2>/dev/null)" = ".NET Tiered Com" ] || continue
    echo "${task##*/} $(sed 's/.*) //' "$task/stat" 2>/dev/null | awk '{print $12 + $13}')"
  done
}
# PostgreSQL forks a backend per connection and workers on demand: the postmaster's own time, the
# time of the children it has already reaped, and the time of every live child.
pg_cpu_ticks() {
  local pm total child
  pm=$(postgres_pid)
  total=$(sed 's/.*) //' "/proc/$pm/stat" | awk '{print $12 + $13 + $14 + $15}')
  for child in $(pgrep -P "$pm"); do
    total=$((total + $(cpu_ticks "$child" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# --- PostgreSQL: services.sh's throwaway server with the stock durability settings (fsync, synchronous
# commit), as a production database would run, so the CPU a commit costs is counted.
pg_psql=(postgres_psql -v ON_ERROR_STOP=1 -qAt)
start_bench_postgres() {
  start_postgres durable >&2 || die "PostgreSQL did not start"
  pg_connection=$GATEHOUSE_TEST_POSTGRES
  pg_version=$("${pg_psql[@]}" -d postgres -c "SHOW server_version")
  local first second
  pg_counters >/dev/null
  sleep 1.5
  first=$(pg_counters | awk '$1 == "commits" {print $2}')
  sleep 1.5
  second=$(pg_counters | awk '$1 == "commits" {print $2}')
  pg_reading_commits=$((second - first))
}

# Counters of the gatehouse database, one "name value" line each. A reading commits too (its query and
# psql's connection set-up, reported when psql exits): pg_queries counts the readings and
# pg_reading_commits (measured once, with nothing else running) is what each adds, to take off again.
pg_queries=0 pg_reading_commits=0
pg_counters() {
  "${pg_psql[@]}" -d gatehouse -F ' ' -c "
    SELECT 'commits', xact_commit FROM pg_stat_database WHERE datname = current_database()
    UNION ALL SELECT 'rollbacks', xact_rollback FROM pg_stat_database WHERE datname = current_database()
    UNION ALL SELECT 'wal_bytes', pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint
    UNION ALL SELECT 'ins:' || relname, n_tup_ins FROM pg_stat_user_tables
    UNION ALL SELECT 'upd:' || relname, n_tup_upd FROM pg_stat_user_tables
    UNION ALL SELECT 'del:' || relname, n_tup_del FROM pg_stat_user_tables"
}
# A backend reports its counters at most once a second, and one that falls idle with counts pending
# reports them 10 s later (PGSTAT_IDLE_INTERVAL): after a load, wait that long, then read until two
# readings agree but for the readings' own commits. Leaves the reading in $settled.
settled=""
pg_settle() {
  local previous current
  sleep 10.5
  previous=$(pg_counters); pg_queries=$((pg_queries + 1))
  for _ in $(seq 1 40); do
    sleep 0.5
    current=$(pg_counters); pg_queries=$((pg_queries + 1))
    if [ "$(grep -v '^commits ' <<<"$previous")" = "$(grep -v '^commits ' <<<"$current")" ] \
      && [ "$(awk '$1 == "commits" {print $2}' <<<"$current")" -eq "$(($(awk '$1 == "commits" {print $2}' <<<"$previous") + pg_reading_commits))" ]; then
      break
    fi
    previous=$current
  done
  settled=$current
}

# Calls per command, "name calls" lines, without our own INFO.
redis_counters() {
  redis-cli -h 127.0.0.1 -p "${GATEHOUSE_TEST_REDIS##*:}" INFO commandstats | tr -d '\r' \
    | sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),.*/\1 \2/p' | grep -v '^info '
}

# --- The API: Production settings (an ES256 key, Secure cookies with __Host-/__Secure- names),
# rate limits on but far beyond any load here, so the limiters' real path runs and never refuses.
api_port=""
start_api() { # label, then extra environment assignments
  local label=$1
  shift
  api_port=$(free_port) || die "no free port"
  mkdir -p "$work/$label"
  (
    # Its own working folder, so no stray .env file is read; the content root (appsettings.json, with
    # its log levels) is the build output, as when run.sh starts it from the project folder.
    cd "$work/$label"
    exec env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_CONTENTROOT="$(dirname "$api_dll")" PORT="$api_port" \
      Gatehouse__Tokens__SigningKey="$signing_key" Gatehouse__Mfa__EncryptionKey="$mfa_key" \
      Gatehouse__Data__Directory="$work/$label" \
      Gatehouse__RateLimits__Login__PerIp=1000000000 Gatehouse__RateLimits__Login__PerUser=1000000000 \
      Gatehouse__RateLimits__Refresh__PerIp=1000000000 Gatehouse__RateLimits__Refresh__PerUser=1000000000 \
      Gatehouse__RateLimits__Register__PerIp=1000000000 Gatehouse__RateLimits__Register__PerUser=1000000000 \
      Gatehouse__Email__Enabled=false \
      "$@" dotnet "$api_dll"
  ) >"$work/$label/api.log" 2>&1 &
  api_pid=$!
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:$api_port/health" 2>/dev/null && return 0
    kill -0 "$api_pid" 2>/dev/null || { tail -n 30 "$work/$label/api.log" >&2; die "the API ($label) did not start"; }
    sleep 0.2
  done
  die "the API ($label) did not answer within 30 s"
}
stop_api() {
  [ -n "$api_pid" ] || return 0
  kill -TERM "$api_pid" 2>/dev/null || true
  wait "$api_pid" 2>/dev/null || true
  api_pid=""
}

# --- Sessions for the loads that need one per thread: post_json, seed_users, sign_in.
. bench/sessions.sh

run_wrk() { # seconds mode threads connections tokens-file [path] → the BENCH line
  BENCH_MODE=$2 BENCH_ORIGIN=$origin BENCH_PASSWORD=$password BENCH_RUN_ID="reg$RANDOM$RANDOM" \
    BENCH_USERS_FILE="$work/users" BENCH_TOKENS_FILE=$5 BENCH_PATH=${6:-/auth/me} BENCH_THREADS=$3 \
    wrk -t "$3" -c "$4" -d "${1}s" --timeout 10s -s bench/load.lua "http://127.0.0.1:$api_port" >"$work/wrk.out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || { cat "$work/wrk.out" >&2; die "wrk failed"; }
  wrk_pid=""
  grep '^BENCH ' "$work/wrk.out" || { cat "$work/wrk.out" >&2; die "wrk printed no result"; }
}

# One operation under load, between two readings of every counter. The PostgreSQL reading before it
# is the one taken after the previous operation ($pg_last): nothing else touches the database between.
rows=() details=() login_costs=() pg_last=""
measure() { # config label mode threads connections tokens-file [path]
  local config=$1 label=$2 mode=$3 threads=$4 connections=$5 tokens=$6 path=${7:-}
  local result api0 api1 apisys0 apisys1 pg0=0 pg1=0 redis0=0 redis1=0 before=$pg_last after="" rb="" ra="" queries0=$pg_queries
  echo "   $label: ${duration}s with $connections connections" >&2
  if postgres_pid >/dev/null; then pg0=$(pg_cpu_ticks); fi
  if redis_pid >/dev/null; then rb=$(redis_counters); redis0=$(cpu_ticks "$(redis_pid)"); fi
  api0=$(cpu_ticks "$api_pid") apisys0=$(sys_ticks "$api_pid")

  result=$(run_wrk "$duration" "$mode" "$threads" "$connections" "$tokens" "$path")

  api1=$(cpu_ticks "$api_pid") apisys1=$(sys_ticks "$api_pid")
  if redis_pid >/dev/null; then redis1=$(cpu_ticks "$(redis_pid)"); ra=$(redis_counters); fi
  if postgres_pid >/dev/null; then pg1=$(pg_cpu_ticks); pg_settle; after=$settled; pg_last=$settled; fi

  local ok failed broken seconds p50 p99 statuses
  read -r ok failed broken seconds p50 p99 statuses < <(sed -E 's/[a-z0-9_]+=//g; s/^BENCH //' <<<"$result")
  [ "$ok" -gt 0 ] || die "$config $label: no successful responses ($result)"
  # The readings taken since $before committed too: the one $before came from, and all but the last.
  local own_commits=$(((pg_queries - queries0) * pg_reading_commits))
  # The row: rate, CPU per operation, database and Redis work per operation.
  rows+=("$(awk -v c="$config" -v l="$label" -v n="$connections" -v ok="$ok" -v failed="$failed" -v broken="$broken" \
    -v s="$seconds" -v p50="$p50" -v p99="$p99" -v api=$((api1 - api0)) -v apisys=$((apisys1 - apisys0)) -v pg=$((pg1 - pg0)) -v rd=$((redis1 - redis0)) \
    -v hz="$ticks_per_second" -v haspg="${before:+1}" -v hasredis="${rb:+1}" \
    -v delta="$(counter_delta "$before" "$after" "$own_commits")" -v rdelta="$(counter_delta "$rb" "$ra" 0)" 'BEGIN {
      split(delta, d, " "); commits = d[1]; ins = d[2]; upd = d[3]; wal = d[4]
      split(rdelta, r, " ")
      api_ms = api / hz * 1000 / ok
      printf "| %s | %s | %d | %.0f | %d | %.0f / %.0f | %.2f | %.2f | %.0f | %s | %s | %s | %s | %s | %s |",
        c, l, n, ok / s, failed + broken, p50, p99, api_ms, apisys / hz * 1000 / ok, (api_ms > 0 ? 1000 / api_ms : 0),
        (haspg ? sprintf("%.2f", pg / hz * 1000 / ok) : "in API"),
        (haspg ? sprintf("%.2f", commits / ok) : "–"), (haspg ? sprintf("%.2f", ins / ok) : "–"),
        (haspg ? sprintf("%.2f", upd / ok) : "–"), (haspg ? sprintf("%.0f", wal / ok) : "–"),
        (hasredis ? sprintf("%.2f (%.3f ms)", r[1] / ok, rd / hz * 1000 / ok) : "–")
    }')")
  if [ -n "$before" ]; then
    local redis_column=""
    if [ -n "$rb" ]; then redis_column=" | $(redis_calls "$rb" "$ra" "$ok")"; fi
    details+=("| $config | $label | $(table_writes "$before" "$after" "$ok")$redis_column |")
  fi
  if [ "$label" = login ]; then login_costs+=("$config $(awk -v api=$((api1 - api0)) -v ok="$ok" -v hz="$ticks_per_second" 'BEGIN { printf "%.2f", api / hz * 1000 / ok }')"); fi
  echo "   $label: $result" >&2
}

# "commits inserted updated wal" deltas between two pg_counters readings (or "calls" for Redis).
counter_delta() { # before after own-commits
  [ -n "$1" ] || { echo "0 0 0 0"; return; }
  awk -v own="$3" 'NR == FNR { b[$1] = $2; next } { d[$1] = $2 - b[$1] }
    END {
      for (k in d) {
        if (k == "commits") commits = d[k] - own
        else if (k ~ /^ins:/) ins += d[k]
        else if (k ~ /^upd:/) upd += d[k]
        else if (k == "wal_bytes") wal = d[k]
        else if (k !~ /^(del:|rollbacks)/) calls += d[k]
      }
      if (calls != "") print calls + 0; else printf "%d %d %d %d\n", commits, ins, upd, wal
    }' <(echo "$1") <(echo "$2")
}
# Per table: "+1.00 Sessions, ~2.00 RefreshTokens" (+ rows inserted, ~ rows updated, - rows deleted, per op).
table_writes() { # before after ops
  awk -v ops="$3" 'NR == FNR { b[$1] = $2; next } $1 ~ /^(ins|upd|del):/ && $2 - b[$1] > 0 {
      split($1, k, ":"); sign = (k[1] == "ins" ? "+" : (k[1] == "upd" ? "~" : "-"))
      out = out (out ? ", " : "") sprintf("%s%.2f %s", sign, ($2 - b[$1]) / ops, k[2])
    } END { print (out ? out : "none") }' <(echo "$1") <(echo "$2")
}
redis_calls() { # before after ops
  awk -v ops="$3" 'NR == FNR { b[$1] = $2; next } $2 - b[$1] > 0 {
      out = out (out ? ", " : "") sprintf("%.2f %s", ($2 - b[$1]) / ops, $1)
    } END { print (out ? out : "none") }' <(echo "$1") <(echo "$2")
}

# Warm-up (JIT, connection pools, caches): cycles of every load for a moment, unmeasured, each refresh
# chain from its own sessions, until the runtime has stopped recompiling. .NET first runs each method
# from quickly made code and recompiles the hot ones on a background thread; under login load that
# recompilation took about 5 CPU-seconds spread over the first ~30 s, 6–13 ms on top of each 17 ms
# login meanwhile, and a 2 s warm-up left it inside the measured login. Settled: the compilation
# threads alive after a cycle used under 1% of the API's CPU during it (an idle one exits after a
# few seconds, so a thread that ended mid-cycle means the compiler had gone quiet).
warm_up() {
  local cycle jit0 jit1 api0 api1 jit
  for cycle in $(seq 1 "$warmup_cycles"); do
    jit0=$(jit_ticks "$api_pid") api0=$(cpu_ticks "$api_pid")
    sign_in "$refresh_connections" refresh_token "$work/warm-refresh"
    sign_in "$get_threads" access_token "$work/warm-access"
    run_wrk "$warmup" login "$login_connections" "$login_connections" /dev/null >/dev/null
    run_wrk "$warmup" refresh "$refresh_connections" "$refresh_connections" "$work/warm-refresh" >/dev/null
    run_wrk "$warmup" get "$get_threads" "$get_connections" "$work/warm-access" /auth/me >/dev/null
    run_wrk "$warmup" register "$login_connections" "$login_connections" /dev/null >/dev/null
    jit1=$(jit_ticks "$api_pid") api1=$(cpu_ticks "$api_pid")
    # What the compilation threads alive now gained during the cycle (all of it for a new one).
    jit=$(awk 'NR == FNR { b[$1] = $2; next } { s += $2 - ($1 in b ? b[$1] : 0) } END { print s + 0 }' \
      <(echo "$jit0") <(echo "$jit1"))
    echo "   warm-up cycle $cycle (${warmup}s of each load): recompiling took $jit of the API's $((api1 - api0)) CPU ticks" >&2
    if [ $((jit * 100)) -lt $((api1 - api0)) ]; then
      warmed_cycles+=("$cycle")
      return 0
    fi
  done
  warmed_cycles+=("$warmup_cycles, still recompiling")
  echo "   warm-up: still recompiling after $warmup_cycles cycles; the costs below include it" >&2
}
warmed_cycles=()

run_config() { # label, then extra API environment
  local config=$1
  shift
  echo "== $config" >&2
  start_api "$config" "$@"
  seed_users "$refresh_connections"
  warm_up
  # The sessions the measured refresh and GET loads start from.
  sign_in "$refresh_connections" refresh_token "$work/refresh-tokens"
  sign_in "$get_threads" access_token "$work/access-tokens"
  pg_last=""
  if postgres_pid >/dev/null; then pg_settle; pg_last=$settled; fi

  measure "$config" login login "$login_connections" "$login_connections" /dev/null
  measure "$config" refresh refresh "$refresh_connections" "$refresh_connections" "$work/refresh-tokens"
  measure "$config" "GET /auth/me" get "$get_threads" "$get_connections" "$work/access-tokens" /auth/me
  measure "$config" "GET /auth/is-authenticated" get "$get_threads" "$get_connections" "$work/access-tokens" /auth/is-authenticated
  measure "$config" register register "$login_connections" "$login_connections" /dev/null
  stop_api
}

# ---------------------------------------------------------------------------------------------------
echo "== building the API (Release)" >&2
# flock -o: the build's long-lived helpers (MSBuild nodes, compiler server) must not inherit the lock.
flock -o "$build_lock" dotnet build server/src/Gatehouse.Api -c Release -v quiet -nologo --disable-build-servers >&2
api_dll=$PWD/server/src/Gatehouse.Api/bin/Release/net10.0/Gatehouse.Api.dll

echo "== password hash cost (bench/hash-cost.cs)" >&2
flock -o "$build_lock" dotnet build bench/hash-cost.cs -c Release -v quiet -nologo --disable-build-servers >&2
hash_costs=$(dotnet run --no-build -c Release bench/hash-cost.cs -- 2)

signing_key=$(openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt)
mfa_key=$(openssl rand -base64 32) # Production needs Gatehouse:Mfa:EncryptionKey (TOTP secrets at rest)
password="capacity-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
pg_version="" redis_version=""
redis_supported=false
grep -rqs 'Section = "Redis"' server/src/Gatehouse.Api && redis_supported=true

for config in $configs; do
  case $config in
    sqlite) run_config sqlite Database__Provider=sqlite ;;
    postgres)
      postgres_pid >/dev/null || start_bench_postgres
      run_config postgres Database__Provider=postgres ConnectionStrings__Default="$pg_connection" ;;
    redis)
      if ! $redis_supported; then echo "== redis: skipped, this API has no Redis:Configuration yet" >&2; continue; fi
      postgres_pid >/dev/null || start_bench_postgres
      start_redis >&2 || die "Redis did not start"
      redis_version=$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')
      run_config postgres+redis Database__Provider=postgres ConnectionStrings__Default="$pg_connection" \
        Redis__Configuration="$GATEHOUSE_TEST_REDIS"
      stop_redis ;;
    *) die "unknown config '$config' (use sqlite, postgres, redis)" ;;
  esac
done

# ---------------------------------------------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain -- server 2>/dev/null | grep -q . && echo " (with uncommitted server changes)" || true)
{
  echo "# Gatehouse capacity measurements"
  echo
  echo "Written by \`bench/capacity.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Commit $commit$dirty."
  echo "Machine: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $cores cores (shared; load average before the run: $load_before);"
  echo ".NET $(dotnet --version); PostgreSQL ${pg_version:-not run}${redis_version:+; Redis $redis_version}; wrk $(wrk -v 2>&1 | sed -n '1s/^wrk \([^ ]*\).*/\1/p')."
  echo "Each set-up: warm-up cycles of ${warmup} s of each load until the runtime stopped recompiling hot code (cycles: $(IFS=/; echo "${warmed_cycles[*]}")),"
  echo "then each operation ${duration} s measured. The load generator runs on the same cores."
  echo
  echo "**Costs are the model, rates are not**: the rate depends on what else this machine was doing, while"
  echo "CPU-seconds per operation (from /proc, API process and PostgreSQL server separately) hardly do."
  echo
  echo "| Database | Operation | Conns | 2xx/s | Errors | p50 / p99 ms | API CPU ms/op | of which system | Ops per API core-s | DB CPU ms/op | DB commits/op | Rows inserted/op | Rows updated/op | WAL bytes/op | Redis commands/op (Redis CPU ms) |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
  if [ ${#details[@]} -gt 0 ]; then
    echo
    echo "Database writes per operation, by table (+ inserted, ~ updated, - deleted)$( [ -n "$redis_version" ] && echo '; Redis commands per operation'):"
    echo
    if [ -n "$redis_version" ]; then
      echo "| Database | Operation | Rows per operation | Redis per operation |"
      echo "| --- | --- | --- | --- |"
    else
      echo "| Database | Operation | Rows per operation |"
      echo "| --- | --- | --- |"
    fi
    printf '%s\n' "${details[@]}"
  fi
  echo
  echo "Password hashes alone on this machine, on one thread and on as many as the API runs at once (\`bench/hash-cost.cs\`):"
  echo
  echo "| Hash | Threads | CPU ms per hash | of which system | Hashes per core-second |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  awk -F '\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' <<<"$hash_costs"
  echo
  # The goal for sign-in: at least 0.9 times the pure hash rate (cores ÷ CPU time of one hash on one
  # thread), i.e. a login that costs at most 1/0.9 = 1.11 hashes of CPU.
  hash_ms=$(awk -F '\t' 'NR == 1 { print $3 }' <<<"$hash_costs")
  echo "Login against the pure hash rate (cores ÷ CPU of one Gatehouse hash on one thread, $hash_ms ms; the goal is at least 0.9):"
  echo
  for cost in "${login_costs[@]}"; do
    awk -v c="${cost% *}" -v login="${cost##* }" -v hash="$hash_ms" -v cores="$cores" 'BEGIN {
      printf "- %s: a login costs %.2f ms of API CPU, %.2f hashes; at most %.0f logins/s on %d cores, %.2f of the pure hash rate (%.0f/s)\n",
        c, login, login / hash, cores * 1000 / login, cores, hash / login, cores * 1000 / hash }'
  done
  echo
  echo "How to read it: *API CPU ms/op* is the API process's user+system CPU time during the run divided"
  echo "by the 2xx answers; *of which system* is the kernel's part of it (for login and register mostly"
  echo "libsodium mapping, zeroing and unmapping Argon2's 19 MiB on every hash, as in the hash table);"
  echo "*Ops per API core-s* is the inverse of the CPU time, the throughput one fully used core gives."
  echo "*DB CPU* sums the PostgreSQL postmaster and all its children (backends, WAL writer, checkpointer,"
  echo "autovacuum). *DB commits* counts every transaction, single-statement reads included (and Npgsql's"
  echo "DISCARD ALL when a pooled connection is reused). *Redis commands* is INFO commandstats: an EVALSHA"
  echo "and each command its script runs count apart. Errors are non-2xx answers plus refresh answers"
  echo "without a new refresh cookie; they should be 0. Requests still in flight when wrk stops are done"
  echo "by the server but not counted, so per-operation counts can read a little above the true 1.00."
} >bench/capacity.md
echo >&2
cat bench/capacity.md
