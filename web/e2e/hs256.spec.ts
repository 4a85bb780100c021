import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { DEMO, expect, logIn, test } from './support/fixtures';
import { freePortsSync, newDataDir, startApi, startWeb } from './support/servers';
import type { Running } from './support/servers';

// The original design's shared secret: the API signs HS256 with JWT_SECRET and the proxy
// verifies with the same secret. This file brings its own API and web server.
test.describe.configure({ mode: 'serial' });

let api: Running | undefined;
let web: Running | undefined;
let dataDir = '';

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(120_000); // two servers to start on a busy machine
  const [apiPort = 0, webPort = 0] = freePortsSync(2);
  const jwtSecret = randomBytes(32).toString('base64url');
  dataDir = newDataDir();
  api = await startApi({ port: apiPort, dataDir, frontendUrls: [`http://localhost:${webPort}`], jwtSecret });
  web = await startWeb({ port: webPort, apiPort, direct: testInfo.project.name === 'direct', jwtSecret });
});

test.afterAll(async () => {
  await web?.stop();
  await api?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('with JWT_SECRET shared, tokens are HS256 and the proxy lets the user in and keeps them off log-in', async ({ page, context }) => {
  await page.goto(`${web!.url}/dashboard`);
  await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/);
  await logIn(page, DEMO);
  await expect(page.getByTestId('username')).toHaveText(DEMO.username);

  const cookie = (await context.cookies()).find((c) => c.name === 'access_token');
  const header = JSON.parse(Buffer.from(cookie!.value.split('.')[0]!, 'base64url').toString()) as { alg: string };
  expect(header.alg).toBe('HS256');

  await page.goto(`${web!.url}/auth/log-in`);
  await expect(page).toHaveURL(`${web!.url}/dashboard`);

  // A token whose signature does not match the secret is refused by the proxy: out to log-in, cookie dropped.
  await context.addCookies([{ ...cookie!, value: `${cookie!.value.slice(0, -4)}AAAA` }]);
  await page.goto(`${web!.url}/dashboard`);
  await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/);
  expect((await context.cookies()).find((c) => c.name === 'access_token')).toBeUndefined();
});
