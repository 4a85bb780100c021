import type { Locator, Page } from '@playwright/test';
import { accessCookie, expect, logIn, logInOn, newAccount, register, test } from './support/fixtures';
import { waitForMail } from './support/mail';
import type { Mail } from './support/mail';
import { startOwnStack } from './support/servers';
import type { OwnStack } from './support/servers';

// The mails come over real SMTP from the API's outbox to the mail catcher (support/mail.ts).

/**
 * The mail's link, checked to lead to `pathname` with the mail's token, as a path on this
 * project's own web server: the API builds links from one Gatehouse:PublicWebUrl, while each e2e
 * project (same-origin, direct) has a server of its own. Path and token are exactly the mail's.
 */
function linkIn(mail: Mail, pathname: string): string {
  expect(mail.link, `a link in "${mail.subject}"`).not.toBeNull();
  const url = new URL(mail.link ?? '');
  expect(url.pathname).toBe(pathname);
  expect(url.searchParams.get('token')).toBe(mail.token);
  expect(mail.token).toMatch(/^[A-Za-z0-9_-]{43,}$/); // 256 bits or more, base64url
  return mail.path ?? '';
}

const VERIFY_SUBJECT = /Verify your email address/;
const RESET_SUBJECT = /Reset your password/;

/** Presses `button` until `done` shows: a press before the page has hydrated does nothing, and a press while busy is ignored. */
async function pressUntil(button: Locator, done: Locator) {
  await expect(async () => {
    if (await button.isVisible()) await button.click({ timeout: 1_000 });
    await expect(done).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
}

const banner = (page: Page) => page.getByRole('region', { name: 'Verify your email address' });

test.describe('account recovery by email', () => {
  // Argon2id hashes, mail delivery through the outbox and a few page loads on a loaded machine.
  test.describe.configure({ timeout: 90_000 });

  test('sign up, open the verification mail, verify with the button; opening the link alone verifies nothing, and the banner goes', async ({ page }) => {
    const account = newAccount();
    await page.goto('/auth/sign-up');
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel(/^Email/).fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page).toHaveURL(/\/dashboard$/, { timeout: 20_000 });
    await expect(banner(page)).toContainText(account.email);

    const mail = await waitForMail(account.email, { subject: VERIFY_SUBJECT });
    const link = linkIn(mail, '/auth/verify-email');

    // What a mail scanner does: it follows the link. The page is only a button; nothing is spent.
    expect((await page.request.get(link)).status()).toBe(200);
    await page.goto(link);
    await expect(page).toHaveTitle('Verify email · Gatehouse');
    await page.reload();
    await pressUntil(page.getByRole('button', { name: 'Verify my email' }), page.getByRole('heading', { name: 'Email verified' }));
    await expect(page.getByRole('heading', { name: 'Email verified' })).toBeFocused();
    await expect(page.getByRole('main').getByRole('status')).toHaveText(`${account.email} is verified. You can use it to log in and to reset your password.`);

    // The banner is gone: the dashboard asks /auth/me, which now says verified.
    const me = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/auth/me'));
    await page.getByRole('link', { name: 'Continue' }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    expect(await (await me).json()).toMatchObject({ email: account.email, emailVerified: true });
    await expect(page.getByTestId('username')).toHaveText(account.username);
    await expect(banner(page)).toHaveCount(0);

    // The link works once.
    await page.goto(link);
    await pressUntil(page.getByRole('button', { name: 'Verify my email' }), page.getByRole('main').getByRole('alert'));
    await expect(page.getByRole('main').getByRole('alert')).toHaveText(/already used/);
  });

  test('the banner sends a new link, and that link verifies too', async ({ context, account }) => {
    const page = await logInOn(context, account);
    await expect(banner(page)).toContainText(account.email!);
    const first = await waitForMail(account.email!, { subject: VERIFY_SUBJECT });

    await pressUntil(banner(page).getByRole('button', { name: 'Resend link' }), banner(page).getByText(/new link is on its way/));
    await expect(banner(page).getByRole('status')).toHaveText(/new link is on its way/);
    const second = await waitForMail(account.email!, { subject: VERIFY_SUBJECT, after: first });
    expect(second.token).not.toBe(first.token);

    await page.goto(linkIn(second, '/auth/verify-email'));
    await pressUntil(page.getByRole('button', { name: 'Verify my email' }), page.getByRole('heading', { name: 'Email verified' }));
    const me = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/auth/me'));
    await page.getByRole('link', { name: 'Continue' }).click();
    expect(await (await me).json()).toMatchObject({ email: account.email, emailVerified: true });
    await expect(page.getByTestId('username')).toHaveText(account.username);
    await expect(banner(page)).toHaveCount(0);
  });

  test('forgot password: the mailed link resets it, the browser signed in before is signed out, and only the new password logs in', async ({
    browser,
    context,
    account,
    baseURL,
  }) => {
    // The "old" browser: signed in before the reset.
    const oldPage = await logInOn(context, account);

    // Somewhere else, someone with the mailbox asks for a link, by email address.
    const other = await browser.newContext({ baseURL });
    const page = await other.newPage();
    await page.goto('/auth/log-in');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await expect(page).toHaveURL(/\/auth\/forgot-password$/);
    // An address nobody has gets the very same answer, and the page says the very same thing.
    for (const name of [`nobody-${account.username}@example.com`, account.email!]) {
      const answer = page.waitForResponse((response) => response.url().endsWith('/auth/password/forgot'));
      await page.getByLabel('Username or email').fill(name);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      expect((await answer).status()).toBe(202);
      expect(await (await answer).json()).toEqual({ sent: true });
      await expect(page.getByRole('main').getByRole('status')).toHaveText(/^If an account exists for that username or email address, we sent a link/);
    }

    const link = linkIn(await waitForMail(account.email!, { subject: RESET_SUBJECT }), '/auth/reset-password');
    await page.goto(link);
    await expect(page).toHaveTitle('Reset password · Gatehouse');

    const newPassword = `Copper-Lantern-${account.password.slice(-8)}`;
    await page.getByLabel('New password').fill(newPassword);
    await page.getByLabel('Confirm password').fill(`${newPassword}x`);
    await page.getByRole('button', { name: 'Reset password' }).click();
    await expect(page.getByLabel('Confirm password')).toHaveAccessibleDescription('The two passwords do not match.');
    await expect(page.getByLabel('Confirm password')).toBeFocused();

    await page.getByLabel('Confirm password').fill(newPassword);
    await page.getByRole('button', { name: 'Reset password' }).click();
    // Not signed in: log-in, with a notice saying why.
    await expect(page).toHaveURL(/\/auth\/log-in$/, { timeout: 20_000 });
    await expect(page.getByText('Your password was reset. Sign in with your new password.')).toBeVisible();
    expect(await accessCookie(other)).toBeUndefined();

    // The old browser is sent to log in on its next page load (its session was revoked; pages learn
    // of it from the API's revocation feed within about a second).
    await expect(async () => {
      await oldPage.goto('/dashboard');
      await expect(oldPage).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/, { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    expect(await accessCookie(context)).toBeUndefined();

    // The old password no longer works; the new one does, typed with the email address.
    await logIn(page, account);
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('Invalid username or password.');
    await logIn(page, { username: account.email!, password: newPassword });
    await expect(page.getByTestId('username')).toHaveText(account.username);

    // The link was single use.
    await page.goto(link);
    await page.getByLabel('New password').fill(`${newPassword}-again`);
    await page.getByLabel('Confirm password').fill(`${newPassword}-again`);
    await pressUntil(page.getByRole('button', { name: 'Reset password' }), page.getByRole('link', { name: 'Get a new link' }));
    await expect(page.getByRole('main').getByRole('alert')).toHaveText(/reset link/);
    await other.close();
  });

  test('changing the address: a link goes to the new one, and the address changes only when its button is pressed', async ({ context, account }) => {
    const page = await logInOn(context, account);
    await page.getByRole('link', { name: 'Change email address' }).click();
    await expect(page).toHaveURL(/\/dashboard\/email$/);
    await expect(page.getByRole('main')).toContainText(`Your address is ${account.email!} (not verified yet).`);

    const newEmail = `moved-${account.username}@example.com`;
    await page.getByLabel('New email address').fill(newEmail);
    await page.getByLabel('Current password').fill('not-the-password');
    await page.getByRole('button', { name: 'Send confirmation link' }).click();
    await expect(page.getByLabel('Current password')).toHaveAccessibleDescription(/incorrect/);
    await expect(page.getByLabel('Current password')).toBeFocused();

    await page.getByLabel('Current password').fill(account.password);
    await page.getByRole('button', { name: 'Send confirmation link' }).click();
    await expect(page.getByRole('main').getByRole('status')).toHaveText(`We sent a link to ${newEmail}. Open it to confirm the change; until then your address stays as it is.`);
    await expect(page.getByLabel('Current password')).toHaveValue('');

    const link = linkIn(await waitForMail(newEmail, { subject: /Confirm your new address/ }), '/auth/confirm-email');
    await page.reload();
    await expect(page.getByRole('main')).toContainText(`Your address is ${account.email!}`);

    await page.goto(link);
    await expect(page).toHaveTitle('Confirm email · Gatehouse');
    await pressUntil(page.getByRole('button', { name: 'Confirm my new email' }), page.getByRole('heading', { name: 'Email changed' }));
    await expect(page.getByRole('main').getByRole('status')).toHaveText(`Your account's address is now ${newEmail}.`);
    await page.goto('/dashboard/email');
    await expect(page.getByRole('main')).toContainText(`Your address is ${newEmail} (verified).`);
  });

  test('a broken link says so at once and offers a way to a new one', async ({ page }) => {
    await page.goto('/auth/reset-password?token=cut');
    await expect(page.getByRole('main').getByRole('alert')).toHaveText(/password reset link is not valid/);
    await page.getByRole('link', { name: 'Get a new link' }).click();
    await expect(page).toHaveURL(/\/auth\/forgot-password$/);

    await page.goto('/auth/verify-email?token=cut');
    await expect(page.getByRole('main').getByRole('alert')).toHaveText(/verification link is not valid/);
    await expect(page.getByRole('button', { name: 'Send a new link' })).toBeVisible();
  });
});

test.describe('with RequireVerifiedEmail on', () => {
  // An API of this block's own: the shared one lets unverified addresses sign in.
  test.describe.configure({ mode: 'serial', timeout: 90_000 });
  let stack: OwnStack | undefined;
  test.beforeAll(async ({}, testInfo) => {
    test.setTimeout(120_000); // two servers to start on a busy machine
    stack = await startOwnStack({ direct: testInfo.project.name === 'direct', apiSettings: { Gatehouse__Accounts__RequireVerifiedEmail: 'true' } });
  });
  test.afterAll(async () => stack?.stop());

  test('sign-up says "check your mail" and signs nobody in; log-in before verifying offers a new link, which lets the account in', async ({ page, context }) => {
    const account = newAccount();
    await page.goto(`${stack!.url}/auth/sign-up`);
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel(/^Email/).fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page.getByRole('heading', { name: 'Check your mail' })).toBeFocused({ timeout: 20_000 });
    await expect(page.getByRole('main').getByRole('status')).toContainText(account.email);
    expect(await accessCookie(context)).toBeUndefined();
    const first = await waitForMail(account.email, { subject: VERIFY_SUBJECT });

    await page.getByRole('link', { name: 'Log in' }).click();
    await logIn(page, account);
    await expect(page.getByRole('main').getByRole('alert')).toHaveText(/not verified yet/);
    expect(await accessCookie(context)).toBeUndefined();
    await page.getByRole('button', { name: 'Send a new link' }).click();
    // The log-in page has a second live region (the passkey and second-factor steps announce there).
    await expect(page.getByRole('main').getByRole('status').filter({ hasText: /new link is on its way/ })).toBeVisible();

    const second = await waitForMail(account.email, { subject: VERIFY_SUBJECT, after: first });
    await page.goto(`${stack!.url}${linkIn(second, '/auth/verify-email')}`);
    await pressUntil(page.getByRole('button', { name: 'Verify my email' }), page.getByRole('heading', { name: 'Email verified' }));
    await page.getByRole('link', { name: 'Continue' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/);
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
  });
});

test.describe('with mail switched off', () => {
  test.describe.configure({ mode: 'serial', timeout: 90_000 });
  let stack: OwnStack | undefined;
  test.beforeAll(async ({}, testInfo) => {
    test.setTimeout(120_000);
    stack = await startOwnStack({
      direct: testInfo.project.name === 'direct',
      apiSettings: { Gatehouse__Email__Enabled: 'false', Gatehouse__Accounts__RequireEmail: 'false' },
    });
  });
  test.afterAll(async () => stack?.stop());

  test('no page offers a mail: no "Forgot password?", no banner, no email page in the menu; the address is optional', async ({ page, playwright }) => {
    await page.goto(`${stack!.url}/auth/sign-up`);
    await expect(page.getByLabel('Email (optional)')).toBeVisible();
    await page.goto(`${stack!.url}/auth/log-in`);
    await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Forgot password?' })).toHaveCount(0);
    await page.goto(`${stack!.url}/auth/forgot-password`);
    await expect(page.getByRole('main')).toContainText('does not send mail');
    await expect(page.getByRole('button', { name: 'Send reset link' })).toHaveCount(0);

    // An account with an address it never verified: still no banner, no link to change it.
    const account = newAccount();
    await register(playwright, account, stack!.apiUrl);
    await page.goto(`${stack!.url}/auth/log-in`);
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    await expect(page.getByRole('link', { name: 'Change email address' })).toHaveCount(0);
    await expect(banner(page)).toHaveCount(0);
    // The account menu lists its pages, but not the email page.
    const menu = page.getByRole('banner').getByRole('button', { name: /^Account/ });
    const accountLinks = page.getByRole('navigation', { name: 'Account' });
    await expect(async () => {
      if ((await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
      await expect(accountLinks.getByRole('link', { name: 'Password' })).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 10_000 });
    await expect(accountLinks.getByRole('link', { name: 'Email address' })).toHaveCount(0);
  });
});
