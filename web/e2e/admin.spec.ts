import type { Page } from '@playwright/test';
import { grantRole } from './support/admin';
import { expect, logIn, logInOn, newAccount, register, test } from './support/fixtures';
import { clickUntil } from './support/step-up';

/** Opens the account menu once the page has hydrated (a click before that does nothing). */
async function openAccountMenu(page: Page) {
  const button = page.getByRole('banner').getByRole('button', { name: /^Account/ });
  await expect(async () => {
    if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
    await expect(button).toHaveAttribute('aria-expanded', 'true', { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  return page.getByRole('navigation', { name: 'Account' });
}

test.describe('the admin console', () => {
  test('an admin finds a user by search, opens them and locks them; that user’s next sign-in fails', async ({ browser, context, account, playwright }) => {
    const admin = newAccount();
    await register(playwright, admin);
    await grantRole('admin', admin.username);

    const page = await logInOn(context, admin);
    const menu = await openAccountMenu(page);
    await menu.getByRole('link', { name: 'Admin' }).click();
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();

    await page.getByLabel('Search by username or email').fill(account.username);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]q=${account.username}`));
    const rows = page.getByRole('table', { name: 'Users' }).getByRole('row');
    await expect(rows).toHaveCount(2); // the header and the one match
    await rows.getByRole('link', { name: account.username }).click();
    await expect(page.getByRole('heading', { name: account.username, level: 1 })).toBeVisible();

    // The confirmation names the user.
    const dialog = page.getByRole('dialog', { name: `Lock ${account.username}?` });
    await clickUntil(page.getByRole('region', { name: 'Actions' }).getByRole('button', { name: 'Lock' }), dialog);
    await expect(dialog).toContainText(`${account.username} will not be able to sign in`);
    await dialog.getByRole('button', { name: `Lock ${account.username}` }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status')).toHaveText(`Locked ${account.username}. Their sign-ins are refused until you unlock the account.`);
    // The page is the API's again: the account shows as locked and offers Unlock.
    await expect(page.getByRole('region', { name: 'Actions' }).getByRole('button', { name: 'Unlock' })).toBeVisible();
    await expect(page.getByRole('main').getByText('Locked', { exact: true }).first()).toBeVisible();

    // The locked user, in a browser of their own, cannot sign in with the right password.
    const theirs = await browser.newContext({ baseURL: test.info().project.use.baseURL });
    const theirPage = await theirs.newPage();
    await theirPage.goto('/auth/log-in');
    await logIn(theirPage, account);
    await expect(theirPage.getByRole('main').getByRole('alert')).toBeVisible();
    await expect(theirPage).toHaveURL(/\/auth\/log-in/);
    await theirs.close();

    // The audit log has the admin's action.
    const userId = new URL(page.url()).pathname.split('/').pop() ?? '';
    await page.goto(`/admin/audit?event=admin_lock&userId=${userId}`);
    await expect(page.getByRole('table', { name: 'Audit events' }).getByRole('row')).toHaveCount(2);
    await expect(page.getByRole('table', { name: 'Audit events' })).toContainText('admin_lock');
  });

  test('a non-admin gets no console: no link in the menu, and /admin sends them to the dashboard', async ({ page, account }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    const menu = await openAccountMenu(page);
    await expect(menu.getByRole('link', { name: 'Account' })).toBeVisible();
    await expect(menu.getByRole('link', { name: 'Admin' })).toHaveCount(0);

    for (const path of ['/admin', '/admin/audit', '/admin/users/00000000-0000-0000-0000-000000000000']) {
      await page.goto(path);
      await expect(page, path).toHaveURL(/\/dashboard$/);
    }
    // Nor does the API answer them.
    const answer = await page.request.get(`${process.env.E2E_API_URL}/admin/users`);
    expect(answer.status()).toBe(403);
  });
});
