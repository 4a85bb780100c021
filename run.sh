#!/usr/bin/env bash
# Runs Gatehouse on this machine: the API on http://127.0.0.1:3001 (Development, SQLite in
# server/data, demo user john / password123) and the production web build on
# http://localhost:3000. Installs what is missing (NuGet and npm packages), builds, and stops
# both servers on Ctrl-C or SIGTERM. Works in the background without a terminal.
#
#
#   ./run.sh --scale [N]       the production shape on one machine instead: throwaway PostgreSQL and
#                              Redis (data in a temp folder, gone on stop), N API instances (default
#                              2) behind nginx on the API's port, and nginx in front of the web app
#
#   PORT=3001                  the API's port (the original design's variable)
#   WEB_PORT=3000              the web server's port
#   NEXT_PUBLIC_BACKEND_URL    set to http://localhost:3001 for direct mode (browser → API with CORS)
set -euo pipefail
cd "$(dirname "$0")"
exec </dev/null

instances=0
if [ "${1:-}" = "--scale" ]; then
  instances=${2:-2}
  [[ "$instances" =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: --scale takes a number of API instances (1-99), e.g. --scale 2" >&2; exit 2; }
elif [ $# -gt 0 ]; then
  echo "usage: ./run.sh [--scale [N]]" >&2; exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
api_port=${PORT:-3001}
web_port=${WEB_PORT:-3000}

die() { echo "run.sh: $*" >&2; exit 1; }
command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)"
command -v node >/dev/null 2>&1 || die "Node.js 20.19 or later is required (apt-get install nodejs npm, or https://nodejs.org)"
command -v curl >/dev/null 2>&1 || die "curl is required (apt-get install curl)"
if [ "$instances" -gt 0 ]; then
  . scripts/services.sh
  install_services || die "--scale needs Debian's postgresql, redis-server and nginx"
fi

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
  # Only our servers: a bare wait would also wait for the Redis that stop_services ends below.
  wait "${pids[@]}" 2>/dev/null || true
  if [ "$instances" -gt 0 ]; then stop_services; rm -rf "${scale_dir:-}"; fi
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

# nginx for --scale: round-robin over the API instances on the API's port (an instance that stops
# answering is skipped; a request is retried on the next one only if it never reached the first),
# and in front of `next start` on the web port, where it overwrites X-Forwarded-For with the
# address it saw: Next passes a browser-sent X-Forwarded-For on, so without this a browser could
# name its own IP to the API's rate limits and audit log.
write_nginx_conf() { # dir api-port upstream-servers web-port next-port
  cat <<EOF
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  proxy_http_version 1.1;
  upstream gatehouse_api {
$3    keepalive 32;
  }
  upstream gatehouse_web {
    server 127.0.0.1:$5;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$2;
    location / {
      proxy_pass http://gatehouse_api;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout http_502;
    }
  }
  server {
    listen 127.0.0.1:$4;
    location / {
      proxy_pass http://gatehouse_web;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
EOF
}

# Whom the API believes about the client's address. Plain mode: no one. Browsers reach it directly
# or through `next start`, which passes no X-Forwarded-For on (web/lib/forwarding.ts), so it uses
# the connection's own address. --scale: the nginx on this machine, which overwrites the header in
# front of Next (so Next may pass it on) and appends to it in front of the API.
trusted_proxies="" web_forwarded=drop
if [ "$instances" -gt 0 ]; then trusted_proxies="127.0.0.1,::1" web_forwarded=pass; fi

start_api() { # port [VAR=value...]
  local port=$1; shift
  (
    cd server/src/Gatehouse.Api
    # In direct mode the browser calls the API from the web origin, which CORS must allow.
    # The web app's proxy refreshes sessions on page loads, so it must be sent the refresh cookie (Path=/).
    export FRONTEND_URL="${FRONTEND_URL:-http://localhost:$web_port}" \
      ASPNETCORE_ENVIRONMENT=Development \
      Gatehouse__Data__Directory="$PWD/../../data" \
      Gatehouse__Cookie__RefreshPath="${Gatehouse__Cookie__RefreshPath:-/}" \
      Gatehouse__ForwardedHeaders__KnownProxies="${Gatehouse__ForwardedHeaders__KnownProxies:-$trusted_proxies}" \
      PORT="$port"
    exec env "$@" dotnet bin/Release/net10.0/Gatehouse.Api.dll
  ) &
  pids+=($!)
  wait_for "API on port $port" "http://127.0.0.1:$port/health" "$!"
}

start_web() { # port api-url
  (
    cd web
    # A heap cap for the web server: without one, V8 sizes its heap to the machine's memory and
    # lets garbage pile up under load (docs/performance.md). NODE_OPTIONS overrides it.
    GATEHOUSE_API_URL="${GATEHOUSE_API_URL:-$2}" GATEHOUSE_FORWARDED_HEADERS="${GATEHOUSE_FORWARDED_HEADERS:-$web_forwarded}" NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=256}" \
    exec node node_modules/next/dist/bin/next start --hostname 127.0.0.1 --port "$1"
  ) &
  pids+=($!)
  wait_for "web server" "http://127.0.0.1:$1/" "$!"
}

if [ "$instances" -eq 0 ]; then
  start_api "$api_port"
  start_web "$web_port" "http://127.0.0.1:$api_port"
else
  start_postgres && start_redis || die "PostgreSQL or Redis did not start"
  scale_dir=$(mktemp -d)
  # Each instance on a port of its own; nginx takes the API's port and sends requests round-robin.
  upstream=""
  for i in $(seq 1 "$instances"); do
    port=$(free_port) || die "no free port"
    start_api "$port" Database__Provider=postgres ConnectionStrings__Default="$GATEHOUSE_TEST_POSTGRES" \
      Redis__Configuration="$GATEHOUSE_TEST_REDIS"
    upstream+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  done
  next_port=$(free_port) || die "no free port"
  start_web "$next_port" "http://127.0.0.1:$api_port"
  write_nginx_conf "$scale_dir" "$api_port" "$upstream" "$web_port" "$next_port" >"$scale_dir/nginx.conf"
  nginx -p "$scale_dir" -e "$scale_dir/error.log" -c "$scale_dir/nginx.conf" -g 'daemon off;' &
  pids+=($!)
  wait_for "load balancer (nginx)" "http://127.0.0.1:$api_port/health/ready" "$!"
  wait_for "web front (nginx)" "http://127.0.0.1:$web_port/" "$!"
fi

mode="same-origin (the browser calls /api/*, which Next forwards to the API)"
[ -n "${NEXT_PUBLIC_BACKEND_URL:-}" ] && mode="direct (the browser calls $NEXT_PUBLIC_BACKEND_URL with CORS)"
echo
echo "Gatehouse web:  http://localhost:$web_port"
echo "Gatehouse API:  http://localhost:$api_port   (API reference: http://localhost:$api_port/scalar)"
echo "Browser mode:   $mode"
if [ "$instances" -gt 0 ]; then
  echo "Scale-out:      $instances API instances behind nginx; PostgreSQL and Redis on loopback (thrown away on stop)"
fi
echo "Demo user:      john / password123"
echo "Press Ctrl-C to stop."

# If either server exits, stop the other and report it.
set +e
wait -n "${pids[@]}"
status=$?
echo "run.sh: a server exited (status $status); stopping" >&2
exit "$status"
