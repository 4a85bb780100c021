import type { PlaywrightWorkerArgs } from '@playwright/test';
import { apiUrl, expect, logIn, test } from './support/fixtures';
import type { Account } from './support/fixtures';

/** A stranger elsewhere, with no cookie at all, guesses until the account is locked for unknown clients. */
async function lockForStrangers(playwright: PlaywrightWorkerArgs['playwright'], account: Account) {
  const stranger = await playwright.request.newContext();
  try {
    for (let i = 0; i < 10; i++) {
      const guess = await stranger.post(`${apiUrl()}/auth/login`, { data: { username: account.username, password: `stranger-guess-${i}` } });
      expect(guess.status()).toBe(401);
    }
    // Locked now: even the right password is refused to the stranger.
    expect((await stranger.post(`${apiUrl()}/auth/login`, { data: account })).status()).toBe(401);
  } finally {
    await stranger.dispose();
  }
}

test.describe('a stranger guessing the password', () => {
  test('locks the account for other browsers, not for the one that signed in before, even after it logged out', async ({ page, context, browser, baseURL, account, playwright }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in$/);
    // Log-out ends the session but keeps the device cookie, out of scripts' reach.
    const device = (await context.cookies()).find((cookie) => cookie.name === 'device_token');
    expect(device?.httpOnly).toBe(true);

    await lockForStrangers(playwright, account);

    const elsewhere = await browser.newContext({ baseURL });
    try {
      const other = await elsewhere.newPage();
      await other.goto('/auth/log-in');
      await logIn(other, account);
      await expect(other.getByRole('main').getByRole('alert')).toHaveText('Invalid username or password.');
    } finally {
      await elsewhere.close();
    }

    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId('username')).toHaveText(account.username);
  });
});
