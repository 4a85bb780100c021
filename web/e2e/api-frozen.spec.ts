import { expect, logIn, newAccount, register, test } from './support/fixtures';
import { startRelayedStack } from './support/relay';
import type { RelayedStack } from './support/relay';

// An API of this file's own, behind a relay that can freeze, with the rate limits on (the shared
// e2e API has them off) so a test can meet one.
test.describe.configure({ mode: 'serial' });

let stack: RelayedStack | undefined;

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(120_000); // three servers to start on a busy machine
  stack = await startRelayedStack({
    direct: testInfo.project.name === 'direct',
    apiSettings: {
      Gatehouse__RateLimits__Enabled: 'true',
      Gatehouse__RateLimits__Password__PerUser: '2',
      Gatehouse__RateLimits__Password__PerIp: '100',
      Gatehouse__RateLimits__Password__Window: '00:15:00',
    },
  });
});

test.afterAll(async () => stack?.stop());

test.afterEach(() => stack?.relay.thaw());

test('a frozen API: "Logging in…" gives up after about 10 s with a clear message, and Try again logs in once it answers', async ({ page, playwright }) => {
  test.setTimeout(60_000);
  const account = newAccount();
  await register(playwright, account, stack!.apiUrl);
  await page.goto(`${stack!.url}/auth/log-in`);

  stack!.relay.freeze();
  await logIn(page, account);
  const started = Date.now();
  await expect(page.getByRole('button', { name: 'Logging in…' })).toBeVisible();
  const alert = page.getByRole('main').getByRole('alert');
  await expect(alert).toContainText('did not answer in time', { timeout: 20_000 });
  const waited = Date.now() - started;
  expect(waited).toBeGreaterThan(8_000);
  expect(waited).toBeLessThan(15_000);
  // What was typed is still there, for the retry.
  await expect(page.getByLabel('Password')).toHaveValue(account.password);

  stack!.relay.thaw();
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('username')).toHaveText(account.username);
});

test('a rate limit says the wait in minutes: "Try again in 15 minutes", not "900 seconds"', async ({ page, playwright }) => {
  const account = newAccount();
  await register(playwright, account, stack!.apiUrl);
  await page.goto(`${stack!.url}/auth/log-in`);
  await logIn(page, account);
  await expect(page.getByTestId('username')).toHaveText(account.username);

  await page.goto(`${stack!.url}/dashboard/password`);
  await page.getByLabel('Current password').fill('not-the-password');
  await page.getByLabel('New password').fill('Tangerine-Osprey-Lantern-7');
  const submit = page.getByRole('button', { name: 'Change password' });
  // Two attempts the limit allows (PerUser=2), then the third is refused.
  for (let attempt = 0; attempt < 2; attempt++) {
    const answered = page.waitForResponse((response) => response.url().endsWith('/auth/password') && response.request().method() === 'POST');
    await submit.click();
    expect((await answered).status()).toBe(400);
    await expect(page.getByLabel('Current password')).toHaveAccessibleDescription(/Current password is incorrect/);
  }
  await submit.click();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Too many attempts. Try again in 15 minutes.');
});
