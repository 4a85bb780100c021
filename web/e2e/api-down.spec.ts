import { expect, logIn, newAccount, test } from './support/fixtures';
import { startOwnStack } from './support/servers';
import type { OwnStack } from './support/servers';

// This file stops and restarts the API, so it brings its own API and web server.
test.describe.configure({ mode: 'serial' });

let stack: OwnStack | undefined;

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(120_000); // two servers to start on a busy machine
  stack = await startOwnStack({ direct: testInfo.project.name === 'direct' });
});

test.afterAll(async () => stack?.stop());

test('with the API stopped, a signed-in visitor sees the 503 page, not log-in; it recovers when the API is back', async ({ page, browser }) => {
  test.setTimeout(90_000); // a sign-up, an API stopped and started again, on a busy machine
  const account = newAccount();
  await page.goto(`${stack!.url}/auth/sign-up`);
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel(/^Email/).fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  // The first sign-up on a freshly started API (its first hash, its first outbox row) on a busy machine.
  await expect(page.getByTestId('username')).toHaveText(account.username, { timeout: 30_000 });

  await stack!.stopApi();

  // Pages trust the token on their own only while the API's revocation feed answers; its next
  // poll (within a second) fails, and from then on they ask the API, which is down.
  await expect(async () => {
    const response = await page.goto(`${stack!.url}/dashboard`);
    expect(response?.status()).toBe(503);
  }).toPass({ timeout: 5_000 });
  await expect(page.getByText('The sign-in service is unreachable')).toBeVisible();
  expect(new URL(page.url()).pathname).not.toBe('/auth/log-in');

  // Signed out, the log-in form says the service is unreachable instead of failing silently.
  const stranger = await browser.newPage();
  await stranger.goto(`${stack!.url}/auth/log-in`);
  await logIn(stranger, account);
  await expect(stranger.getByRole('main').getByRole('alert')).toHaveText(/sign-in service is unreachable/);
  await stranger.close();

  // Same port, same database: the session survives the outage.
  await stack!.startApi();
  await page.getByRole('link', { name: 'Try again' }).click();
  await expect(page).toHaveURL(`${stack!.url}/dashboard`);
  await expect(page.getByTestId('username')).toHaveText(account.username);
});
