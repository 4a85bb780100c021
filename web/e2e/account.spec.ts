import { readFile } from 'node:fs/promises';
import { expect, logIn, test } from './support/fixtures';
import { clickUntil, reauthDialog, requireReauthentication } from './support/step-up';

test.describe('the account page', () => {
  test.beforeEach(async ({ page, account }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    await page.goto('/dashboard/account');
    await expect(page.getByRole('heading', { name: 'Account', level: 1 })).toBeVisible();
  });

  test('downloads the user’s own data as a JSON file', async ({ page, account }) => {
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download my data' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(`gatehouse-${account.username}.json`);
    const data = JSON.parse(await readFile((await download.path())!, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(expect.arrayContaining(['profile', 'roles', 'sessions', 'logins', 'passkeys', 'auditEvents']));
    expect(JSON.stringify(data.profile)).toContain(account.username);
    expect(Array.isArray(data.sessions) && data.sessions.length).toBeGreaterThan(0);
  });

  test('deletes the account once the username is typed and it is confirmed who it is; the user cannot sign in again', async ({ page, account }) => {
    // The sign-in is fresh, so the API would not ask; the first DELETE is answered as a stale one would be.
    const forced = await requireReauthentication(page, 'DELETE', '/auth/account');
    const dialog = page.getByRole('dialog', { name: `Delete the account ${account.username}?` });
    await clickUntil(page.getByRole('button', { name: 'Delete my account' }), dialog);

    // A slip is caught: the username must be typed out.
    const typed = dialog.getByLabel(`Type your username, ${account.username}, to confirm`);
    await typed.fill('not-it');
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await expect(dialog.getByText(`Type ${account.username} to confirm.`)).toBeVisible();
    await expect(typed).toHaveAttribute('aria-invalid', 'true');

    await typed.fill(account.username);
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await expect(reauthDialog(page)).toBeVisible();
    await reauthDialog(page).getByLabel('Your password').fill(account.password);
    await reauthDialog(page).getByRole('button', { name: 'Confirm' }).click();

    // The same call, repeated after the confirmation, deletes the account; log-in says so.
    await expect(page).toHaveURL(/\/auth\/log-in$/);
    expect(forced.forced()).toBe(1);
    await expect(page.getByText('Your account has been deleted, and you are signed out everywhere.')).toBeVisible();

    await logIn(page, account);
    await expect(page.getByRole('main').getByRole('alert')).toBeVisible();
    await expect(page).toHaveURL(/\/auth\/log-in/);
  });
});
