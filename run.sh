#!/usr/bin/env bash
# Runs Gatehouse on this machine: the API on http://127.0.0.1:3001 (Development, SQLite in
# server/data, demo user john / password123) and the production web build on
# http://localhost:3000. Installs what is missing (NuGet and npm packages), builds, and stops
# both servers on Ctrl-C or SIGTERM. Works in the background without a terminal.
#
#   PORT=3001                  the API's port (the original design's variable)
#   WEB_PORT=3000              the web server's port
#   NEXT_PUBLIC_BACKEND_URL    set to http://localhost:3001 for direct mode (browser → API with CORS)
set -euo pipefail
cd "$(dirname "$0")"
exec </dev/null

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
api_port=${PORT:-3001}
web_port=${WEB_PORT:-3000}

die() { echo "run.sh: $*" >&2; exit 1; }
command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)"
command -v node >/dev/null 2>&1 || die "Node.js 20.19 or later is required (apt-get install nodejs npm, or https://nodejs.org)"
command -v curl >/dev/null 2>&1 || die "curl is required (apt-get install curl)"

echo "== building the API"
dotnet build server/src/Gatehouse.Api -c Release -v quiet -nologo

echo "== building the web app"
# npm ci only when the lockfile changed since the last install.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund)
fi
(cd web && npm run --silent build)

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

wait_for() { # name url pid
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "$2" 2>/dev/null; then return 0; fi
    kill -0 "$3" 2>/dev/null || die "the $1 did not start"
    sleep 0.2
  done
  die "the $1 did not answer at $2 within 30 s"
}

(
  cd server/src/Gatehouse.Api
  # In direct mode the browser calls the API from the web origin, which CORS must allow.
  # The web app's proxy refreshes sessions on page loads, so it must be sent the refresh cookie (Path=/).
  # The Next.js server on this machine forwards browser requests; trust its X-Forwarded-For.
  FRONTEND_URL="${FRONTEND_URL:-http://localhost:$web_port}" \
  ASPNETCORE_ENVIRONMENT=Development \
  Gatehouse__Data__Directory="$PWD/../../data" \
  Gatehouse__Cookie__RefreshPath="${Gatehouse__Cookie__RefreshPath:-/}" \
  Gatehouse__ForwardedHeaders__KnownProxies="${Gatehouse__ForwardedHeaders__KnownProxies:-127.0.0.1,::1}" \
  PORT="$api_port" \
  exec dotnet bin/Release/net10.0/Gatehouse.Api.dll
) &
pids+=($!)
wait_for API "http://127.0.0.1:$api_port/health" "${pids[0]}"

(
  cd web
  GATEHOUSE_API_URL="${GATEHOUSE_API_URL:-http://127.0.0.1:$api_port}" \
  exec node node_modules/next/dist/bin/next start --hostname 127.0.0.1 --port "$web_port"
) &
pids+=($!)
wait_for "web server" "http://127.0.0.1:$web_port/" "${pids[1]}"

mode="same-origin (the browser calls /api/*, which Next forwards to the API)"
[ -n "${NEXT_PUBLIC_BACKEND_URL:-}" ] && mode="direct (the browser calls $NEXT_PUBLIC_BACKEND_URL with CORS)"
echo
echo "Gatehouse web:  http://localhost:$web_port"
echo "Gatehouse API:  http://localhost:$api_port   (API reference: http://localhost:$api_port/scalar)"
echo "Browser mode:   $mode"
echo "Demo user:      john / password123"
echo "Press Ctrl-C to stop."

# If either server exits, stop the other and report it.
set +e
wait -n "${pids[@]}"
status=$?
echo "run.sh: a server exited (status $status); stopping" >&2
exit "$status"
