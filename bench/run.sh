#!/usr/bin/env bash
# Gatehouse's benchmark: one command, about 4 minutes, writes bench/results.md and bench/results.svg.
#
#   bench/run.sh              the API on SQLite (the default deployment)
#   bench/run.sh --postgres   the API on a throwaway PostgreSQL (stock durability settings)
#
# Builds the API (Release) and the production web build, starts both on loopback with production
# settings (an ES256 signing key, Secure cookies), seeds users, and drives each scenario with wrk
# for a fixed time after a short unmeasured warm-up:
#   1. GET /health (no cookie), then GET /auth/is-authenticated and GET /auth/me with a valid cookie
#   2. POST /auth/login, against the pure hash rate (cores ÷ one Argon2id hash's CPU time, measured here)
#   3. POST /auth/refresh (rotation: a database write per request)
#   4. POST /auth/register
#   5. the web app's public page, its protected page (the proxy verifies the JWT locally), and the
#      same protected page with GATEHOUSE_SESSION_CHECK=remote (the proxy asks the API every time)
#   6. cold start to the first 200, idle and peak RSS of the API and the web server
# and runs the in-process BenchmarkDotNet suite (bench/Gatehouse.Benchmarks) with a short job.
# Every figure is also given as a ratio to its reference from the same run: this machine is shared,
# absolute rates drift from run to run, ratios hold. bench/report.mjs writes the table and chart.
#
#   DURATION=10   seconds of measured load per scenario      WARMUP=3   unmeasured seconds before it
#   CONNECTIONS=32  connections for the GET scenarios        SESSIONS=64  signed-in users they cycle through
#   OUT=bench     where results.md and results.svg go        SKIP_DOTNET_BENCHMARKS=1  skip BenchmarkDotNet
#
# Everything it starts (API, web server, PostgreSQL, wrk) is stopped and every temporary folder deleted
# on exit, Ctrl-C included. Nothing listens beyond 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 NEXT_TELEMETRY_DISABLED=1

database=sqlite
case "${1:-}" in
  "") ;;
  --postgres) database=postgres ;;
  *) echo "usage: bench/run.sh [--postgres]" >&2; exit 2 ;;
esac
duration=${DURATION:-10}
warmup=${WARMUP:-3}
connections=${CONNECTIONS:-32}
sessions=${SESSIONS:-64}
out=${OUT:-bench}
cores=$(nproc)
# Hashing endpoints: as many connections as the API hashes at once (PasswordHashing:MaxConcurrent),
# so requests queue in the API, not in wrk. Refresh: one connection per wrk thread, each its own chain.
hash_connections=$((2 * cores))
refresh_connections=8
origin=http://localhost:3000 # the API's default allowed origin; POSTs without it are refused (CSRF)
build_lock=/tmp/gatehouse-build.lock
started=$(date +%s)

die() { echo "bench/run.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
. scripts/services.sh # free_port, apt_install, start_postgres, stop_services

# --- What a fresh Debian machine lacks ----------------------------------------------------------
command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)"
command -v node >/dev/null 2>&1 || die "Node.js 20.19 or later is required"
missing=()
for tool in wrk curl openssl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
[ "$database" = postgres ] && ! postgres_bin >/dev/null && missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian's ${missing[*]}"
  apt_install "${missing[@]}" || die "could not install ${missing[*]}"
fi

work=$(mktemp -d /tmp/gatehouse-bench.XXXXXX)
api_pid="" web_pid="" wrk_pid="" sampler_pid=""
cleanup() {
  trap - EXIT INT TERM
  for pid in $wrk_pid $sampler_pid; do kill "$pid" 2>/dev/null || true; done
  stop_web
  stop_api
  stop_services
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Process accounting from /proc: CPU ticks (utime + stime, threads included) and RSS of a
# process and its children (the web server may fork workers).
ticks_per_second=$(getconf CLK_TCK)
tree() { echo "$1"; local child; for child in $(pgrep -P "$1" || true); do tree "$child"; done; }
cpu_ticks() { # pid → ticks of the process tree
  local total=0 pid
  for pid in $(tree "$1"); do
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0)))
  done
  echo "$total"
}
rss_kib() { # pid field(VmRSS|VmHWM) → KiB summed over the tree
  local total=0 pid value
  for pid in $(tree "$1"); do
    value=$(awk -v f="$2:" '$1 == f {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${value:-0}))
  done
  echo "$total"
}
# The kernel's peak RSS (VmHWM) can be reset (clear_refs 5), so each scenario's peak is its own.
reset_peak() { local pid; for pid in $(tree "$1"); do echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true; done; }

# --- The API, in Production: an ES256 key, Secure cookies, rate limits on but far beyond any load
# here, so the limiters' real path runs and never refuses.
api_port="" api_data=""
api_env=()
# Polls <url> every 10 ms until its first 200 and sets start_ms to the milliseconds since <begin>
# (date +%s%N); stops the run with the server's log if it exits, or after 30 s.
start_ms=""
wait_ready() { # name url pid log begin
  for _ in $(seq 1 3000); do
    if curl -fsS -o /dev/null "$2" 2>/dev/null; then
      start_ms=$((($(date +%s%N) - $5) / 1000000))
      return 0
    fi
    kill -0 "$3" 2>/dev/null || { tail -n 30 "$4" >&2; die "$1 did not start"; }
    sleep 0.01
  done
  die "$1 did not answer within 30 s"
}
start_api() { # → sets api_pid, and start_ms: milliseconds from the process's start to /health/ready's first 200
  api_port=$(free_port) || die "no free port"
  local begin
  begin=$(date +%s%N)
  (
    # Its own working folder, so no stray .env is read; the content root is the build output.
    cd "$api_data"
    exec env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_CONTENTROOT="$(dirname "$api_dll")" PORT="$api_port" \
      Gatehouse__Tokens__KeyPassphrase="$key_passphrase" \
      Gatehouse__Data__Directory="$api_data" \
      Gatehouse__RateLimits__Login__PerIp=1000000000 Gatehouse__RateLimits__Login__PerUser=1000000000 \
      Gatehouse__RateLimits__Refresh__PerIp=1000000000 Gatehouse__RateLimits__Refresh__PerUser=1000000000 \
      Gatehouse__RateLimits__Register__PerIp=1000000000 Gatehouse__RateLimits__Register__PerUser=1000000000 \
      "${api_env[@]}" dotnet "$api_dll"
  ) >>"$work/api.log" 2>&1 &
  api_pid=$!
  wait_ready "the API" "http://127.0.0.1:$api_port/health/ready" "$api_pid" "$work/api.log" "$begin"
}
stop_api() {
  [ -n "$api_pid" ] || return 0
  kill -TERM "$api_pid" 2>/dev/null || true
  wait "$api_pid" 2>/dev/null || true
  api_pid=""
}

# --- The web server: the production build (`next start`), reaching the API on loopback.
web_port=""
start_web() { # session-check-mode → sets web_pid, and start_ms: milliseconds to the first 200 of /
  web_port=$(free_port) || die "no free port"
  local begin
  begin=$(date +%s%N)
  (
    cd web
    # The heap cap run.sh and docs/deployment.md give the web server: without one, V8 sizes its heap
    # to the machine's memory and lets garbage pile up under load.
    exec env NODE_ENV=production NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=256}" \
      GATEHOUSE_API_URL="http://127.0.0.1:$api_port" GATEHOUSE_SESSION_CHECK="$1" \
      node node_modules/next/dist/bin/next start --hostname 127.0.0.1 --port "$web_port"
  ) >>"$work/web.log" 2>&1 &
  web_pid=$!
  wait_ready "the web server" "http://127.0.0.1:$web_port/" "$web_pid" "$work/web.log" "$begin"
}
stop_web() {
  [ -n "$web_pid" ] || return 0
  kill -TERM "$web_pid" 2>/dev/null || true
  wait "$web_pid" 2>/dev/null || true
  web_pid=""
}

# --- Users and sessions: post_json, seed_users, sign_in (shared with capacity.sh).
. bench/sessions.sh

# --- One scenario: wrk for a fixed time between two readings of each server's CPU, with each
# server's peak RSS reset before and read after. Appends a row to $work/scenarios.tsv.
run_wrk() { # seconds url mode threads connections tokens-file path → the BENCH line
  BENCH_MODE=$3 BENCH_ORIGIN=$origin BENCH_PASSWORD=$password BENCH_RUN_ID="reg$RANDOM$RANDOM" \
    BENCH_USERS_FILE="$work/users" BENCH_TOKENS_FILE=$6 BENCH_PATH=$7 BENCH_THREADS=$4 \
    wrk -t "$4" -c "$5" -d "${1}s" --timeout 10s -s bench/load.lua "$2" >"$work/wrk.out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || { cat "$work/wrk.out" >&2; die "wrk failed"; }
  wrk_pid=""
  grep '^BENCH ' "$work/wrk.out" || { cat "$work/wrk.out" >&2; die "wrk printed no result"; }
}
scenario() { # id label server(api|web) mode threads connections tokens-file path
  local id=$1 label=$2 server=$3 mode=$4 threads=$5 conns=$6 tokens=$7 path=$8 url
  if [ "$server" = web ]; then url="http://127.0.0.1:$web_port"; else url="http://127.0.0.1:$api_port"; fi
  log "$label: ${warmup}s warm-up, ${duration}s measured, $conns connections"
  if [ "$warmup" != 0 ]; then run_wrk "$warmup" "$url" "$mode" "$threads" "$conns" "$tokens" "$path" >/dev/null; fi
  local api0 web0=0 api1 web1=0 result
  reset_peak "$api_pid"; [ -n "$web_pid" ] && reset_peak "$web_pid"
  api0=$(cpu_ticks "$api_pid"); [ -n "$web_pid" ] && web0=$(cpu_ticks "$web_pid")
  result=$(run_wrk "$duration" "$url" "$mode" "$threads" "$conns" "$tokens" "$path")
  api1=$(cpu_ticks "$api_pid"); [ -n "$web_pid" ] && web1=$(cpu_ticks "$web_pid")
  local ok failed broken seconds p50 p99 statuses
  read -r ok failed broken seconds p50 p99 statuses < <(sed -E 's/[a-z0-9_]+=//g; s/^BENCH //' <<<"$result")
  echo "   $result" >&2
  [ "$ok" -gt 0 ] || die "$label: no successful responses ($result)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$label" "$server" "$conns" "$ok" \
    "$((failed + broken))" "$seconds" "$p50" "$p99" "$((api1 - api0))" "$((web1 - web0))" \
    "$(rss_kib "$api_pid" VmHWM)" "$( [ -n "$web_pid" ] && rss_kib "$web_pid" VmHWM || echo 0)" "$statuses" \
    >>"$work/scenarios.tsv"
}
dotnet_arch() { case $(uname -m) in aarch64 | arm64) echo arm64 ;; *) echo x64 ;; esac; }
fact() { printf '%s\t%s\n' "$1" "$2" >>"$work/facts.tsv"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)) }'; }

# ------------------------------------------------------------------------------------------------
log "publishing the API (Release, ReadyToRun)"
# As a deployment would: published for this platform with ReadyToRun, so start-up runs precompiled
# code instead of waiting for the JIT (docs/performance.md). flock -o: the build's long-lived helpers
# (MSBuild nodes, compiler server) must not inherit the lock.
flock -o "$build_lock" dotnet publish server/src/Gatehouse.Api -c Release -r "linux-$(dotnet_arch)" --self-contained false \
  -p:PublishReadyToRun=true -o "$work/api-bin" -v quiet -nologo --disable-build-servers >&2
api_dll=$work/api-bin/Gatehouse.Api.dll
log "building the web app (next build)"
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund >&2)
fi
(cd web && flock -o "$build_lock" npm run --silent build >"$work/next-build.log" 2>&1) || { cat "$work/next-build.log" >&2; die "next build failed"; }
log "one password hash (bench/hash-cost.cs)"
flock -o "$build_lock" dotnet build bench/hash-cost.cs -c Release -v quiet -nologo --disable-build-servers >&2

: >"$work/scenarios.tsv"
: >"$work/facts.tsv"
# The recommended production set-up: Gatehouse makes its ES256 keys and keeps them encrypted in the database.
key_passphrase=$(openssl rand -base64 32)
password="bench-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
api_data="$work/api"
mkdir -p "$api_data"
if [ "$database" = postgres ]; then
  start_postgres durable >&2 || die "PostgreSQL did not start"
  api_env=(Database__Provider=postgres ConnectionStrings__Default="$GATEHOUSE_TEST_POSTGRES")
  fact postgres "$("$(postgres_bin)/postgres" --version | awk '{print $3}')"
fi
fact load_before "$(cut -d ' ' -f 1-3 /proc/loadavg)"

# 6. Cold start: the first start creates the database (migrations, the signing key); the next ones
# are the restart a deployment does, timed from the process's start to /health/ready's first 200.
log "API cold start"
start_api; stop_api; fact api_first_start_ms "$start_ms"
starts=()
for _ in 1 2 3; do start_api; stop_api; starts+=("$start_ms"); done
fact api_start_ms "$(printf '%s\n' "${starts[@]}" | median)"
start_api # the instance every scenario runs against
sleep 1
fact api_idle_kib "$(rss_kib "$api_pid" VmRSS)"

log "seeding $sessions users"
seed_users "$sessions"
sign_in "$sessions" access_token "$work/access-tokens"

# 1. Protected API routes against the same server's unauthenticated route.
# Compared scenarios take turns, in rounds of half the duration each (the first round after its own
# warm-up), so a neighbour's burst or the runtime's late recompilation lands on both sides.
rounds() { # count, then "id|label|server|tokens|path" per scenario
  local count=$1 round spec id label server tokens path saved=$warmup
  shift
  local full=$duration
  duration=$(awk -v d="$full" -v n="$count" 'BEGIN { printf "%d", (d / n < 1 ? 1 : d / n) }')
  for round in $(seq 1 "$count"); do
    for spec in "$@"; do
      IFS='|' read -r id label server tokens path <<<"$spec"
      scenario "$id" "$label" "$server" get 2 "$connections" "$tokens" "$path"
    done
    warmup=0
  done
  warmup=$saved duration=$full
}
rounds 2 "health|GET /health (no cookie)|api||/health" \
  "is_authenticated|GET /auth/is-authenticated|api|$work/access-tokens|/auth/is-authenticated" \
  "me|GET /auth/me|api|$work/access-tokens|/auth/me"

# 2. Login against the pure hash rate: one hash on one thread, CPU time, measured now.
log "one Argon2id hash on one thread"
dotnet run --no-build -c Release bench/hash-cost.cs -- 2 >"$work/hash-cost.tsv"
fact hash_ms "$(awk -F '\t' '$2 == 1 && /Gatehouse/ {print $3; exit}' "$work/hash-cost.tsv")"
scenario login "POST /auth/login" api login "$hash_connections" "$hash_connections" "" ""

# 3. Refresh: each wrk thread its own chain of rotations, from sessions not used above.
sign_in "$refresh_connections" refresh_token "$work/refresh-tokens"
sign_in "$refresh_connections" refresh_token "$work/refresh-tokens-warm"
# The warm-up spends one set of chains (a chain's next token is only in wrk's memory), the measured run the other.
mv "$work/refresh-tokens-warm" "$work/refresh-tokens-1"
refresh_scenario() {
  run_wrk "$warmup" "http://127.0.0.1:$api_port" refresh "$refresh_connections" "$refresh_connections" "$work/refresh-tokens-1" "" >/dev/null
  local saved=$warmup; warmup=0
  scenario refresh "POST /auth/refresh" api refresh "$refresh_connections" "$refresh_connections" "$work/refresh-tokens" ""
  warmup=$saved
}
refresh_scenario

# 4. Register.
scenario register "POST /auth/register" api register "$hash_connections" "$hash_connections" "" ""

# 5. The web app: the public page, the protected page with the proxy's local check, then remote.
log "web cold start"
start_web local; fact web_start_ms "$start_ms"
sleep 1
fact web_idle_kib "$(rss_kib "$web_pid" VmRSS)"
rounds 2 "public_page|GET / (public page, signed out)|web||/" \
  "protected_page|GET /dashboard (protected, local check)|web|$work/access-tokens|/dashboard"
stop_web
start_web remote
scenario protected_page_remote "GET /dashboard (protected, remote check)" web get 2 "$connections" "$work/access-tokens" /dashboard
stop_web
stop_api

# The in-process BenchmarkDotNet suite, if present (bench/Gatehouse.Benchmarks).
bdn_csv=""
if [ -z "${SKIP_DOTNET_BENCHMARKS:-}" ] && [ -f bench/Gatehouse.Benchmarks/Gatehouse.Benchmarks.csproj ]; then
  log "BenchmarkDotNet (bench/Gatehouse.Benchmarks)"
  flock -o "$build_lock" dotnet build bench/Gatehouse.Benchmarks -c Release -v quiet -nologo --disable-build-servers >&2
  dotnet run --no-build -c Release --project bench/Gatehouse.Benchmarks -- --filter '*' --artifacts "$work/bdn" >"$work/bdn.log" 2>&1 \
    || { tail -n 40 "$work/bdn.log" >&2; die "BenchmarkDotNet failed"; }
  bdn_csv=$(find "$work/bdn" -name '*-report.csv' | sort | tr '\n' ' ')
fi

fact database "$database"
fact cores "$cores"
fact cpu "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
fact dotnet "$(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App/ {v = $2} END {print v}')"
fact node "$(node --version)"
fact next "$(node -p "require('./web/node_modules/next/package.json').version")"
fact wrk "$(wrk -v 2>&1 | sed -n '1s/^wrk \([^ ]*\).*/\1/p')"
fact commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git status --porcelain -- server web bench 2>/dev/null | grep -q . && echo '+changes' || true)"
fact date "$(date -u '+%Y-%m-%d %H:%M UTC')"
fact duration "$duration"
fact warmup "$warmup"
fact connections "$connections"
fact sessions "$sessions"
fact hash_connections "$hash_connections"
fact refresh_connections "$refresh_connections"
fact ticks_per_second "$ticks_per_second"
fact elapsed_s "$(($(date +%s) - started))"

mkdir -p "$out"
node bench/report.mjs "$work/facts.tsv" "$work/scenarios.tsv" "$out" $bdn_csv
log "wrote $out/results.md and $out/results.svg in $(($(date +%s) - started)) s"
cat "$out/results.md"
