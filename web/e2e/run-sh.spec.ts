import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import path from 'node:path';
import { DEMO, expect, logIn, test } from './support/fixtures';
import { WEB_DIR, freePortsSync, newDataDir } from './support/servers';

// ./run.sh as a newcomer runs it: what it prints, which addresses work, and how it fails.
const REPO = path.resolve(WEB_DIR, '..');

interface RunSh {
  readonly child: ChildProcess;
  readonly output: () => { stdout: string; stderr: string };
  /** Resolves with the exit code; run.sh never outlives the test (see stop). */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

function runSh(args: string[], env: Record<string, string>): RunSh {
  const clean = { ...process.env };
  // A developer's shell (or the suite's own settings) must not change what run.sh does.
  for (const name of ['PORT', 'WEB_PORT', 'MAIL_PORT', 'SMTP_PORT', 'IDP_PORT', 'FRONTEND_URL', 'NEXT_PUBLIC_BACKEND_URL', 'GATEHOUSE_API_URL', 'JWT_SECRET',
    'ASPNETCORE_URLS', 'ASPNETCORE_ENVIRONMENT', 'DOTNET_ENVIRONMENT', 'Gatehouse__Data__Directory', 'Gatehouse__PublicWebUrl',
    'Gatehouse__Email__Enabled', 'Gatehouse__Email__Smtp__Host', 'Gatehouse__Email__Smtp__Port', 'Gatehouse__Email__Smtp__Security']) {
    delete clean[name];
  }
  for (const name of Object.keys(clean)) {
    if (name.startsWith('Gatehouse__ExternalLogins__')) delete clean[name];
  }
  const child = spawn('bash', ['run.sh', ...args], {
    cwd: REPO,
    env: { ...clean, ...env },
    detached: true, // its own process group: stop() reaches the API and next start too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        signal('SIGKILL'); // run.sh is gone; nothing of its group may stay
        return;
      }
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      signal('SIGKILL');
    },
  };
}

async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return server;
}

/** Whether nothing listens on `port` (the connection is refused). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Free ports for everything run.sh starts, so no run of it meets a default port in use. */
function freeRunShPorts() {
  const [api = 0, web = 0, mail = 0, smtp = 0, idp = 0] = freePortsSync(5);
  return {
    api,
    web,
    mail,
    smtp,
    idp,
    env: { PORT: String(api), WEB_PORT: String(web), MAIL_PORT: String(mail), SMTP_PORT: String(smtp), IDP_PORT: String(idp) },
  };
}

for (const [variable, what] of [
  ['WEB_PORT', 'the web app'],
  ['PORT', 'the API'],
  ['MAIL_PORT', "the mail catcher's page"],
  ['SMTP_PORT', "the mail catcher's SMTP"],
  ['IDP_PORT', 'the local identity provider'],
] as const) {
  test(`run.sh with ${variable} taken stops before building and says in one line which port and how to pick another`, async () => {
    const ports = freeRunShPorts();
    const takenPort = Number(ports.env[variable]);
    const blocker = await occupy(takenPort);
    const run = runSh([], ports.env);
    try {
      // Fast: the check comes before the API build and the two-minute web build.
      const code = await Promise.race([run.exited, new Promise<'slow'>((resolve) => setTimeout(() => resolve('slow'), 15_000))]);
      const { stdout, stderr } = run.output();
      expect(code, `run.sh did not stop within 15 s:\n${stdout}${stderr}`).toBe(1);
      expect(stdout).not.toContain('building');
      expect(stdout).not.toContain('Gatehouse web:');
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`port ${takenPort} (${what}) is already in use`);
      expect(lines[0]).toContain(` ${variable}=`);
      expect(lines[0]).toMatch(/PORT=\d+ \.\/run\.sh$/);
    } finally {
      await run.stop();
      blocker.close();
    }
  });
}

/**
 * Starts `./run.sh --no-build` on free ports and a throwaway database, in direct mode against the
 * API at 127.0.0.1 when `direct`, with more settings from `env`; resolves once its banner is out.
 */
async function startRunSh(options: { direct: boolean; env?: Record<string, string> }) {
  const ports = freeRunShPorts();
  const { api: apiPort, web: webPort } = ports;
  const dataDir = newDataDir();
  const run = runSh(['--no-build'], {
    ...ports.env,
    Gatehouse__Data__Directory: dataDir,
    ...(options.direct ? { NEXT_PUBLIC_BACKEND_URL: `http://127.0.0.1:${apiPort}` } : {}),
    ...options.env,
  });
  const stop = async () => {
    await run.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while (!run.output().stdout.includes('Press Ctrl-C to stop.')) {
    if (run.child.exitCode !== null || Date.now() > deadline) {
      const { stdout, stderr } = run.output();
      await stop();
      throw new Error(`run.sh did not print its banner:\n${stdout}\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { webPort, apiPort, mailPort: ports.mail, smtpPort: ports.smtp, idpPort: ports.idp, run, stop };
}

test.describe('run.sh, started', () => {
  test.setTimeout(120_000);

  test('same-origin: logging in works at both localhost and 127.0.0.1 (the address next start prints), next start\'s banner stays off the console, and the mail catcher and the local identity provider run beside them until run.sh stops', async ({ browser }) => {
    const { webPort, apiPort, mailPort, smtpPort, idpPort, run, stop } = await startRunSh({ direct: false });
    try {
      const { stdout } = run.output();
      expect(stdout).toContain(`Gatehouse web:  http://localhost:${webPort}`);
      expect(stdout).toContain(`Mail catcher:   http://localhost:${mailPort}   (every mail the API sends; SMTP on 127.0.0.1:${smtpPort})`);
      expect(stdout).not.toContain('Next.js');
      expect(stdout).not.toContain('Mail catcher: http'); // the catcher's own banner stays off the console too
      const mail = await fetch(`http://127.0.0.1:${mailPort}/api/messages`);
      expect(mail.status).toBe(200);
      expect(await mail.json()).toEqual([]);
      expect(await refused(smtpPort)).toBe(false);
      expect(stdout).toContain(`Local provider: http://127.0.0.1:${idpPort}/   ("Continue with Local provider"`);
      expect(stdout).not.toContain('Local identity provider: http'); // its own banner stays off the console
      const discovery = await fetch(`http://127.0.0.1:${idpPort}/.well-known/openid-configuration`);
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe(`http://127.0.0.1:${idpPort}/`);
      for (const host of ['127.0.0.1', 'localhost']) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`http://${host}:${webPort}/auth/log-in`);
        await logIn(page, DEMO);
        await expect(page).toHaveURL(`http://${host}:${webPort}/dashboard`);
        await expect(page.getByTestId('username')).toHaveText(DEMO.username);
        await context.close();
      }

      // SIGTERM to run.sh alone (not its process group): it stops every server it started.
      if (run.child.pid !== undefined) process.kill(run.child.pid, 'SIGTERM');
      expect(await run.exited).toBe(0);
      for (const port of [apiPort, webPort, mailPort, smtpPort, idpPort]) expect(await refused(port), `port ${port}`).toBe(true);
    } finally {
      await stop();
    }
  });

  test('direct mode: the banner names the web app on the API\'s host name, where the API\'s cookies reach the pages, and logging in works there; an SMTP server of one\'s own means no catcher', async ({ page }) => {
    const [ownSmtpPort = 0] = freePortsSync(1);
    const { webPort, mailPort, run, stop } = await startRunSh({
      direct: true,
      env: { Gatehouse__Email__Smtp__Host: '127.0.0.1', Gatehouse__Email__Smtp__Port: String(ownSmtpPort) },
    });
    try {
      const webUrl = `http://127.0.0.1:${webPort}`;
      const { stdout } = run.output();
      expect(stdout).toContain(`Gatehouse web:  ${webUrl}\n`);
      expect(stdout).toContain(`Mail:           sent to 127.0.0.1:${ownSmtpPort} (Gatehouse__Email__Smtp__Host is set; no mail catcher)`);
      expect(stdout).not.toContain('Mail catcher:');
      expect(await refused(mailPort)).toBe(true);
      await page.goto(`${webUrl}/auth/log-in`);
      await logIn(page, DEMO);
      await expect(page).toHaveURL(`${webUrl}/dashboard`);
      await expect(page.getByTestId('username')).toHaveText(DEMO.username);
    } finally {
      await stop();
    }
  });
});
