import { expect, logIn, newAccount, register, test } from './support/fixtures';
import { startOwnStack } from './support/servers';
import type { OwnStack } from './support/servers';
import { reauthDialog } from './support/step-up';

// The step-up as it really happens: this file brings its own API whose re-authentication window is
// the shortest it allows (one minute), waits it out, and changes the password. The API answers
// 403 reauthentication_required, the dialog asks for the password, and the change goes on.
const WINDOW_SECONDS = 60;
test.describe.configure({ mode: 'serial' });

let stack: OwnStack | undefined;

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(120_000); // two servers to start on a busy machine
  stack = await startOwnStack({
    direct: testInfo.project.name === 'direct',
    apiSettings: { Gatehouse__Security__ReauthWindow: `00:0${WINDOW_SECONDS / 60}:00` },
  });
});

test.afterAll(async () => stack?.stop());

test('after the window has passed, changing the password asks for it again in a dialog, refuses a wrong one, and then changes it', async ({ page, playwright }) => {
  test.setTimeout(WINDOW_SECONDS * 1000 + 90_000);
  const account = newAccount();
  await register(playwright, account, stack!.apiUrl);
  await page.goto(`${stack!.url}/auth/log-in`);
  await logIn(page, account);
  await expect(page.getByTestId('username')).toHaveText(account.username);

  await page.goto(`${stack!.url}/dashboard/password`);
  await page.getByLabel('Current password').fill(account.password);
  const newPassword = `${account.password}-new`;
  await page.getByLabel('New password').fill(newPassword);
  // The sign-in is older than the window now (the access token is renewed meanwhile; auth_time is not).
  await page.waitForTimeout((WINDOW_SECONDS + 2) * 1000);
  await page.getByRole('button', { name: 'Change password' }).click();

  const dialog = reauthDialog(page);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Your password')).toBeFocused();
  await dialog.getByLabel('Your password').fill('not-my-password');
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog.getByText('That password is not right.')).toBeVisible();
  await expect(dialog.getByLabel('Your password')).toBeFocused();

  await dialog.getByLabel('Your password').fill(account.password);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Password changed. Your other sessions were signed out.')).toBeVisible();

  // It took: the new password logs in.
  const check = await playwright.request.newContext();
  const login = await check.post(`${stack!.apiUrl}/auth/login`, { data: { username: account.username, password: newPassword } });
  expect(login.status(), await login.text()).toBe(200);
  await check.dispose();
});
