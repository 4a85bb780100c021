import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';
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

/**
 * Clicks `opener` until its confirmation dialog shows (a click before the page has hydrated does
 * nothing), checks the dialog asks `title`, and returns it.
 */
async function openConfirmation(page: Page, opener: Locator, title: string): Promise<Locator> {
  const dialog = page.getByRole('dialog', { name: title });
  await expect(async () => {
    if (!(await dialog.isVisible())) await opener.click({ timeout: 1_000 });
    await expect(dialog).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  // Focus starts on Cancel, so an Enter pressed out of habit harms nothing.
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  return dialog;
}

test.describe('the sessions page', () => {
  test('lists both browsers, this device first, with "This device" on the one looking', async ({ browser, context, account, baseURL }) => {
    const { page, otherPage } = await signInTwice(browser, context, account, baseURL);

    await page.getByRole('link', { name: 'Sessions' }).click();
    await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
    await expect(sessionItems(page)).toHaveCount(2);
    // The API saw each browser's own user agent, through Next in same-origin mode too. This
    // device comes first even though the other signed in later.
    const here = sessionItems(page).first();
    await expect(here).toContainText('This device');
    await expect(here).toContainText('Chrome');
    await expect(here).toContainText(/IP address\s*(127\.0\.0\.1|::1)/);
    await expect(sessionItems(page).filter({ hasNotText: 'This device' })).toContainText('Firefox 140 on Windows');

    await otherPage.goto('/dashboard/sessions');
    await expect(sessionItems(otherPage).first()).toContainText('This device');
    await expect(sessionItems(otherPage).first()).toContainText('Firefox 140 on Windows');
  });

  test.describe('in the viewer\'s time zone', () => {
    // Half an hour off UTC, so a page that printed UTC (or the server's zone) could not pass.
    test.use({ timezoneId: 'Asia/Kolkata', locale: 'en-US' });

    test('times are local with their age, and the page hydrates without a mismatch', async ({ page, account }) => {
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      await page.goto('/auth/log-in');
      await logIn(page, account);
      await expect(page.getByTestId('username')).toHaveText(account.username);
      await page.goto('/dashboard/sessions');

      const lastActive = sessionItems(page).first().locator('time').first();
      const iso = await lastActive.getAttribute('datetime');
      const local = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Kolkata' }).format(new Date(iso!));
      await expect(lastActive).toHaveText(/^(just now|1 minute ago) · /);
      await expect(lastActive).toContainText(local);
      await expect(lastActive).not.toContainText('UTC');
      expect(problems).toEqual([]);
    });
  });

  test('revoking the other browser asks first, says it did, and sends that browser to log-in within seconds; this one stays', async ({ browser, context, account, baseURL }) => {
    const { page, otherPage } = await signInTwice(browser, context, account, baseURL);
    await page.goto('/dashboard/sessions');
    const revoke = sessionItems(page).filter({ hasNotText: 'This device' }).getByRole('button', { name: 'Revoke' });
    await expect(revoke).toHaveAccessibleDescription(/Firefox 140 on Windows/);

    // Cancel changes nothing and gives focus back to the button that opened the dialog.
    let dialog = await openConfirmation(page, revoke, 'Revoke this session?');
    await expect(dialog).toContainText('Firefox 140 on Windows');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(revoke).toBeFocused();
    await expect(sessionItems(page)).toHaveCount(2);

    dialog = await openConfirmation(page, revoke, 'Revoke this session?');
    await dialog.getByRole('button', { name: 'Revoke session' }).click();
    await expect(page.getByRole('status')).toHaveText('Revoked the session on Firefox 140 on Windows. That device is signed out.');
    await expect(dialog).toBeHidden();
    await expect(sessionItems(page)).toHaveCount(1);
    await expect(sessionItems(page)).toContainText('This device');

    // Its access token is unexpired, so the proxy lets it through; the page refuses the session
    // once the web server has read the revocation from the API's feed (polled every second).
    await expect(async () => {
      await otherPage.goto('/dashboard');
      await expect(otherPage).toHaveURL(`${baseURL}/auth/log-in?next=%2Fdashboard`, { timeout: 500 });
    }).toPass({ timeout: 10_000 });
    expect(await accessCookie(other!)).toBeUndefined();
    expect(await refreshCookie(other!)).toBeUndefined();

    await page.goto('/dashboard');
    await expect(page.getByTestId('username')).toHaveText(account.username);
  });

  test('revoking this device asks first, Escape keeps the session, and confirming is a log out', async ({ page, context, account }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await page.getByRole('link', { name: 'Sessions' }).click();
    const revoke = sessionItems(page).filter({ hasText: 'This device' }).getByRole('button', { name: 'Revoke' });

    let dialog = await openConfirmation(page, revoke, 'Log out of this device?');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(page).toHaveURL(/\/dashboard\/sessions$/);
    expect(await accessCookie(context)).toBeDefined();

    dialog = await openConfirmation(page, revoke, 'Log out of this device?');
    await dialog.getByRole('button', { name: 'Revoke and log out' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in$/);
    expect(await accessCookie(context)).toBeUndefined();
    expect(await refreshCookie(context)).toBeUndefined();
  });

  test('"Sign out everywhere" asks first, then ends every session, this one included', async ({ browser, context, account, baseURL }) => {
    const { page, otherPage } = await signInTwice(browser, context, account, baseURL);
    await page.goto('/dashboard/sessions');
    const dialog = await openConfirmation(page, page.getByRole('button', { name: 'Sign out everywhere' }), 'Sign out everywhere?');
    await expect(dialog).toContainText('this one and 1 other device');
    await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
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
    test.setTimeout(60_000); // six Argon2 hashes: four log-ins, and the change's check and new hash
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
