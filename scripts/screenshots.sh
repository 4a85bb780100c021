#!/usr/bin/env bash
# Regenerates the README's pictures (docs/images/log-in.png and dashboard.png): builds the API and
# the web app, starts both as the e2e suite does, and photographs the log-in page and the demo
# user's dashboard in Chromium (desktop, light theme). Run from anywhere: scripts/screenshots.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dotnet build "$root/server/src/Gatehouse.Api" -c Release -nologo -v quiet
cd "$root/web"
[ -d node_modules ] || npm ci --no-audit --no-fund
NEXT_TELEMETRY_DISABLED=1 npx next build
npx playwright test -c playwright.screenshots.config.ts
ls -l "$root/docs/images/log-in.png" "$root/docs/images/dashboard.png"
