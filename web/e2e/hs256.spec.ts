import { randomBytes } from 'node:crypto';
import { DEMO, accessCookie, dashboardRequestsAnswered, expect, logIn, test } from './support/fixtures';
import { startOwnStack } from './support/servers';
import type { OwnStack } from './support/servers';

// The original design's shared secret: the API signs HS256 with JWT_SECRET and the proxy
// verifies with the same secret. This file brings its own API and web server.
test.describe.configure({ mode: 'serial' });

let stack: OwnStack | undefined;

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(120_000); // two servers to start on a busy machine
  stack = await startOwnStack({ direct: testInfo.project.name === 'direct', jwtSecret: randomBytes(32).toString('base64url') });
});

test.afterAll(async () => stack?.stop());

test('with JWT_SECRET shared, tokens are HS256 and the proxy lets the user in and keeps them off log-in', async ({ page, context }) => {
  await page.goto(`${stack!.url}/dashboard`);
  await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/);
  await logIn(page, DEMO);
  await expect(page.getByTestId('username')).toHaveText(DEMO.username);

  const cookie = await accessCookie(context);
  const header = JSON.parse(Buffer.from(cookie!.value.split('.')[0]!, 'base64url').toString()) as { alg: string };
  expect(header.alg).toBe('HS256');

  const answered = dashboardRequestsAnswered(page);
  await page.goto(`${stack!.url}/auth/log-in`);
  await expect(page).toHaveURL(`${stack!.url}/dashboard`);
  await answered;

  // A token whose signature does not match the secret is refused by the proxy: out to log-in, cookie dropped.
  await context.addCookies([{ ...cookie!, value: `${cookie!.value.slice(0, -4)}AAAA` }]);
  await page.goto(`${stack!.url}/dashboard`);
  await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/);
  expect(await accessCookie(context)).toBeUndefined();
});
