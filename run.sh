#!/usr/bin/env bash
# Runs Gatehouse on this machine: the API on http://127.0.0.1:3001 (Development, SQLite in
# server/data, demo user john / password123) and the production web build on
# http://localhost:3000 (http://127.0.0.1:3000 works too), and a mail catcher that shows every mail
# the API sends on http://localhost:3025 (SMTP on 127.0.0.1:2525), and a local identity provider on
# http://127.0.0.1:3030/ for "Continue with Local provider" (development only). Installs what is missing (NuGet
# and npm packages), builds, and stops every server it started on Ctrl-C or SIGTERM. Works in the
# background without a terminal. A port already taken stops it before anything is built.
#
#   ./run.sh --no-build        start what was built last (the e2e suite and quick restarts)
#   ./run.sh --scale [N]       the production shape on one machine instead: throwaway PostgreSQL and
#                              Redis (data in a temp folder, gone on stop), N API instances (default
#                              2) behind nginx on the API's port, and nginx in front of the web app
#
#   PORT=3001                  the API's port (the original design's variable)
#   WEB_PORT=3000              the web server's port
#   NEXT_PUBLIC_BACKEND_URL    set to http://localhost:3001 for direct mode (browser → API with CORS)
#   MAIL_PORT=3025             the mail catcher's page
#   SMTP_PORT=2525             the mail catcher's SMTP port
#   IDP_PORT=3030              the local identity provider (the API's external login "local")
#   Gatehouse__ExternalLogins__Providers__local__Authority
#                              point the provider "local" elsewhere instead; no local provider is started
#   Gatehouse__Email__Smtp__Host (and __Port, __Security, __Username, __Password)
#                              send mail to that SMTP server instead; no catcher is started
set -euo pipefail
cd "$(dirname "$0")"
exec </dev/null

usage() { echo "usage: ./run.sh [--no-build] [--scale [N]]" >&2; exit 2; }
instances=0 build=1
while [ $# -gt 0 ]; do
  case $1 in
    --no-build) build=0; shift ;;
    --scale)
      instances=2; shift
      if [[ "${1:-}" =~ ^[0-9]+$ ]]; then instances=$1; shift; fi
      [[ "$instances" =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: --scale takes a number of API instances (1-99), e.g. --scale 2" >&2; exit 2; } ;;
    *) usage ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
api_port=${PORT:-3001}
web_port=${WEB_PORT:-3000}
mail_port=${MAIL_PORT:-3025}
smtp_port=${SMTP_PORT:-2525}
idp_port=${IDP_PORT:-3030}

# The local identity provider (server/tools/Gatehouse.DevIdentityProvider), unless the provider id
# "local" is configured to be another one. It signs anyone in without a password: development only.
idp=1
if [ -n "${Gatehouse__ExternalLogins__Providers__local__Authority:-}" ] || { [ -f server/src/Gatehouse.Api/.env ] &&
  grep -Eq '^[[:space:]]*(export[[:space:]]+)?Gatehouse__ExternalLogins__Providers__local__Authority[[:space:]]*=' server/src/Gatehouse.Api/.env; }; then
  idp=0
fi

# The mail catcher, unless mail goes elsewhere: an SMTP server named in the environment or in the
# API's .env (which run.sh's own settings would otherwise override), or mail turned off.
catcher=1 mail_elsewhere=""
if [ -n "${Gatehouse__Email__Smtp__Host:-}" ]; then
  catcher=0 mail_elsewhere="sent to $Gatehouse__Email__Smtp__Host:${Gatehouse__Email__Smtp__Port:-587} (Gatehouse__Email__Smtp__Host is set; no mail catcher)"
elif [ -f server/src/Gatehouse.Api/.env ] &&
  grep -Eq '^[[:space:]]*(export[[:space:]]+)?Gatehouse__Email__Smtp__Host[[:space:]]*=[[:space:]]*[^[:space:]#]' server/src/Gatehouse.Api/.env; then
  catcher=0 mail_elsewhere="sent to the SMTP server in server/src/Gatehouse.Api/.env (no mail catcher)"
elif [ "$(printf %s "${Gatehouse__Email__Enabled:-}" | tr '[:upper:]' '[:lower:]')" = false ]; then
  catcher=0 mail_elsewhere="off (Gatehouse__Email__Enabled=false)"
fi

die() { echo "run.sh: $*" >&2; exit 1; }
command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)"
command -v node >/dev/null 2>&1 || die "Node.js 20.19+ or 22.12+ is required (apt-get install nodejs npm, or https://nodejs.org)"
# web/package.json's engines, "^20.19.0 || >=22.12.0": what Next.js 16 accepts (21.x and 22.0-22.11 are not).
node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  process.exit((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22 ? 0 : 1);' ||
  die "Node.js $(node --version) is too old or in between; the web app needs 20.19+ (within 20.x) or 22.12+"
command -v curl >/dev/null 2>&1 || die "curl is required (apt-get install curl)"
# Every port is checked before anything is built: a taken port found after a two-minute build,
# or after the banner, is a newcomer's first hour lost. Binding is the test (not connecting), since
# the servers bind 127.0.0.1 and anything on that port or on 0.0.0.0 stops them.
port_in_use() { # port other-ports...: prints a free port near it, none of the others, when it is taken
  node -e '
    const net = require("node:net");
    const bind = (port) => new Promise((ok) => {
      const server = net.createServer().once("error", () => ok(false));
      server.listen(port, "127.0.0.1", () => server.close(() => ok(true)));
    });
    (async () => {
      const [port, ...others] = process.argv.slice(1).map(Number);
      if (await bind(port)) process.exit(1);
      for (let next = port + 1; next < port + 100 && next < 65536; next++) {
        if (!others.includes(next) && (await bind(next))) { process.stdout.write(String(next)); break; }
      }
    })();' "$@"
}
port_variables=(PORT WEB_PORT) ports=("$api_port" "$web_port") port_names=("the API" "the web app")
if [ "$catcher" -eq 1 ]; then
  port_variables+=(MAIL_PORT SMTP_PORT) ports+=("$mail_port" "$smtp_port") port_names+=("the mail catcher's page" "the mail catcher's SMTP")
fi
if [ "$idp" -eq 1 ]; then
  port_variables+=(IDP_PORT) ports+=("$idp_port") port_names+=("the local identity provider")
fi
for variable in "${port_variables[@]}"; do
  value=${!variable:-}
  [ -z "$value" ] || [[ "$value" =~ ^[1-9][0-9]{0,4}$ && "$value" -le 65535 ]] || die "$variable is '$value'; use a port number from 1 to 65535"
done
for i in "${!ports[@]}"; do
  for j in "${!ports[@]}"; do
    [ "$i" -ge "$j" ] || [ "${ports[$i]}" != "${ports[$j]}" ] ||
      die "${port_variables[$i]} and ${port_variables[$j]} are both ${ports[$i]}; give ${port_names[$i]} and ${port_names[$j]} a port each"
  done
done
taken=0
for i in "${!ports[@]}"; do
  if free=$(port_in_use "${ports[@]:$i:1}" "${ports[@]}"); then
    echo "run.sh: port ${ports[$i]} (${port_names[$i]}) is already in use; stop what uses it or choose another: ${port_variables[$i]}=${free:-$((ports[i] + 100))} ./run.sh" >&2; taken=1
  fi
done
[ "$taken" -eq 0 ] || exit 1

if [ "$instances" -gt 0 ]; then
  . scripts/services.sh
  install_services || die "--scale needs Debian's postgresql, redis-server and nginx"
fi

# Build output is kept out of the console (the banner below is what matters) and shown on failure.
quietly() { # what command...
  local what=$1 log; shift
  log=$(mktemp)
  printf '== %s… ' "$what"
  if "$@" >"$log" 2>&1; then echo done; rm -f "$log"; return 0; fi
  echo failed; cat "$log" >&2; rm -f "$log"
  die "$what failed (its output is above)"
}
catcher_dll=server/tools/Gatehouse.MailCatcher/bin/Release/net10.0/Gatehouse.MailCatcher.dll
idp_dll=server/tools/Gatehouse.DevIdentityProvider/bin/Release/net10.0/Gatehouse.DevIdentityProvider.dll
if [ "$build" -eq 0 ]; then
  [ -f server/src/Gatehouse.Api/bin/Release/net10.0/Gatehouse.Api.dll ] && [ -f web/.next/BUILD_ID ] &&
    { [ "$catcher" -eq 0 ] || [ -f "$catcher_dll" ]; } && { [ "$idp" -eq 0 ] || [ -f "$idp_dll" ]; } ||
    die "--no-build: nothing is built yet; run ./run.sh once without it"
else
  quietly "building the API" dotnet build server/src/Gatehouse.Api -c Release -v quiet -nologo
  if [ "$catcher" -eq 1 ]; then
    quietly "building the mail catcher" dotnet build server/tools/Gatehouse.MailCatcher -c Release -v quiet -nologo
  fi
  if [ "$idp" -eq 1 ]; then
    quietly "building the local identity provider" dotnet build server/tools/Gatehouse.DevIdentityProvider -c Release -v quiet -nologo
  fi
  # npm ci only when the lockfile changed since the last install.
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    quietly "installing the web app's packages (npm ci)" bash -c 'cd web && npm ci --no-audit --no-fund'
  fi
  quietly "building the web app" bash -c 'cd web && npm run --silent build'
fi

# The address a newcomer is shown, and the browser origins the API accepts. Same-origin (default):
# the browser reaches the API through /api/* on whichever loopback name it opened, so both names
# are allowed. Direct: the API's cookies belong to its host name and the pages need them, so the
# web app must be opened on that same name; 127.0.0.1 against localhost would be another site.
web_host=localhost
frontend_default="http://localhost:$web_port,http://127.0.0.1:$web_port"
if [ -n "${NEXT_PUBLIC_BACKEND_URL:-}" ]; then
  web_host=$(node -e 'process.stdout.write(new URL(process.argv[1]).hostname)' "$NEXT_PUBLIC_BACKEND_URL" 2>/dev/null) ||
    die "NEXT_PUBLIC_BACKEND_URL is '$NEXT_PUBLIC_BACKEND_URL'; use the API's origin, e.g. http://localhost:$api_port"
  frontend_default="http://$web_host:$web_port"
fi
web_url="http://$web_host:$web_port"

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
  for _ in $(seq 1 300); do
    kill -0 "$3" 2>/dev/null || die "the $1 did not start"
    # Alive after the answer too: the answer may come from something else that holds the port.
    if curl -fsS -o /dev/null "$2" 2>/dev/null; then kill -0 "$3" 2>/dev/null && return 0; die "the $1 did not start"; fi
    sleep 0.2
  done
  die "the $1 did not answer at $2 within 60 s"
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

# Every API instance sends its mail to the catcher, in plain SMTP over loopback.
mail_settings=()
if [ "$catcher" -eq 1 ]; then
  mail_settings=(Gatehouse__Email__Smtp__Host=127.0.0.1 Gatehouse__Email__Smtp__Port="$smtp_port" Gatehouse__Email__Smtp__Security=None)
fi

# Every API instance offers "Continue with Local provider", signing in through the local provider.
idp_settings=()
if [ "$idp" -eq 1 ]; then
  idp_settings=(Gatehouse__ExternalLogins__Providers__local__Authority="http://127.0.0.1:$idp_port/"
    Gatehouse__ExternalLogins__Providers__local__ClientId=gatehouse
    Gatehouse__ExternalLogins__Providers__local__ClientSecret=dev-secret
    "Gatehouse__ExternalLogins__Providers__local__DisplayName=Local provider")
fi

start_idp() {
  # Its own banner (stdout) would repeat ours; its errors (stderr) still show.
  dotnet "$idp_dll" --port "$idp_port" >/dev/null &
  pids+=($!)
  wait_for "local identity provider" "http://127.0.0.1:$idp_port/health" "$!"
}

start_catcher() {
  # Its own banner (stdout) would repeat ours; its errors (stderr) still show.
  dotnet "$catcher_dll" --smtp-port "$smtp_port" --http-port "$mail_port" >/dev/null &
  pids+=($!)
  wait_for "mail catcher" "http://127.0.0.1:$mail_port/health" "$!"
}

start_api() { # port [VAR=value...]
  local port=$1; shift
  (
    cd server/src/Gatehouse.Api
    # In direct mode the browser calls the API from the web origin, which CORS must allow.
    # The web app's proxy refreshes sessions on page loads, so it must be sent the refresh cookie (Path=/).
    # Mails link to the web app at the address the banner prints.
    export FRONTEND_URL="${FRONTEND_URL:-$frontend_default}" \
      ASPNETCORE_ENVIRONMENT=Development \
      Gatehouse__PublicWebUrl="${Gatehouse__PublicWebUrl:-$web_url}" \
      Gatehouse__Data__Directory="${Gatehouse__Data__Directory:-$PWD/../../data}" \
      Gatehouse__Cookie__RefreshPath="${Gatehouse__Cookie__RefreshPath:-/}" \
      Gatehouse__ForwardedHeaders__KnownProxies="${Gatehouse__ForwardedHeaders__KnownProxies:-$trusted_proxies}" \
      PORT="$port"
    exec env "${mail_settings[@]}" "${idp_settings[@]}" "$@" dotnet bin/Release/net10.0/Gatehouse.Api.dll
  ) &
  pids+=($!)
  wait_for "API on port $port" "http://127.0.0.1:$port/health" "$!"
}

start_web() { # port api-url
  (
    cd web
    # A heap cap for the web server: without one, V8 sizes its heap to the machine's memory and
    # lets garbage pile up under load (docs/performance.md). NODE_OPTIONS overrides it.
    # Next's own banner (stdout) names http://127.0.0.1:PORT and would push ours off the screen;
    # its warnings and errors (stderr) still show.
    GATEHOUSE_API_URL="${GATEHOUSE_API_URL:-$2}" GATEHOUSE_FORWARDED_HEADERS="${GATEHOUSE_FORWARDED_HEADERS:-$web_forwarded}" NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=256}" \
    exec node node_modules/next/dist/bin/next start --hostname 127.0.0.1 --port "$1" >/dev/null
  ) &
  pids+=($!)
  wait_for "web server" "http://127.0.0.1:$1/" "$!"
}

# The catcher first, so the API's first mails go straight through.
if [ "$catcher" -eq 1 ]; then start_catcher; fi
# The provider before the API too, which reads its discovery document on the first sign-in.
if [ "$idp" -eq 1 ]; then start_idp; fi
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
    # Behind nginx each instance's own port is not the API's address: name the one browsers use,
    # so the CSRF check counts it as the API's own origin (/scalar's calls).
    start_api "$port" Database__Provider=postgres ConnectionStrings__Default="$GATEHOUSE_TEST_POSTGRES" \
      Redis__Configuration="$GATEHOUSE_TEST_REDIS" Gatehouse__PublicApiUrl="${Gatehouse__PublicApiUrl:-http://localhost:$api_port}"
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
echo "Gatehouse web:  $web_url"
echo "Gatehouse API:  http://localhost:$api_port   (API reference: http://localhost:$api_port/scalar)"
if [ "$catcher" -eq 1 ]; then
  echo "Mail catcher:   http://localhost:$mail_port   (every mail the API sends; SMTP on 127.0.0.1:$smtp_port)"
else
  echo "Mail:           $mail_elsewhere"
fi
if [ "$idp" -eq 1 ]; then
  echo "Local provider: http://127.0.0.1:$idp_port/   (\"Continue with Local provider\" signs in as alice@example.com, bob@… unverified,"
  echo "                carol@… with MFA, or anyone; development only)"
fi
echo "Browser mode:   $mode"
if [ "$instances" -gt 0 ]; then
  echo "Scale-out:      $instances API instances behind nginx; PostgreSQL and Redis on loopback (thrown away on stop)"
fi
echo "Demo user:      john / password123"
echo "Press Ctrl-C to stop."

# If any server exits, stop the others and report it.
set +e
wait -n "${pids[@]}"
status=$?
echo "run.sh: a server exited (status $status); stopping" >&2
exit "$status"
