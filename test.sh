#!/usr/bin/env bash
# Runs every Gatehouse test: the API's xunit suite on SQLite and on PostgreSQL, the cross-instance
# suite (two API processes behind nginx), the sample resource server's tests, every benchmark
# once, the web app's type-check, lint and unit tests, and the end-to-end suite in Debian's
# Chromium against the real API and `next start`.
# Installs what is missing (NuGet and npm packages; chromium, postgresql, redis-server and nginx
# with apt, never a downloaded browser); PostgreSQL and Redis run as throwaway instances on
# loopback ports (scripts/services.sh), not as system services, and are stopped at the end.
# Every step runs even when an earlier one fails; exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")"
exec </dev/null

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Settings of a developer's shell must not leak into the tests.
unset PORT WEB_PORT FRONTEND_URL JWT_SECRET Gatehouse__Mfa__EncryptionKey ENVIRONMENT ASPNETCORE_URLS ASPNETCORE_ENVIRONMENT DOTNET_ENVIRONMENT \
  NEXT_PUBLIC_BACKEND_URL GATEHOUSE_API_URL GATEHOUSE_SESSION_CHECK GATEHOUSE_TOKEN_ISSUER GATEHOUSE_TOKEN_AUDIENCE \
  E2E_PORTS E2E_DATA_DIR E2E_DATA_DIR_OWNED E2E_SMTP_PORT E2E_MAIL_URL MAIL_PORT SMTP_PORT E2E_IDP_URL IDP_PORT \
  GATEHOUSE_TEST_DATABASE GATEHOUSE_TEST_POSTGRES GATEHOUSE_TEST_PG_CTL GATEHOUSE_TEST_REDIS || true
# Nor external-login providers a developer configured (the suites configure their own local provider).
for variable in $(compgen -e | grep -E '^(Gatehouse__ExternalLogins__|DevIdentityProvider__)' || true); do unset "$variable"; done
. scripts/services.sh

die() { echo "test.sh: $*" >&2; exit 1; }
command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)"
command -v node >/dev/null 2>&1 || die "Node.js 20.19+ or 22.12+ is required"

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium for the e2e tests"
  [ "$(id -u)" -eq 0 ] || die "chromium is missing; install it with: sudo apt-get install chromium"
  apt_install chromium || die "apt-get install chromium failed"
fi
install_services || die "postgresql, redis-server and nginx are needed for the server tests"

work=$(mktemp -d)
# Every process the e2e step starts carries this mark in its environment; sweep() ends any
# that outlive it (a worker killed mid-hook, Ctrl-C), so nothing keeps a port or the database.
run_mark="GATEHOUSE_TEST_RUN=$$-$RANDOM"
sweep() {
  local environ pid
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}; pid=${pid%/environ}
    if grep -qzx "$run_mark" "$environ" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
}
trap 'sweep; stop_services; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
failures=()
passed=0 failed=0 skipped=0
count() { # passed failed skipped
  passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3))
}
step() { # name command...
  local name=$1 started=$SECONDS; shift
  echo; echo "== $name"
  "$@" || failures+=("$name")
  # Each step's time, so a suite that grows slow is seen before CI's limit is.
  echo "-- $name: $((SECONDS - started)) s"
}

# --- server -----------------------------------------------------------------------------
# The cross-instance suite is its own project, outside the solution: it needs PostgreSQL, Redis
# and nginx, so a plain `dotnet test` in server/ stays the self-contained per-provider suite.
# So are the benchmarks (bench/), which are no tests there and need BenchmarkDotNet.
server_build() {
  dotnet build server/Gatehouse.slnx -c Release -nologo -v quiet &&
    dotnet build server/tests/Gatehouse.Cluster.Tests -c Release -nologo -v quiet &&
    dotnet build bench/Gatehouse.Benchmarks -c Release -nologo -v quiet &&
    dotnet build samples/ResourceServer/ResourceServer.slnx -c Release -nologo -v quiet
}
step "server: restore and build" server_build
# Exported to every suite below: GATEHOUSE_TEST_POSTGRES, GATEHOUSE_TEST_PG_CTL, GATEHOUSE_TEST_REDIS.
step "services: throwaway PostgreSQL and Redis on loopback" eval 'start_postgres && start_redis'
xunit_tests() { # label project-or-solution [VAR=value...]
  local label=$1 target=$2 log="$work/xunit-$RANDOM.log"; shift 2
  env "$@" dotnet test "$target" -c Release --no-build 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]} counts
  # Summed over the test assemblies' "Passed!/Failed! - Failed: N, Passed: N, Skipped: N" lines.
  counts=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log" | awk '{
    for (i = 1; i <= NF; i++) {
      if ($i == "Passed:") p += $(i + 1); if ($i == "Failed:") f += $(i + 1); if ($i == "Skipped:") s += $(i + 1)
    } } END { print p + 0, f + 0, s + 0 }' | tr -d ',')
  read -r p f s <<<"$counts"
  # Each failed test's name and the first lines of its message, for the verdict at the end (CI
  # shows only the end of the log).
  awk -v label="$label" '/^  Failed [^ ]/ { n = 4; print label ":" $0; next } n > 0 && NF { print "    " $0; n-- }' "$log" >>"$work/failed-tests"
  if [ "$p$f$s" = "000" ]; then echo "no test summary found; dotnet test exited with $status"; return 1; fi
  echo "$label: $p passed, $f failed, $s skipped"
  count "$p" "$f" "$s"
  [ "$status" -eq 0 ]
}
# Without a server the PostgreSQL run would quietly test SQLite a second time. Only the API's suite:
# the dev tools' suites (mail catcher, identity provider) use no database and ran in the pass above.
postgres_tests() {
  [ -n "${GATEHOUSE_TEST_POSTGRES:-}" ] || { echo "PostgreSQL is not running (see the services step)"; return 1; }
  xunit_tests "server (PostgreSQL)" server/tests/Gatehouse.Api.Tests GATEHOUSE_TEST_DATABASE=postgres
}
# The cross-instance suite starts API processes and nginx; marked, so sweep() ends any it leaves,
# and with its temporary folders in $work, which the EXIT trap removes even if the suite cannot.
cluster_tests() {
  mkdir -p "$work/cluster"
  xunit_tests "cross-instance" server/tests/Gatehouse.Cluster.Tests "$run_mark" TMPDIR="$work/cluster"
  local status=$?
  sweep
  return $status
}
step "server (SQLite): tests (xunit)" xunit_tests "server (SQLite)" server/Gatehouse.slnx
step "server (PostgreSQL): tests (xunit)" postgres_tests
step "server: cross-instance suite (two API processes behind nginx, PostgreSQL, Redis)" cluster_tests
# The sample resource server (samples/ResourceServer), which docs/build-on-gatehouse.md quotes,
# against a real Gatehouse API process; marked, so sweep() ends one a failed test leaves.
sample_tests() {
  xunit_tests "sample (resource server)" samples/ResourceServer/ResourceServer.slnx "$run_mark"
  local status=$?
  sweep
  return $status
}
step "sample: resource server trusting Gatehouse's tokens (xunit, a real API process)" sample_tests
# Every benchmark once (BenchmarkDotNet's Dry job, in-process, a few seconds), so they cannot rot:
# one that throws, or whose set-up or clean-up fails, fails the step. Each counts as one test. The
# program judges its own run, since BenchmarkDotNet exits 0 with failed benchmarks; its last line
# is "benchmarks: N passed, N failed".
bench_once() {
  local log="$work/bench.log"
  dotnet run --no-build -c Release --project bench/Gatehouse.Benchmarks -- \
    --filter '*' --job Dry --artifacts "$work/bench-artifacts" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]} p f
  read -r p f < <(sed -n 's/^benchmarks: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log" | tail -n 1)
  if [ -z "$p" ]; then echo "no benchmark count found; the benchmarks exited with $status"; return 1; fi
  echo "benchmarks (once each): $p passed, $f failed"
  count "$p" "$f" 0
  [ "$status" -eq 0 ]
}
step "server: benchmarks, each run once (bench/Gatehouse.Benchmarks)" bench_once

# --- web --------------------------------------------------------------------------------
web_install() {
  if [ -f web/node_modules/.package-lock.json ] && [ ! web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    echo "up to date"; return 0
  fi
  (cd web && npm ci --no-audit --no-fund)
}
# Reads one of the JSON reports below: prints "passed failed skipped".
json_counts() { # file kind
  node -e '
    const [file, kind] = process.argv.slice(1);
    const r = JSON.parse(require("fs").readFileSync(file, "utf8"));
    const c = kind === "vitest"
      ? [r.numPassedTests, r.numFailedTests, r.numPendingTests + r.numTodoTests]
      : [r.stats.expected + r.stats.flaky, r.stats.unexpected, r.stats.skipped];
    console.log(c.join(" "));' "$1" "$2"
}
web_unit() {
  (cd web && npx vitest run --reporter=default --reporter=json --outputFile="$work/vitest.json")
  local status=$?
  [ -f "$work/vitest.json" ] || return 1
  read -r p f s < <(json_counts "$work/vitest.json" vitest)
  echo "web unit: $p passed, $f failed, $s skipped"
  count "$p" "$f" "$s"
  return $status
}
web_e2e() {
  mkdir -p "$work/e2e-data"
  (cd web && env "$run_mark" E2E_DATA_DIR="$work/e2e-data" PLAYWRIGHT_JSON_OUTPUT_NAME="$work/e2e.json" \
    npx playwright test --reporter=list,json)
  local status=$?
  sweep
  [ -f "$work/e2e.json" ] || return 1
  read -r p f s < <(json_counts "$work/e2e.json" playwright)
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const walk = (suite, titles) => {
      for (const spec of suite.specs ?? []) for (const t of spec.tests ?? [])
        if (t.status === "unexpected") console.log(`web e2e: [${t.projectName}] ${[...titles, spec.title].join(" › ")}`);
      for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
    };
    for (const suite of r.suites ?? []) walk(suite, [suite.title]);' "$work/e2e.json" >>"$work/failed-tests"
  echo "web e2e: $p passed, $f failed, $s skipped (screenshots and traces of failures: web/test-results/)"
  count "$p" "$f" "$s"
  return $status
}
step "web: npm ci" web_install
step "web: type-check" bash -c 'cd web && npx tsc --noEmit'
step "web: lint" bash -c 'cd web && npx eslint --max-warnings 0 .'
step "web: unit tests (vitest)" web_unit
step "web: production build" bash -c 'cd web && npx next build'
step "web: e2e (Playwright, Debian chromium, real API and next start)" web_e2e

# --- verdict ----------------------------------------------------------------------------
echo
if [ "$skipped" -ne 0 ]; then failures+=("$skipped skipped test(s): a skipped test is a defect"); fi
for failure in "${failures[@]}"; do echo "FAILED: $failure" >&2; done
if [ -s "$work/failed-tests" ]; then echo "failed tests:"; head -n 60 "$work/failed-tests"; fi
echo "$passed passed, $failed failed"
[ ${#failures[@]} -eq 0 ] && [ "$failed" -eq 0 ]
