import type { Browser, BrowserContext, Page } from '@playwright/test';
import { FIREFOX_ON_WINDOWS, accessCookie, expect, logIn, logInOn, refreshCookie, test } from './support/fixtures';
import type { Account } from './support/fixtures';

// Two browsers signed in to one account: `context` (Playwright's Chromium) and `other`, whose
// user agent says Firefox on Windows so the session list can tell them apart.
let other: BrowserContext | undefined;
test.afterEach(async () => {
  await other?.close();
  other = undefined;
});

async function signInTwice(browser: Browser, context: BrowserContext, account: Account, baseURL: string | undefined) {
  const page = await logInOn(context, account);
  other = await browser.newContext({ baseURL, userAgent: FIREFOX_ON_WINDOWS });
  const otherPage = await logInOn(other, account);
  return { page, otherPage };
}

const sessionItems = (page: Page) => page.getByRole('list', { name: 'Signed-in sessions' }).getByRole('listitem');

test.describe('the sessions page', () => {
  test('lists both browsers with "This device" on the one looking', async ({ browser, context, account, baseURL }) => {
    const { page, otherPage } = await signInTwice(browser, context, account, baseURL);

    await page.getByRole('link', { name: 'Sessions' }).click();
    await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
    await expect(sessionItems(page)).toHaveCount(2);
    // The API saw each browser's own user agent, through Next in same-origin mode too. (No order
    // asserted: both sessions start within a second, and the API keeps whole seconds.)
    const here = sessionItems(page).filter({ hasText: 'This device' });
    await expect(here).toContainText('Chrome');
    await expect(here).toContainText(/IP address\s*(127\.0\.0\.1|::1)/);
    await expect(sessionItems(page).filter({ hasNotText: 'This device' })).toContainText('Firefox 140 on Windows');

    await otherPage.goto('/dashboard/sessions');
    await expect(sessionItems(otherPage).filter({ hasText: 'This device' })).toContainText('Firefox 140 on Windows');
  });

  test('revoking the other browser sends it to log-in within seconds of navigations; this one stays', async ({ browser, context, account, baseURL }) => {
    const { page, otherPage } = await signInTwice(browser, context, account, baseURL);
    await page.goto('/dashboard/sessions');
    await sessionItems(page).filter({ hasNotText: 'This device' }).getByRole('button', { name: 'Revoke' }).click();
    await expect(sessionItems(page)).toHaveCount(1);
    await expect(sessionItems(page)).toContainText('This device');

    // Its access token is unexpired, so the proxy lets it through; the page refuses the session
    // once the web server has read the revocation from the API's feed (polled every second).
    await expect(async () => {
      await otherPage.goto('/dashboard');
      await expect(otherPage).toHaveURL(`${baseURL}/auth/log-in?next=%2Fdashboard`, { timeout: 500 });
    }).toPass({ timeout: 5_000 });
    expect(await accessCookie(other!)).toBeUndefined();
    expect(await refreshCookie(other!)).toBeUndefined();

    await page.goto('/dashboard');
    await expect(page.getByTestId('username')).toHaveText(account.username);
  });

  test('revoking this device is a log out', async ({ page, context, account }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await page.getByRole('link', { name: 'Sessions' }).click();
    await sessionItems(page).filter({ hasText: 'This device' }).getByRole('button', { name: 'Revoke' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in$/);
    expect(await accessCookie(context)).toBeUndefined();
    expect(await refreshCookie(context)).toBeUndefined();
  });

  test('"Sign out everywhere" ends every session, this one included', async ({ browser, context, account, baseURL }) => {
    const { page, otherPage } = await signInTwice(browser, context, account, baseURL);
    await page.goto('/dashboard/sessions');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in$/);
    expect(await accessCookie(context)).toBeUndefined();
    expect(await refreshCookie(context)).toBeUndefined();

    // The dashboard, whose only check is the page's own (the sessions page would also hear it from the API).
    await expect(async () => {
      await otherPage.goto('/dashboard');
      await expect(otherPage).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/, { timeout: 500 });
    }).toPass({ timeout: 5_000 });
  });
});

test.describe('changing the password', () => {
  test('shows field errors from the API next to the fields', async ({ page, account }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await page.getByRole('link', { name: 'Change password' }).click();

    await page.getByLabel('Current password').fill('not-my-password');
    await page.getByLabel('New password').fill('Another-Long-Passphrase-1');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByLabel('Current password')).toHaveAccessibleDescription(/Current password is incorrect/);

    await page.getByLabel('Current password').fill(account.password);
    await page.getByLabel('New password').fill('password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByLabel('New password')).toHaveAccessibleDescription(/too common/);
    await expect(page.getByRole('status')).toHaveCount(0);
  });

  test('signs the other browser out within seconds; the changer stays signed in and later logs in with the new password only', async ({
    browser,
    context,
    account,
    baseURL,
  }) => {
    const { page, otherPage } = await signInTwice(browser, context, account, baseURL);
    const newPassword = `${account.password}-changed`;
    await page.goto('/dashboard/password');
    await page.getByLabel('Current password').fill(account.password);
    await page.getByLabel('New password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('status')).toHaveText('Password changed. Your other sessions were signed out.');
    await expect(page.getByLabel('Current password')).toHaveValue('');

    await expect(async () => {
      await otherPage.goto('/dashboard');
      await expect(otherPage).toHaveURL(`${baseURL}/auth/log-in?next=%2Fdashboard`, { timeout: 500 });
    }).toPass({ timeout: 5_000 });

    await page.goto('/dashboard');
    await expect(page.getByTestId('username')).toHaveText(account.username);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in$/);

    await logIn(page, account); // the old password
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('Invalid username or password.');
    await logIn(page, { ...account, password: newPassword });
    await expect(page.getByTestId('username')).toHaveText(account.username);
  });
});
