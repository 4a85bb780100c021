import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The web app's folder and the API project's folder, whatever the current directory. */
export const WEB_DIR = path.resolve(__dirname, '..', '..');
export const API_DIR = path.resolve(WEB_DIR, '..', 'server', 'src', 'Gatehouse.Api');
export const API_DLL = path.join('bin', 'Release', 'net10.0', 'Gatehouse.Api.dll');
export const NEXT_BIN = path.join(WEB_DIR, 'node_modules', 'next', 'dist', 'bin', 'next');
/** The mail catcher (server/tools/Gatehouse.MailCatcher), which the Release build of the solution builds. */
export const CATCHER_DIR = path.resolve(WEB_DIR, '..', 'server', 'tools', 'Gatehouse.MailCatcher');
export const CATCHER_DLL = path.join('bin', 'Release', 'net10.0', 'Gatehouse.MailCatcher.dll');
/** The local identity provider (server/tools/Gatehouse.DevIdentityProvider), built by the same Release build. */
export const IDP_DIR = path.resolve(WEB_DIR, '..', 'server', 'tools', 'Gatehouse.DevIdentityProvider');
export const IDP_DLL = path.join('bin', 'Release', 'net10.0', 'Gatehouse.DevIdentityProvider.dll');
/** The client the provider knows and the API signs in as (the provider's defaults). */
export const IDP_CLIENT_ID = 'gatehouse';
export const IDP_CLIENT_SECRET = 'dev-secret';

/**
 * Ports the OS reports free right now, found synchronously so the Playwright config (which runs
 * in the runner and again in each worker) can pick them once and pass them on in the environment.
 */
export function freePortsSync(count: number): number[] {
  const script = `
    const net = require('node:net');
    const servers = Array.from({ length: ${count} }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, '127.0.0.1', ok)))).then(() => {
      process.stdout.write(servers.map((s) => s.address().port).join(','));
      servers.forEach((s) => s.close());
    });`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).split(',').map(Number);
}

export const newDataDir = () => mkdtempSync(path.join(tmpdir(), 'gatehouse-e2e-'));

export interface ApiOptions {
  readonly port: number;
  readonly dataDir: string;
  readonly frontendUrls: string[];
  readonly jwtSecret?: string;
  /** More API settings, e.g. `{ Gatehouse__Tokens__Lifetime: '00:00:04' }` for tokens that expire during a test. */
  readonly settings?: Record<string, string>;
  /** Where the mails' links point (Gatehouse:PublicWebUrl); the first of `frontendUrls` unless given. */
  readonly publicWebUrl?: string;
}

/**
 * The API settings that send its mail to the suite's mail catcher (plain SMTP on loopback), which
 * e2e/support/mail.ts reads back; none when no catcher runs (E2E_SMTP_PORT unset).
 */
export function mailEnv(): Record<string, string> {
  const port = process.env.E2E_SMTP_PORT;
  return port
    ? { Gatehouse__Email__Smtp__Host: '127.0.0.1', Gatehouse__Email__Smtp__Port: port, Gatehouse__Email__Smtp__Security: 'None' }
    : {};
}

/**
 * The API settings that add the suite's local identity provider as the external login `local`
 * ("Continue with Local provider"); none when no provider runs (E2E_IDP_URL unset).
 */
export function identityProviderEnv(): Record<string, string> {
  const url = process.env.E2E_IDP_URL;
  return url
    ? {
        Gatehouse__ExternalLogins__Providers__local__Authority: url,
        Gatehouse__ExternalLogins__Providers__local__ClientId: IDP_CLIENT_ID,
        Gatehouse__ExternalLogins__Providers__local__ClientSecret: IDP_CLIENT_SECRET,
        Gatehouse__ExternalLogins__Providers__local__DisplayName: 'Local provider',
      }
    : {};
}

/** The environment the API runs with in e2e: Development (demo user, no Secure flag over http), its own database. */
export function apiEnv(options: ApiOptions): Record<string, string> {
  const publicWebUrl = options.publicWebUrl ?? options.frontendUrls[0];
  return {
    ...(options.jwtSecret ? { JWT_SECRET: options.jwtSecret } : {}),
    ASPNETCORE_ENVIRONMENT: 'Development',
    PORT: String(options.port),
    FRONTEND_URL: options.frontendUrls.join(','),
    Gatehouse__Data__Directory: options.dataDir,
    // As the web deployment sets it: the refresh cookie on every path, so the proxy sees it on
    // page requests and the browser sends it to the same-origin /api/auth/refresh.
    Gatehouse__Cookie__RefreshPath: '/',
    // As run.sh sets it: no proxy is believed, so the API sees each connection's own address
    // (the web server passes no X-Forwarded-For on; e2e/hardening.spec.ts).
    // Every e2e sign-in comes from 127.0.0.1; the limits have tests of their own on the server.
    Gatehouse__RateLimits__Enabled: 'false',
    // Every API of the suite, the shared one and each test's own, mails the one catcher; a mail's
    // links lead to the web server the test's browser uses.
    ...mailEnv(),
    // And every API knows the suite's local identity provider (e2e/external-login specs).
    ...identityProviderEnv(),
    ...(publicWebUrl ? { Gatehouse__PublicWebUrl: publicWebUrl } : {}),
    DOTNET_NOLOGO: '1',
    ...options.settings,
  };
}

/** The environment of `next start`: same-origin by default, direct when `direct` is set. */
export function webEnv(options: { apiPort: number; direct: boolean; jwtSecret?: string; settings?: Record<string, string> }): Record<string, string> {
  return {
    ...(options.jwtSecret ? { JWT_SECRET: options.jwtSecret } : {}),
    NEXT_TELEMETRY_DISABLED: '1',
    GATEHOUSE_API_URL: `http://127.0.0.1:${options.apiPort}`,
    ...(options.direct ? { NEXT_PUBLIC_BACKEND_URL: `http://localhost:${options.apiPort}` } : {}),
    ...options.settings,
  };
}

// Every child a test starts, so none outlives the worker even when a hook times out.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) signalGroup(child, 'SIGKILL');
});

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export interface Running {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts a server for a test that must control it (stop the API mid-test), waits until `readyUrl`
 * answers, and returns a handle whose stop() ends the whole process group.
 */
export async function startProcess(options: {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  readyUrl: string;
  url: string;
}): Promise<Running> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true, // its own process group, so stop() reaches its children too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const handle: Running = { url: options.url, stop: () => stopProcess(child) };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.command} exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    try {
      const response = await fetch(options.readyUrl, { redirect: 'manual' });
      if (response.status < 500) return handle;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await handle.stop();
  throw new Error(`${options.command} did not become ready at ${options.readyUrl} in 30 s:\n${output}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export function startApi(options: ApiOptions): Promise<Running> {
  return startProcess({
    command: 'dotnet',
    args: [API_DLL],
    cwd: API_DIR,
    env: apiEnv(options),
    readyUrl: `http://127.0.0.1:${options.port}/health/ready`,
    url: `http://localhost:${options.port}`,
  });
}

export function startWeb(options: { port: number; apiPort: number; direct: boolean; jwtSecret?: string; settings?: Record<string, string> }): Promise<Running> {
  return startProcess({
    command: process.execPath,
    args: [NEXT_BIN, 'start', '--hostname', '127.0.0.1', '--port', String(options.port)],
    cwd: WEB_DIR,
    env: webEnv(options),
    readyUrl: `http://127.0.0.1:${options.port}/`,
    url: `http://localhost:${options.port}`,
  });
}

/** An API and a web server of one test file's own: fresh ports, a fresh database. */
export interface OwnStack {
  /** The web server's address, as the browser uses it. */
  readonly url: string;
  /** The API's own address, for arranging state without the UI. */
  readonly apiUrl: string;
  stopApi(): Promise<void>;
  /** Starts the API again on the same port and database, after stopApi(). */
  startApi(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnStack(options: {
  direct: boolean;
  jwtSecret?: string;
  apiSettings?: Record<string, string>;
  webSettings?: Record<string, string>;
}): Promise<OwnStack> {
  const [apiPort = 0, webPort = 0] = freePortsSync(2);
  const dataDir = newDataDir();
  const launchApi = () =>
    startApi({ port: apiPort, dataDir, frontendUrls: [`http://localhost:${webPort}`], jwtSecret: options.jwtSecret, settings: options.apiSettings });
  let api: Running | undefined;
  let web: Running | undefined;
  const stop = async () => {
    await web?.stop();
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    api = await launchApi();
    web = await startWeb({ port: webPort, apiPort, direct: options.direct, jwtSecret: options.jwtSecret, settings: options.webSettings });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: web.url,
    apiUrl: `http://localhost:${apiPort}`,
    stopApi: async () => api?.stop(),
    startApi: async () => {
      api = await launchApi();
    },
    stop,
  };
}
