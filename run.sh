#!/usr/bin/env bash
# Runs Gatehouse: the API on http://127.0.0.1:3001 (Development, SQLite in server/data,
# demo user john / password123). The Next.js web client joins it on :3000 with issue #3.
# Stops cleanly on Ctrl-C or SIGTERM; works in the background without a terminal.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
api_port=${PORT:-3001}

if ! command -v dotnet >/dev/null 2>&1; then
  echo "run.sh: the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2
  exit 1
fi

echo "== building the API"
dotnet build server/src/Gatehouse.Api -c Release -v quiet -nologo

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

(
  cd server/src/Gatehouse.Api
  ASPNETCORE_ENVIRONMENT=Development \
  Gatehouse__Data__Directory="$PWD/../../data" \
  PORT="$api_port" \
  exec dotnet bin/Release/net10.0/Gatehouse.Api.dll
) </dev/null &
pids+=($!)

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$api_port/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then echo "run.sh: the API did not start" >&2; exit 1; fi
  sleep 0.2
done

echo
echo "Gatehouse API:  http://127.0.0.1:$api_port   (API reference: http://127.0.0.1:$api_port/scalar)"
echo "Demo user:      john / password123"
echo "Press Ctrl-C to stop."
wait "${pids[0]}"
