import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
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
  for (const name of ['PORT', 'WEB_PORT', 'FRONTEND_URL', 'NEXT_PUBLIC_BACKEND_URL', 'GATEHOUSE_API_URL', 'JWT_SECRET',
    'ASPNETCORE_URLS', 'ASPNETCORE_ENVIRONMENT', 'DOTNET_ENVIRONMENT', 'Gatehouse__Data__Directory']) {
    delete clean[name];
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

for (const [variable, what] of [
  ['WEB_PORT', 'the web app'],
  ['PORT', 'the API'],
] as const) {
  test(`run.sh with ${variable} taken stops before building and says in one line which port and how to pick another`, async () => {
    const [apiPort = 0, webPort = 0] = freePortsSync(2);
    const takenPort = variable === 'PORT' ? apiPort : webPort;
    const blocker = await occupy(takenPort);
    const run = runSh([], { PORT: String(apiPort), WEB_PORT: String(webPort) });
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
 * API at 127.0.0.1 when `direct`; resolves once its banner is out.
 */
async function startRunSh(options: { direct: boolean }) {
  const [apiPort = 0, webPort = 0] = freePortsSync(2);
  const dataDir = newDataDir();
  const run = runSh(['--no-build'], {
    PORT: String(apiPort),
    WEB_PORT: String(webPort),
    Gatehouse__Data__Directory: dataDir,
    ...(options.direct ? { NEXT_PUBLIC_BACKEND_URL: `http://127.0.0.1:${apiPort}` } : {}),
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
  return { webPort, run, stop };
}

test.describe('run.sh, started', () => {
  test.setTimeout(120_000);

  test('same-origin: logging in works at both localhost and 127.0.0.1 (the address next start prints), and next start\'s banner stays off the console', async ({ browser }) => {
    const { webPort, run, stop } = await startRunSh({ direct: false });
    try {
      const { stdout } = run.output();
      expect(stdout).toContain(`Gatehouse web:  http://localhost:${webPort}`);
      expect(stdout).not.toContain('Next.js');
      for (const host of ['127.0.0.1', 'localhost']) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`http://${host}:${webPort}/auth/log-in`);
        await logIn(page, DEMO);
        await expect(page).toHaveURL(`http://${host}:${webPort}/dashboard`);
        await expect(page.getByTestId('username')).toHaveText(DEMO.username);
        await context.close();
      }
    } finally {
      await stop();
    }
  });

  test('direct mode: the banner names the web app on the API\'s host name, where the API\'s cookies reach the pages, and logging in works there', async ({ page }) => {
    const { webPort, run, stop } = await startRunSh({ direct: true });
    try {
      const webUrl = `http://127.0.0.1:${webPort}`;
      expect(run.output().stdout).toContain(`Gatehouse web:  ${webUrl}\n`);
      await page.goto(`${webUrl}/auth/log-in`);
      await logIn(page, DEMO);
      await expect(page).toHaveURL(`${webUrl}/dashboard`);
      await expect(page.getByTestId('username')).toHaveText(DEMO.username);
    } finally {
      await stop();
    }
  });
});
