import { defineConfig } from '@playwright/test';
import { API_DIR, API_DLL, CATCHER_DIR, CATCHER_DLL, IDP_DIR, IDP_DLL, NEXT_BIN, WEB_DIR, apiEnv, freePortsSync, newDataDir, webEnv } from './e2e/support/servers';

// The servers get their settings from here only, never from the developer's shell.
for (const name of ['PORT', 'FRONTEND_URL', 'JWT_SECRET', 'NEXT_PUBLIC_BACKEND_URL', 'GATEHOUSE_API_URL', 'GATEHOUSE_SESSION_CHECK',
  'GATEHOUSE_TOKEN_ISSUER', 'GATEHOUSE_TOKEN_AUDIENCE', 'GATEHOUSE_FORWARDED_HEADERS', 'ASPNETCORE_URLS', 'ASPNETCORE_ENVIRONMENT', 'DOTNET_ENVIRONMENT', 'ENVIRONMENT',
  'Gatehouse__PublicWebUrl', 'Gatehouse__Email__Enabled', 'Gatehouse__Email__Smtp__Host', 'Gatehouse__Email__Smtp__Port', 'Gatehouse__Email__Smtp__Security',
  'Gatehouse__Email__Smtp__Username', 'Gatehouse__Email__Smtp__Password', 'Gatehouse__Mfa__EncryptionKey']) {
  delete process.env[name];
}
// Nor external logins: the suite's API knows exactly one, the local provider below.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('Gatehouse__ExternalLogins__') || name.startsWith('DevIdentityProvider__')) delete process.env[name];
}

// The runner picks the ports and the database folder once; its workers inherit them.
// (test.sh passes a folder it removes itself; otherwise global-teardown.ts removes this one.)
if (!process.env.E2E_PORTS) {
  process.env.E2E_PORTS = freePortsSync(6).join(',');
  if (!process.env.E2E_DATA_DIR) {
    process.env.E2E_DATA_DIR = newDataDir();
    process.env.E2E_DATA_DIR_OWNED = '1';
  }
}
const [apiPort = 0, sameOriginPort = 0, directPort = 0, smtpPort = 0, mailPort = 0, idpPort = 0] = process.env.E2E_PORTS.split(',').map(Number);
const dataDir = process.env.E2E_DATA_DIR ?? '';
process.env.E2E_API_URL = `http://localhost:${apiPort}`;
// The mail catcher every API of the suite sends to (support/servers.ts mailEnv) and support/mail.ts reads.
process.env.E2E_SMTP_PORT = String(smtpPort);
process.env.E2E_MAIL_URL = `http://127.0.0.1:${mailPort}`;
// The local identity provider (issuer, with its trailing slash) every API of the suite offers as
// `local` (support/servers.ts identityProviderEnv); specs sign in on its page.
process.env.E2E_IDP_URL = `http://127.0.0.1:${idpPort}/`;

// Debian's Chromium (apt install chromium); Playwright never downloads a browser here.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const quietChromium = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// Specs that start servers of their own (or none), so they run once, not once per browser mode.
const SERVER_SPECS = /(startup|run-sh)\.spec\.ts$/;
const nextStart = (port: number) => `"${process.execPath}" "${NEXT_BIN}" start --hostname 127.0.0.1 --port ${port}`;

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  forbidOnly: true,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-results.json' }]],
  globalTeardown: './e2e/support/global-teardown.ts',
  use: {
    headless: true,
    launchOptions: { executablePath: chromium, args: quietChromium },
    // The full trace of a failure: screencast, DOM snapshots, network. Recording it for every test
    // costs about 30% of the suite's CPU (auth.spec, side by side); without the screencast and
    // snapshots the suite ran 6 minutes faster, but its tests acted faster too, and two tests that
    // raced the dashboard's own requests failed. Those are fixed; the lighter trace waits for runs
    // that show no other race (docs/testing.md).
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    // Default: the browser calls /api/* on the web origin and Next forwards it to the API.
    { name: 'same-origin', testIgnore: SERVER_SPECS, use: { baseURL: `http://localhost:${sameOriginPort}` } },
    // NEXT_PUBLIC_BACKEND_URL set: the browser calls the API's origin with CORS and credentials.
    // (The pages are the same HTML in both modes, so their accessibility is checked once, above;
    // so is the mail catcher, which is no part of either mode.)
    { name: 'direct', testIgnore: [SERVER_SPECS, /a11y\.spec\.ts$/, /mail\.spec\.ts$/], use: { baseURL: `http://localhost:${directPort}` } },
    // The web server's own start-up checks, and ./run.sh itself (which starts servers of its own).
    { name: 'server', testMatch: SERVER_SPECS },
  ],
  webServer: [
    {
      command: `dotnet ${CATCHER_DLL} --smtp-port ${smtpPort} --http-port ${mailPort}`,
      cwd: CATCHER_DIR,
      env: { DOTNET_NOLOGO: '1' },
      url: `http://127.0.0.1:${mailPort}/health`,
      reuseExistingServer: false,
      timeout: 30_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `dotnet ${IDP_DLL} --port ${idpPort}`,
      cwd: IDP_DIR,
      env: { DOTNET_NOLOGO: '1' },
      url: `http://127.0.0.1:${idpPort}/health`,
      reuseExistingServer: false,
      timeout: 30_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `dotnet ${API_DLL}`,
      cwd: API_DIR,
      // Mails link to the same-origin web server, the default mode.
      env: apiEnv({
        port: apiPort,
        dataDir,
        frontendUrls: [`http://localhost:${directPort}`, `http://localhost:${sameOriginPort}`],
        publicWebUrl: `http://localhost:${sameOriginPort}`,
      }),
      url: `http://127.0.0.1:${apiPort}/health/ready`,
      reuseExistingServer: false,
      timeout: 60_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
      stdout: 'ignore',
      stderr: 'pipe',
    },
    ...[
      { port: sameOriginPort, direct: false },
      { port: directPort, direct: true },
    ].map(({ port, direct }) => ({
      command: nextStart(port),
      cwd: WEB_DIR,
      env: webEnv({ apiPort, direct }),
      url: `http://127.0.0.1:${port}/`,
      reuseExistingServer: false,
      timeout: 60_000,
      gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
      stdout: 'ignore' as const,
      stderr: 'pipe' as const,
    })),
  ],
});
