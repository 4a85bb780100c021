#!/usr/bin/env bash
# Runs every Gatehouse test and exits non-zero if any fails.
# Needs the .NET 10 SDK; restores NuGet packages itself.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Settings of a developer's shell must not leak into the tests.
unset PORT FRONTEND_URL JWT_SECRET ENVIRONMENT ASPNETCORE_URLS ASPNETCORE_ENVIRONMENT DOTNET_ENVIRONMENT || true

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== server: restore and build"
dotnet restore server/Gatehouse.slnx
dotnet build server/Gatehouse.slnx -c Release --no-restore

echo "== server: tests (xunit over real SQLite)"
set +e
dotnet test server/Gatehouse.slnx -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line in the plain 'N passed, N failed' form, summed over the test assemblies.
summary=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log" || true)
if [ -z "$summary" ]; then
  echo "test.sh: no test summary found; dotnet test exited with $status" >&2
  exit $(( status == 0 ? 1 : status ))
fi
read -r passed failed skipped < <(echo "$summary" | awk '{
  for (i = 1; i <= NF; i++) {
    if ($i == "Passed:") p += $(i + 1); if ($i == "Failed:") f += $(i + 1); if ($i == "Skipped:") s += $(i + 1)
  } } END { print p + 0, f + 0, s + 0 }' | tr -d ',')
echo "server: $passed passed, $failed failed, $skipped skipped"

if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
if [ "$skipped" -ne 0 ]; then
  echo "test.sh: $skipped skipped test(s): a skipped test is a defect" >&2
  exit 1
fi
