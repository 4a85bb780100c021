#!/usr/bin/env bash
# Gatehouse's benchmark: one command, about 6 minutes, writes bench/results.md and bench/results.svg.
#
#   bench/run.sh              the API on SQLite (the default deployment)
#   bench/run.sh --postgres   the API on a throwaway PostgreSQL (stock durability settings)
#
# Builds the API (Release) and the production web build, starts both on loopback with production
# settings (an ES256 signing key, Secure cookies), seeds users, and drives each scenario with wrk
# for a fixed time after a short unmeasured warm-up:
#   1. GET /health (no cookie), then GET /auth/is-authenticated and GET /auth/me with a valid cookie
#   2. POST /auth/login, against the pure hash rate: bench/hash-cost.cs hashing on `nproc` threads at
#      once in one process (libsodium's Argon2id, the API's m=19456 KiB, t=2, p=1), hashes per second
#   3. POST /auth/refresh (rotation: a database write per request)
#   3b. second factors: users enrolled through the API with TOTP and a passkey (bench/second-factor.cs,
#      Otp.NET's codes and a software WebAuthn authenticator), then password-only sign-ins, sign-ins
#      with TOTP (POST /auth/login → mfaRequired, POST /auth/login/mfa {code}) and passwordless
#      passkey sign-ins (POST /auth/passkeys/login/options, POST /auth/passkeys/login), taking turns;
#      compared by the API's CPU time per completed sign-in
#   4. POST /auth/register
#   5. the web app's public page, its protected page (the proxy verifies the JWT locally), and the
#      same protected page on a second web server with GATEHOUSE_SESSION_CHECK=remote (the proxy asks
#      the API every time)
#   6. restarts to the API's first 200, idle and peak RSS of the API and the web server
#   7. mail: the outbox's delivery rate, on an API instance of its own that sends to a local SMTP
#      sink (bench/smtp-sink.cs, counting arrivals): MAILS rows are written straight into the outbox
#      table, as the endpoints' transactions write them, and the sink times the first to the last
#      arrival. (The other scenarios run with Gatehouse__Email__Enabled=false: no mail perturbs them.)
#      Then, on the same instance, POST /auth/password/forgot's cost against a sign-in's: the API's
#      CPU per request until every request's mail is in the outbox.
#   8. the admin user search: ADMIN_USERS accounts written straight into the AspNetUsers table (one
#      INSERT … SELECT, not the API), a seeded user made an admin by `--grant-role admin --user`, then
#      GET /admin/users?q=<prefix> (a prefix that matches 100 accounts: a full page of 50 and a cursor)
#      and GET /admin/users?unverified=true (a filter: one account in ten) with that admin's cookie
# and runs the in-process BenchmarkDotNet suite (bench/Gatehouse.Benchmarks) with a short job.
#
# Every target is measured in ROUNDS rounds and reported as the median with its spread (lowest to
# highest round), judged on the median, so a neighbour's burst decides no verdict. Compared scenarios
# take turns within each round (health / is-authenticated / me; login / pure hash / register; public /
# protected / remote-check page; in reverse order every other round), and each round's ratio compares
# figures taken side by side. API start-up is the median of ROUNDS restarts; peak RSS is the maximum
# over every round (a bound). Every figure is also given as a ratio to its reference from the same
# run: this machine is shared, absolute rates drift from run to run, ratios hold. bench/report.mjs
# writes the table and chart.
#
#   DURATION=12   measured seconds per scenario, split over the rounds   WARMUP=3   unmeasured seconds before round 1
#   ROUNDS=3      rounds per target (at least 3 for a median with a spread)
#   CONNECTIONS=32  connections for the GET scenarios        SESSIONS=64  signed-in users they cycle through
#   HASH_CONCURRENCY=<cores>  the one knob for sign-in concurrency: the API admits this many hashes
#                 at once (passed as Gatehouse__Passwords__MaxConcurrent) and wrk drives login and
#                 register with twice as many connections, so a request always waits at the API's
#                 gate and a core never idles between hashes for want of one. Its default is the
#                 API's default; try others to find the best sign-in rate
#   MAILS=1000    mails per round of the mail scenario
#   MFA_USERS=300 users enrolled with a second factor (each TOTP time step is accepted once per user,
#                 so a TOTP sign-in needs a user who has not signed in during this 30 s step)
#   ADMIN_USERS=100000  accounts in the database for the admin search
#   ADMIN_CONNECTIONS=4 connections for the admin search: a few people at the console, one or two
#                 searches in flight per core. Its target is a latency (p99 ≤ 50 ms); at CONNECTIONS
#                 (32) on two cores every search waits behind ~30 others, and the p99 measures that queue
#   ONLY=get,login,register,refresh,totp,passkey,web,start,mail,admin,benchmarkdotnet   run only these parts, for a quick check:
#                 get (health / is-authenticated / me), login (with the pure hash rate), register,
#                 refresh, totp and passkey (each with the password-only sign-in it is compared with), web (public / protected / remote-check page; builds the web app), start (the
#                 API's restarts), mail (the outbox to an SMTP sink), admin (the admin user search), benchmarkdotnet. Default: all. A partial run writes its results to a
#                 temporary folder unless OUT is given, so bench/results.md always holds a full run
#                 e.g. ONLY=login,refresh DURATION=6 WARMUP=1 bench/run.sh
#   OUT=bench     where results.md and results.svg go        SKIP_DOTNET_BENCHMARKS=1  skip BenchmarkDotNet
#
# Everything it starts (API, web servers, PostgreSQL, wrk, the hash process) is stopped and every
# temporary folder deleted on exit, Ctrl-C included. Nothing listens beyond 127.0.0.1.
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
duration=${DURATION:-12}
warmup=${WARMUP:-3}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-32}
sessions=${SESSIONS:-64}
cores=$(nproc)
# Login and register: as many connections as the API hashes at once, the same number passed to the
# API, so requests queue in the API, not in wrk. Refresh: one connection per wrk thread, each its own chain.
hash_concurrency=${HASH_CONCURRENCY:-$cores} # the API's default for Gatehouse:Passwords:MaxConcurrent
refresh_connections=8
mails=${MAILS:-1000}
mfa_users=${MFA_USERS:-300}
admin_users=${ADMIN_USERS:-100000}
admin_connections=${ADMIN_CONNECTIONS:-4}
parts=${ONLY:-get,login,register,refresh,totp,passkey,web,start,mail,admin,benchmarkdotnet}
for part in ${parts//,/ }; do
  case $part in
    get | login | register | refresh | totp | passkey | web | start | mail | admin | benchmarkdotnet) ;;
    *) echo "bench/run.sh: ONLY: unknown part '$part' (get, login, register, refresh, totp, passkey, web, start, mail, admin, benchmarkdotnet)" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: ROUNDS must be a positive number" >&2; exit 2; }
[[ $hash_concurrency =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: HASH_CONCURRENCY must be a positive number" >&2; exit 2; }
[[ $mfa_users =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: MFA_USERS must be a positive number" >&2; exit 2; }
[[ $admin_users =~ ^[1-9][0-9]*$ ]] && [ "$admin_users" -ge 1000 ] || { echo "bench/run.sh: ADMIN_USERS must be a number of at least 1000" >&2; exit 2; }
[[ $admin_connections =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: ADMIN_CONNECTIONS must be a whole number of at least 1" >&2; exit 2; }
[[ $mails =~ ^[1-9][0-9]*$ ]] && [ "$mails" -ge 2 ] || { echo "bench/run.sh: MAILS must be a number of at least 2" >&2; exit 2; }
wants() { [[ ",$parts," == *",$1,"* ]]; }
[ -n "${SKIP_DOTNET_BENCHMARKS:-}" ] && parts=${parts//benchmarkdotnet/}
# A partial run never overwrites bench/results.md, which holds the last full run.
if [ -n "${ONLY:-}" ] && [ -z "${OUT:-}" ]; then out=$(mktemp -d /tmp/gatehouse-bench-results.XXXXXX); else out=${OUT:-bench}; fi
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
for tool in wrk curl openssl $({ wants mail || wants admin; } && [ "$database" = sqlite ] && echo sqlite3); do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
[ "$database" = postgres ] && ! postgres_bin >/dev/null && missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian's ${missing[*]}"
  apt_install "${missing[@]}" || die "could not install ${missing[*]}"
fi

work=$(mktemp -d /tmp/gatehouse-bench.XXXXXX)
api_pid="" web_pid="" web_pids="" wrk_pid="" hash_pid="" sink_pid=""
cleanup() {
  trap - EXIT INT TERM
  for pid in $wrk_pid $hash_pid $sink_pid; do kill "$pid" 2>/dev/null || true; done
  stop_webs
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
# Mail is off unless the mail scenario turns it on for its own instance: Production needs an SMTP server.
api_env=() mail_env=(Gatehouse__Email__Enabled=false)
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
      Gatehouse__Tokens__KeyPassphrase="$key_passphrase" Gatehouse__Mfa__EncryptionKey="$mfa_key" \
      Gatehouse__Data__Directory="$api_data" \
      Gatehouse__RateLimits__Login__PerIp=1000000000 Gatehouse__RateLimits__Login__PerUser=1000000000 \
      Gatehouse__RateLimits__Refresh__PerIp=1000000000 Gatehouse__RateLimits__Refresh__PerUser=1000000000 \
      Gatehouse__RateLimits__Register__PerIp=1000000000 Gatehouse__RateLimits__Register__PerUser=1000000000 \
      Gatehouse__RateLimits__PasswordForgot__PerIp=1000000000 Gatehouse__RateLimits__PasswordForgot__PerUser=1000000000 \
      Gatehouse__RateLimits__SecondFactor__PerIp=1000000000 Gatehouse__RateLimits__SecondFactor__PerUser=1000000000 \
      Gatehouse__RateLimits__MfaSetup__PerIp=1000000000 Gatehouse__RateLimits__MfaSetup__PerUser=1000000000 \
      Gatehouse__RateLimits__Passkey__PerIp=1000000000 Gatehouse__RateLimits__Passkey__PerUser=1000000000 \
      Gatehouse__RateLimits__Admin__PerIp=1000000000 Gatehouse__RateLimits__Admin__PerUser=1000000000 \
      Gatehouse__Passwords__MaxConcurrent="$hash_concurrency" \
      "${api_env[@]}" "${mail_env[@]}" dotnet "$api_dll"
  ) >>"$work/api.log" 2>&1 &
  api_pid=$!
  wait_ready "the API" "http://127.0.0.1:$api_port/health/ready" "$api_pid" "$work/api.log" "$begin"
}
# A one-shot command of the API (e.g. --grant-role) with the running instance's settings and database.
api_command() { # arguments...
  (
    cd "$api_data"
    exec env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_CONTENTROOT="$(dirname "$api_dll")" \
      Gatehouse__Tokens__KeyPassphrase="$key_passphrase" Gatehouse__Mfa__EncryptionKey="$mfa_key" \
      Gatehouse__Data__Directory="$api_data" "${api_env[@]}" "${mail_env[@]}" dotnet "$api_dll" "$@"
  )
}
stop_api() {
  [ -n "$api_pid" ] || return 0
  kill -TERM "$api_pid" 2>/dev/null || true
  wait "$api_pid" 2>/dev/null || true
  api_pid=""
}

# --- The web servers: the production build (`next start`), reaching the API on loopback. Two may run
# at once (local and remote session checks), so their pages take turns; web_pid and web_port name the
# one the next scenario drives.
web_port=""
start_web() { # session-check-mode → sets web_pid and web_port, and start_ms: milliseconds to the first 200 of /
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
  ) >>"$work/web-$1.log" 2>&1 &
  web_pid=$!
  web_pids="$web_pids $web_pid"
  wait_ready "the web server" "http://127.0.0.1:$web_port/" "$web_pid" "$work/web-$1.log" "$begin"
}
stop_webs() {
  local pid
  for pid in $web_pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $web_pids; do wait "$pid" 2>/dev/null || true; done
  web_pids="" web_pid=""
}

# --- Users and sessions: post_json, seed_users, sign_in (shared with capacity.sh).
. bench/sessions.sh

# --- One scenario: wrk for a fixed time between two readings of each server's CPU, with each
# server's peak RSS reset before and read after. Appends a row to $work/scenarios.tsv, marked with
# the current $round.
round=1
run_wrk() { # seconds url mode threads connections tokens-file path → the BENCH line
  BENCH_MODE=$3 BENCH_ORIGIN=$origin BENCH_PASSWORD=$password BENCH_RUN_ID="reg$RANDOM$RANDOM" \
    BENCH_USERS_FILE="$work/users" BENCH_TOKENS_FILE=$6 BENCH_PATH=$7 BENCH_THREADS=$4 \
    wrk -t "$4" -c "$5" -d "${1}s" --timeout 10s -s bench/load.lua "$2" >"$work/wrk.out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || { cat "$work/wrk.out" >&2; die "wrk failed"; }
  wrk_pid=""
  grep '^BENCH ' "$work/wrk.out" || { cat "$work/wrk.out" >&2; die "wrk printed no result"; }
}
row() { # the columns report.mjs reads, tab-separated
  local IFS=$'\t'
  echo "$*" >>"$work/scenarios.tsv"
}
scenario() { # id label server(api|web) mode threads connections tokens-file path
  local id=$1 label=$2 server=$3 mode=$4 threads=$5 conns=$6 tokens=$7 path=$8 url web=""
  if [ "$server" = web ]; then url="http://127.0.0.1:$web_port"; web=$web_pid; else url="http://127.0.0.1:$api_port"; fi
  log "$label, round $round: ${warmup}s warm-up, ${duration}s measured, $conns connections"
  if [ "$warmup" != 0 ]; then run_wrk "$warmup" "$url" "$mode" "$threads" "$conns" "$tokens" "$path" >/dev/null; fi
  local api0 web0=0 api1 web1=0 result
  reset_peak "$api_pid"; [ -n "$web" ] && reset_peak "$web"
  api0=$(cpu_ticks "$api_pid"); [ -n "$web" ] && web0=$(cpu_ticks "$web")
  result=$(run_wrk "$duration" "$url" "$mode" "$threads" "$conns" "$tokens" "$path")
  api1=$(cpu_ticks "$api_pid"); [ -n "$web" ] && web1=$(cpu_ticks "$web")
  local ok failed broken seconds p50 p99 statuses
  read -r ok failed broken seconds p50 p99 statuses < <(sed -E 's/[a-z0-9_]+=//g; s/^BENCH //' <<<"$result")
  echo "   $result" >&2
  [ "$ok" -gt 0 ] || die "$label: no successful responses ($result)"
  row "$id" "$round" "$label" "$server" "$conns" "$ok" "$((failed + broken))" "$seconds" "$p50" "$p99" \
    "$((api1 - api0))" "$((web1 - web0))" "$(rss_kib "$api_pid" VmHWM)" "$( [ -n "$web" ] && rss_kib "$web" VmHWM || echo 0)" "$statuses"
}
# The second-factor sign-ins and their reference: bench/second-factor.cs drives whole flows (a TOTP
# sign-in is two requests, a passkey sign-in two, with a code or a signed assertion made between them),
# which wrk cannot, and prints a BENCH line as load.lua does, a "request" being one completed sign-in.
# The three take turns in each round, driven by the same client, and are compared by the API's CPU
# time per completed sign-in, not by rate: a TOTP run may wait for the next time step (each step
# counts once per user), and wall time spent waiting says nothing about the API.
run_flows() { # seconds mode users-file → the BENCH line
  BENCH_ORIGIN=$origin BENCH_PASSWORD=$password BENCH_API_PID=$api_pid dotnet run --no-build -c Release bench/second-factor.cs -- \
    run "$2" "http://127.0.0.1:$api_port" "$1" "$((2 * hash_concurrency))" "$3" >"$work/flows.out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || { cat "$work/flows.out" >&2; die "bench/second-factor.cs failed"; }
  wrk_pid=""
  grep '^BENCH ' "$work/flows.out" || { cat "$work/flows.out" >&2; die "bench/second-factor.cs printed no result"; }
}
flows() { # id label mode users-file
  local id=$1 label=$2 mode=$3 users=$4
  log "$label, round $round: ${warmup}s warm-up, ${duration}s measured, $((2 * hash_concurrency)) flows at once"
  if [ "$warmup" != 0 ]; then run_flows "$warmup" "$mode" "$users" >/dev/null; fi
  local result ok failed broken seconds p50 p99 statuses api_ticks
  reset_peak "$api_pid"
  # The client reads the API's CPU itself, from its first sign-in to its last, less the pauses in which
  # every flow waited for the next TOTP step (the API idled; idle time is no sign-in's cost).
  result=$(run_flows "$duration" "$mode" "$users")
  read -r ok failed broken seconds p50 p99 statuses api_ticks < <(sed -E 's/[a-z0-9_]+=//g; s/^BENCH //' <<<"$result")
  echo "   $result" >&2
  [ "$ok" -gt 0 ] || die "$label: no completed sign-ins ($result)"
  [ "$failed" = 0 ] || die "$label: $failed sign-ins failed ($result)"
  row "$id" "$round" "$label" api "$((2 * hash_concurrency))" "$ok" "$((failed + broken))" "$seconds" "$p50" "$p99" \
    "$api_ticks" 0 "$(rss_kib "$api_pid" VmHWM)" 0 "$statuses"
}
# The pure hash rate: bench/hash-cost.cs on as many threads as cores, nothing else, in one process
# (the API idles meanwhile). Its CPU per hash goes in the API CPU column, its peak RSS nowhere.
pure_hash() {
  log "Argon2id alone on $cores threads (bench/hash-cost.cs), round $round: ${duration}s measured"
  dotnet run --no-build -c Release bench/hash-cost.cs -- --rate "$cores" "$duration" >"$work/hash.out" 2>&1 &
  hash_pid=$!
  wait "$hash_pid" || { cat "$work/hash.out" >&2; die "bench/hash-cost.cs failed"; }
  hash_pid=""
  local result hashes rate cpu_ms
  result=$(grep '^HASH ' "$work/hash.out") || { cat "$work/hash.out" >&2; die "bench/hash-cost.cs printed no result"; }
  echo "   $result" >&2
  read -r _ hashes _ rate cpu_ms < <(sed -E 's/[a-z_]+=//g; s/^HASH //' <<<"$result")
  # As a wrk row: the hashes, and the seconds that give its rate; the process's CPU as ticks.
  row pure_hash "$round" "Argon2id alone, $cores threads (bench/hash-cost.cs)" hash "$cores" "$hashes" 0 \
    "$(awk -v n="$hashes" -v r="$rate" 'BEGIN { printf "%.3f", n / r }')" 0 0 \
    "$(awk -v n="$hashes" -v c="$cpu_ms" -v hz="$ticks_per_second" 'BEGIN { printf "%d", n * c * hz / 1000 + 0.5 }')" 0 0 0 "hashes=$hashes"
}
# Refresh: each wrk thread its own chain of rotations, from sessions signed in for this round (a
# chain's next token lives only in wrk's memory); the warm-up spends a set of its own.
refresh() {
  if [ "$warmup" != 0 ]; then
    sign_in "$refresh_connections" refresh_token "$work/refresh-tokens-warm"
    log "POST /auth/refresh: ${warmup}s warm-up"
    run_wrk "$warmup" "http://127.0.0.1:$api_port" refresh "$refresh_connections" "$refresh_connections" "$work/refresh-tokens-warm" "" >/dev/null
  fi
  sign_in "$refresh_connections" refresh_token "$work/refresh-tokens"
  local saved=$warmup; warmup=0
  scenario refresh "POST /auth/refresh" api refresh "$refresh_connections" "$refresh_connections" "$work/refresh-tokens" ""
  warmup=$saved
}
# The outbox's delivery rate: bench/smtp-sink.cs listens, MAILS rows go into the outbox in one
# statement (the API's sender finds them at its next poll), and the sink times first to last arrival.
# The rows are what MailOutbox.Enqueue writes: a verification mail's subject, text and HTML parts.
mail_text="Confirm that this address is yours to finish setting up your account.

Verify your email address:
http://localhost:3000/auth/verify-email?token=Q2hhbmdlIHRoaXMgdG9rZW4gaW4gYSByZWFsIG1haWw

If you did not sign up, ignore this mail.

— Gatehouse"
mail_html="<!doctype html><html><head><meta charset=\"utf-8\"><title>Gatehouse: Verify your email address</title></head><body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1f2328;max-width:36rem;margin:0 auto;padding:1.5rem\"><p style=\"font-weight:600;font-size:1.1rem\">Gatehouse</p><p>Confirm that this address is yours to finish setting up your account.</p><p><a href=\"http://localhost:3000/auth/verify-email?token=Q2hhbmdlIHRoaXMgdG9rZW4gaW4gYSByZWFsIG1haWw\" style=\"display:inline-block;background:#1f6feb;color:#fff;padding:.6rem 1rem;border-radius:6px;text-decoration:none\">Verify your email address</a></p><p style=\"font-size:.9rem;color:#57606a\">Or open this address: <br>http://localhost:3000/auth/verify-email?token=Q2hhbmdlIHRoaXMgdG9rZW4gaW4gYSByZWFsIG1haWw</p><p style=\"font-size:.9rem;color:#57606a\">If you did not sign up, ignore this mail.</p></body></html>"
enqueue_mails() { # count
  local text=${mail_text//\'/\'\'} html=${mail_html//\'/\'\'}
  if [ "$database" = postgres ]; then
    postgres_psql -d gatehouse -v ON_ERROR_STOP=1 -q -c "INSERT INTO \"Outbox\" (\"Id\", \"Kind\", \"To\", \"Subject\", \"TextBody\", \"HtmlBody\", \"CreatedAt\", \"NextAttemptAt\", \"Attempts\")
      SELECT gen_random_uuid(), 'verify_email', 'bench-' || i || '@example.com', 'Gatehouse: Verify your email address', '$text', '$html', now(), now(), 0
      FROM generate_series(1, $1) AS i" >&2
  else
    # EF Core's SQLite layout: a Guid as upper-case text, a DateTime as 'yyyy-MM-dd HH:mm:ss.fff'.
    sqlite3 "$api_data/gatehouse.db" ".timeout 30000" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
      INSERT INTO Outbox (Id, Kind, \"To\", Subject, TextBody, HtmlBody, CreatedAt, NextAttemptAt, Attempts)
      SELECT upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-8' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
        'verify_email', 'bench-' || i || '@example.com', 'Gatehouse: Verify your email address', '$text', '$html',
        strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'), 0
      FROM n" >&2
  fi
}
mail_round() {
  log "outbox to a local SMTP sink (bench/smtp-sink.cs), round $round: $mails mails"
  dotnet run --no-build -c Release bench/smtp-sink.cs -- "$mail_port" "$mails" 120 >"$work/mail.out" 2>&1 &
  sink_pid=$!
  local listening=""
  for _ in $(seq 1 500); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$mail_port") 2>/dev/null; then listening=1; break; fi
    kill -0 "$sink_pid" 2>/dev/null || break
    sleep 0.02
  done
  [ -n "$listening" ] || { cat "$work/mail.out" >&2; die "the SMTP sink did not start"; }
  local api0 api1 result count seconds
  reset_peak "$api_pid"
  api0=$(cpu_ticks "$api_pid")
  enqueue_mails "$mails"
  wait "$sink_pid" || { cat "$work/mail.out" >&2; tail -n 20 "$work/api.log" >&2; die "the outbox did not deliver $mails mails within 120 s"; }
  sink_pid=""
  api1=$(cpu_ticks "$api_pid")
  result=$(grep '^MAIL ' "$work/mail.out") || { cat "$work/mail.out" >&2; die "bench/smtp-sink.cs printed no result"; }
  echo "   $result" >&2
  read -r count seconds _ < <(sed -E 's/[a-z_]+=//g; s/^MAIL //' <<<"$result")
  # As a wrk row: the mails over the first-to-last seconds, one SMTP connection, the API's CPU.
  row mail "$round" "Outbox → local SMTP sink (mails delivered)" mail 1 "$count" 0 "$seconds" 0 0 \
    "$((api1 - api0))" 0 "$(rss_kib "$api_pid" VmHWM)" 0 "mails=$count"
}
# The forgot-password request against a sign-in: it answers before it looks anything up (so its
# timing says nothing), and the rest (the lookup, voiding older links, a token, the mail's outbox row,
# the audit row) runs after the answer. So its cost is all the API's CPU from the first request until
# the last one's mail is in the outbox, per request: one wrk connection for one second (within the
# API's queue of 10,000), then a wait until every request's row is written.
outbox_rows() { # kind → how many outbox rows of that kind
  if [ "$database" = postgres ]; then
    postgres_psql -d gatehouse -t -A -q -c "SELECT count(*) FROM \"Outbox\" WHERE \"Kind\" = '$1'"
  else
    sqlite3 "$api_data/gatehouse.db" ".timeout 30000" "SELECT count(*) FROM Outbox WHERE Kind = '$1'"
  fi
}
forgot_round() {
  log "POST /auth/password/forgot, round $round: 1 s, 1 connection, then until every mail is written"
  local before api0 api1 result ok failed broken seconds p50 p99 statuses expected written
  before=$(outbox_rows password_reset)
  reset_peak "$api_pid"
  api0=$(cpu_ticks "$api_pid")
  result=$(run_wrk 1 "http://127.0.0.1:$api_port" forgot 1 1 "" "")
  read -r ok failed broken seconds p50 p99 statuses < <(sed -E 's/[a-z0-9_]+=//g; s/^BENCH //' <<<"$result")
  echo "   $result" >&2
  [ "$ok" -gt 0 ] || die "forgot password: no successful responses ($result)"
  expected=$((before + ok))
  for _ in $(seq 1 600); do
    written=$(outbox_rows password_reset)
    [ "$written" -ge "$expected" ] && break
    sleep 0.1
  done
  [ "$written" -ge "$expected" ] || { tail -n 20 "$work/api.log" >&2; die "forgot password: $((written - before)) of $ok mails written within 60 s"; }
  api1=$(cpu_ticks "$api_pid")
  row forgot "$round" "POST /auth/password/forgot (its mail written)" api 1 "$ok" "$((failed + broken))" "$seconds" "$p50" "$p99" \
    "$((api1 - api0))" 0 "$(rss_kib "$api_pid" VmHWM)" 0 "$statuses"
}
# 8. The admin search's accounts, written as EF Core writes them (SQLite: a Guid as upper-case text, a
# DateTimeOffset as 'yyyy-MM-dd HH:mm:ss+00:00'), named bench-user-000000 on; one in ten unverified,
# one in seven with a second factor. No password: nobody signs in as them.
seed_admin_users() { # count
  if [ "$database" = postgres ]; then
    postgres_psql -d gatehouse -v ON_ERROR_STOP=1 -q -c "INSERT INTO \"AspNetUsers\" (\"Id\", \"UserName\", \"NormalizedUserName\", \"Email\", \"NormalizedEmail\",
        \"EmailConfirmed\", \"SecurityStamp\", \"ConcurrencyStamp\", \"PhoneNumberConfirmed\", \"TwoFactorEnabled\", \"LockoutEnabled\",
        \"AccessFailedCount\", \"CreatedAt\", \"TotpEnabled\", \"PasswordResetRequired\")
      SELECT gen_random_uuid(), n, upper(n), n || '@example.com', upper(n || '@example.com'), i % 10 <> 0, md5(random()::text), gen_random_uuid()::text,
        false, i % 7 = 0, true, 0, now(), i % 7 = 0, false
      FROM generate_series(0, $1 - 1) AS i, LATERAL (SELECT 'bench-user-' || lpad(i::text, 6, '0') AS n) AS name;
      ANALYZE \"AspNetUsers\";" >&2
  else
    sqlite3 "$api_data/gatehouse.db" ".timeout 30000" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1),
      names(i, n) AS (SELECT i, 'bench-user-' || printf('%06d', i) FROM n)
      INSERT INTO AspNetUsers (Id, UserName, NormalizedUserName, Email, NormalizedEmail, EmailConfirmed, SecurityStamp, ConcurrencyStamp,
        PhoneNumberConfirmed, TwoFactorEnabled, LockoutEnabled, AccessFailedCount, CreatedAt, TotpEnabled, PasswordResetRequired)
      SELECT upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-8' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
        n, upper(n), n || '@example.com', upper(n || '@example.com'), i % 10 <> 0, hex(randomblob(16)), lower(hex(randomblob(16))),
        0, i % 7 = 0, 1, 0, strftime('%Y-%m-%d %H:%M:%S', 'now') || '+00:00', i % 7 = 0, 0
      FROM names" >&2
  fi
}
step() { # one scenario of a round, by id
  case $1 in
    health) scenario health "GET /health (no cookie)" api get 2 "$connections" "" /health ;;
    is_authenticated) scenario is_authenticated "GET /auth/is-authenticated" api get 2 "$connections" "$work/access-tokens" /auth/is-authenticated ;;
    me) scenario me "GET /auth/me" api get 2 "$connections" "$work/access-tokens" /auth/me ;;
    login) scenario login "POST /auth/login" api login "$hash_concurrency" "$((2 * hash_concurrency))" "" "" ;;
    pure_hash) pure_hash ;;
    register) scenario register "POST /auth/register" api register "$hash_concurrency" "$((2 * hash_concurrency))" "" "" ;;
    refresh) refresh ;;
    mail) mail_round ;;
    forgot) forgot_round ;;
    password_sign_in) flows password_sign_in "Password sign-in (bench/second-factor.cs)" password "$work/users" ;;
    totp_sign_in) flows totp_sign_in "Sign-in with TOTP (password, then code)" totp "$work/mfa-users" ;;
    admin_search) scenario admin_search "GET /admin/users?q=bench-user-0042 ($admin_users users)" api get 2 "$admin_connections" "$work/admin-tokens" "/admin/users?q=bench-user-0042" ;;
    admin_filter) scenario admin_filter "GET /admin/users?unverified=true ($admin_users users)" api get 2 "$admin_connections" "$work/admin-tokens" "/admin/users?unverified=true" ;;
    passkey_sign_in) flows passkey_sign_in "Passkey sign-in (no password)" passkey "$work/mfa-users" ;;
    public_page) web_pid=$web_local_pid web_port=$web_local_port
      scenario public_page "GET / (public page, signed out)" web get 2 "$connections" "" / ;;
    protected_page) web_pid=$web_local_pid web_port=$web_local_port
      scenario protected_page "GET /dashboard (protected, local check)" web get 2 "$connections" "$work/access-tokens" /dashboard ;;
    protected_page_remote) web_pid=$web_remote_pid web_port=$web_remote_port
      scenario protected_page_remote "GET /dashboard (protected, remote check)" web get 2 "$connections" "$work/access-tokens" /dashboard ;;
    *) die "no scenario $1" ;;
  esac
}
# Runs the given scenarios in $rounds rounds of duration ÷ rounds seconds each, taking turns within
# each round, in reverse order every other round so that no scenario always goes first. Each
# scenario's warm-up runs before its first round only.
rounds() { # id...
  local saved_warmup=$warmup saved_duration=$duration order id
  duration=$(awk -v d="$duration" -v n="$rounds" 'BEGIN { printf "%d", (d / n < 1 ? 1 : d / n) }')
  for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then order=("$@"); else order=(); for id in "$@"; do order=("$id" "${order[@]}"); done; fi
    for id in "${order[@]}"; do step "$id"; done
    warmup=0
  done
  warmup=$saved_warmup duration=$saved_duration round=1
}
dotnet_arch() { case $(uname -m) in aarch64 | arm64) echo arm64 ;; *) echo x64 ;; esac; }
fact() { printf '%s\t%s\n' "$1" "$2" >>"$work/facts.tsv"; }

# ------------------------------------------------------------------------------------------------
log "publishing the API (Release, ReadyToRun)"
# As a deployment would: published for this platform with ReadyToRun, so start-up runs precompiled
# code instead of waiting for the JIT (docs/performance.md). flock -o: the build's long-lived helpers
# (MSBuild nodes, compiler server) must not inherit the lock.
flock -o "$build_lock" dotnet publish server/src/Gatehouse.Api -c Release -r "linux-$(dotnet_arch)" --self-contained false \
  -p:PublishReadyToRun=true -o "$work/api-bin" -v quiet -nologo --disable-build-servers >&2
api_dll=$work/api-bin/Gatehouse.Api.dll
if wants web; then
  log "building the web app (next build)"
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    (cd web && npm ci --no-audit --no-fund >&2)
  fi
  (cd web && flock -o "$build_lock" npm run --silent build >"$work/next-build.log" 2>&1) || { cat "$work/next-build.log" >&2; die "next build failed"; }
fi
if wants login || wants register; then
  log "building bench/hash-cost.cs"
  flock -o "$build_lock" dotnet build bench/hash-cost.cs -c Release -v quiet -nologo --disable-build-servers >&2
fi
if wants totp || wants passkey; then
  log "building bench/second-factor.cs"
  flock -o "$build_lock" dotnet build bench/second-factor.cs -c Release -v quiet -nologo --disable-build-servers >&2
fi
if wants mail; then
  log "building bench/smtp-sink.cs"
  flock -o "$build_lock" dotnet build bench/smtp-sink.cs -c Release -v quiet -nologo --disable-build-servers >&2
fi

: >"$work/scenarios.tsv"
: >"$work/facts.tsv"
# The recommended production set-up: Gatehouse makes its ES256 keys and keeps them encrypted in the database.
key_passphrase=$(openssl rand -base64 32)
mfa_key=$(openssl rand -base64 32) # encrypts TOTP secrets at rest (Gatehouse:Mfa:EncryptionKey)
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
log "API first start"
start_api; stop_api; fact api_first_start_ms "$start_ms"
if wants start; then
  log "API restarts ($((rounds < 3 ? 3 : rounds)))"
  starts=()
  for _ in $(seq 1 $((rounds < 3 ? 3 : rounds))); do start_api; stop_api; starts+=("$start_ms"); done
  fact api_start_ms "${starts[*]}"
fi
start_api # the instance every scenario runs against
sleep 1
fact api_idle_kib "$(rss_kib "$api_pid" VmRSS)"

log "seeding $sessions users"
seed_users "$sessions"
if wants get || wants web; then sign_in "$sessions" access_token "$work/access-tokens"; fi

# 1. Protected API routes against the same server's unauthenticated route.
if wants get; then rounds health is_authenticated me; fi

# 2 and 4. Login and register against the pure hash rate, measured between them in every round.
hashing=()
wants login && hashing+=(login pure_hash)
wants register && hashing+=(register)
[ ${#hashing[@]} -gt 0 ] && rounds "${hashing[@]}"

# 3. Refresh.
if wants refresh; then rounds refresh; fi

# 3b. Second factors: users enrolled through the API (TOTP set up and confirmed with a code, a passkey
# registered by bench/second-factor.cs's software authenticator), then password-only sign-ins, sign-ins
# with TOTP and passkey sign-ins taking turns. TOTP needs many users: each time step counts once per user.
if wants totp || wants passkey; then
  enrol_factors=()
  wants totp && enrol_factors+=(totp)
  wants passkey && enrol_factors+=(passkey)
  factors=$(IFS=,; echo "${enrol_factors[*]}")
  log "enrolling $mfa_users users ($factors) through the API"
  BENCH_ORIGIN=$origin BENCH_PASSWORD=$password dotnet run --no-build -c Release bench/second-factor.cs -- \
    enrol "http://127.0.0.1:$api_port" "$mfa_users" "$factors" "$work/mfa-users" >&2 || die "could not enrol the second-factor users"
  flows_ids=(password_sign_in)
  wants totp && flows_ids+=(totp_sign_in)
  wants passkey && flows_ids+=(passkey_sign_in)
  rounds "${flows_ids[@]}"
fi

# 8. The admin user search over ADMIN_USERS accounts: the first seeded user is made an admin from the
# command line (as an operator makes the first one) and signs in; its cookie drives both searches.
if wants admin; then
  log "writing $admin_users accounts straight into the database"
  seed_begin=$(date +%s%N)
  seed_admin_users "$admin_users"
  fact admin_seed_ms "$((($(date +%s%N) - seed_begin) / 1000000))"
  admin_name=$(head -n 1 "$work/users")
  api_command --grant-role admin --user "$admin_name" >"$work/grant.log" 2>&1 || { cat "$work/grant.log" >&2; die "--grant-role failed"; }
  : >"$work/admin-tokens"
  admin_cookie=$(post_json /auth/login "{\"username\":\"$admin_name\",\"password\":\"$password\"}" | tr -d '\r' \
    | sed -n 's/^[Ss]et-[Cc]ookie: *\([^;]*\).*/\1/p' | grep -E "^(__Host-|__Secure-)?access_token=") || die "the admin's sign-in gave no cookie"
  # One line per wrk thread: each keeps its own share of the file's cookies.
  printf '%s\n%s\n' "$admin_cookie" "$admin_cookie" >"$work/admin-tokens"
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $admin_cookie" "http://127.0.0.1:$api_port/admin/users?q=bench-user-0042")
  [ "$status" = 200 ] || die "GET /admin/users as the admin answered $status"
  rounds admin_search admin_filter
  fact admin_users "$admin_users"
fi

# 5. The web app: the public page and the protected page with the proxy's local check on one server,
# the protected page with the remote check on a second one, taking turns.
if wants web; then
  log "web cold start"
  start_web local; fact web_start_ms "$start_ms"
  web_local_pid=$web_pid web_local_port=$web_port
  sleep 1
  fact web_idle_kib "$(rss_kib "$web_pid" VmRSS)"
  start_web remote
  web_remote_pid=$web_pid web_remote_port=$web_port
  rounds public_page protected_page protected_page_remote
  stop_webs
fi
stop_api

# 7. Mail: an instance of its own that sends to the sink's port (plain SMTP on loopback, as to a
# local relay); no other scenario runs meanwhile.
if wants mail; then
  mail_port=$(free_port) || die "no free port"
  mail_env=(Gatehouse__Email__Smtp__Host=127.0.0.1 Gatehouse__Email__Smtp__Port="$mail_port" Gatehouse__Email__Smtp__Security=None)
  start_api
  rounds mail
  # After the mail rounds, so that the sink counts only their mails; these go nowhere and wait.
  if [ -s "$work/users" ]; then rounds forgot; fi
  stop_api
  fact mails "$mails"
fi

# The in-process BenchmarkDotNet suite, if present (bench/Gatehouse.Benchmarks).
bdn_csv=""
if wants benchmarkdotnet && [ -f bench/Gatehouse.Benchmarks/Gatehouse.Benchmarks.csproj ]; then
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
wants web && fact next "$(node -p "require('./web/node_modules/next/package.json').version")"
fact wrk "$(wrk -v 2>&1 | sed -n '1s/^wrk \([^ ]*\).*/\1/p')"
fact commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git status --porcelain -- server web bench 2>/dev/null | grep -q . && echo '+changes' || true)"
fact date "$(date -u '+%Y-%m-%d %H:%M UTC')"
fact duration "$duration"
fact warmup "$warmup"
fact rounds "$rounds"
fact connections "$connections"
fact sessions "$sessions"
fact hash_concurrency "$hash_concurrency"
fact refresh_connections "$refresh_connections"
fact ticks_per_second "$ticks_per_second"
[ -n "${ONLY:-}" ] && fact only "$parts"
fact elapsed_s "$(($(date +%s) - started))"

mkdir -p "$out"
node bench/report.mjs "$work/facts.tsv" "$work/scenarios.tsv" "$out" $bdn_csv
log "wrote $out/results.md and $out/results.svg in $(($(date +%s) - started)) s"
cat "$out/results.md"
