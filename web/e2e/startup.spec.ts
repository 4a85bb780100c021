import { spawnSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { NEXT_BIN, WEB_DIR, freePortsSync } from './support/servers';

// No browser here: bad settings must stop `next start` with a message that says how to fix them.
for (const [name, value, message] of [
  ['GATEHOUSE_API_URL', 'http://localhost:3001/api', 'GATEHOUSE_API_URL must be an origin, with no path'],
  ['NEXT_PUBLIC_BACKEND_URL', 'localhost:3001', 'NEXT_PUBLIC_BACKEND_URL must use http or https'],
  ['JWT_SECRET', 'too-short-secret', 'JWT_SECRET must be at least 32 bytes'],
] as const) {
  test(`next start refuses a bad ${name} and says how to fix it`, () => {
    const [port = 0] = freePortsSync(1);
    const run = spawnSync(process.execPath, [NEXT_BIN, 'start', '--hostname', '127.0.0.1', '--port', String(port)], {
      cwd: WEB_DIR,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', [name]: value },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(message);
    if (name === 'JWT_SECRET') expect(run.stderr + run.stdout).not.toContain(value);
  });
}
