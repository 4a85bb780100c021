import type { BrowserContext, Page } from '@playwright/test';
import { accessCookie, expect, logIn, test } from './support/fixtures';
import type { Account } from './support/fixtures';
import { denyAtProvider, expectAtProvider, newProviderUser, PROVIDER, signInAtProvider } from './support/identity-provider';
import type { ProviderUser } from './support/identity-provider';
import { appCode, enrolTotp } from './support/mfa';
import { reauthDialog, requireReauthentication } from './support/step-up';

// Signing in with an identity provider (the suite's local OpenID Connect provider), in both
// browser modes: a new account, the link to an existing account after its own sign-in, unlinking,
// the second factor after the provider, and a denied consent. "Continue with" is a plain link, so
// each trip leaves the site and comes back through the API's callback, whose cookies are the
// session, as after a password.

const continueWith = (page: Page) => page.getByRole('link', { name: `Continue with ${PROVIDER}` });

/** The page is on `path` of the web server this test's browser uses (not another mode's). */
async function expectOnSite(page: Page, baseURL: string | undefined, path: RegExp) {
  await expect(page).toHaveURL(path);
  expect(new URL(page.url()).origin).toBe(new URL(baseURL ?? '').origin);
}

async function logOut(page: Page) {
  await page.goto('/dashboard');
  await expect(async () => {
    if (!page.url().includes('/auth/log-in')) await page.getByRole('main').getByRole('button', { name: 'Log out' }).click({ timeout: 1_000 });
    await expect(page).toHaveURL(/\/auth\/log-in$/, { timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
}

/**
 * The provider's sign-in for `user`, whose email is `account`'s, lands on the link page; signing
 * in there with the password (and `secondFactor`, when the account has one) links it.
 */
async function linkThroughLinkPage(page: Page, baseURL: string | undefined, account: Account & { email: string }, user: ProviderUser, secondFactor?: () => Promise<void>) {
  await page.goto('/auth/log-in');
  await continueWith(page).click();
  await signInAtProvider(page, user);
  await expectOnSite(page, baseURL, /\/auth\/link-account\?next=/);
  await expect(page.getByRole('heading', { name: `Link ${PROVIDER}` })).toBeVisible();
  // The API masks the address; the page names the provider and asks for that account's sign-in.
  await expect(page.getByText(new RegExp(`^An account with \\S+@example\\.com already exists\\. Sign in to it to link ${PROVIDER}\\.$`))).toBeVisible();
  await expect(page.getByText(account.email)).toHaveCount(0);
  await logIn(page, account);
  await secondFactor?.();
  await expectOnSite(page, baseURL, /\/dashboard$/);
  await expect(page.getByRole('status').filter({ hasText: `${PROVIDER} is now linked` })).toBeVisible();
  await expect(page.getByTestId('username')).toHaveText(account.username);
}

/** Starts the provider's sign-in from log-in and comes back signed in as `username`. */
async function signInWithProvider(page: Page, context: BrowserContext, baseURL: string | undefined, user: ProviderUser) {
  await page.goto('/auth/log-in');
  await continueWith(page).click();
  await signInAtProvider(page, user);
  await expectOnSite(page, baseURL, /\/dashboard$/);
  expect(await accessCookie(context)).toMatchObject({ httpOnly: true });
}

test('"Continue with Local provider" makes an account for a new person and lands on the dashboard', async ({ page, context, baseURL }) => {
  const user = newProviderUser();
  await page.goto('/auth/log-in?next=%2Fdashboard%2Fsessions');
  // A plain link to the API's start, through /api in same-origin mode, carrying the page's next.
  const start = new URL((await continueWith(page).getAttribute('href')) ?? '', baseURL);
  expect(start.pathname).toMatch(/\/auth\/external\/local\/start$/);
  expect(start.searchParams.get('next')).toBe('/dashboard/sessions');
  await continueWith(page).click();
  await signInAtProvider(page, user);

  await expectOnSite(page, baseURL, /\/dashboard\/sessions$/);
  expect(await accessCookie(context)).toMatchObject({ httpOnly: true });
  // The provider's tokens never reach the browser, and the attempt's own cookies are gone.
  const names = (await context.cookies()).filter((cookie) => cookie.domain === 'localhost').map((cookie) => cookie.name);
  expect(names.filter((name) => /id_token|oidc|nonce|correlation/i.test(name))).toEqual([]);

  // The sign-up page offers the same way in.
  await logOut(page);
  await page.goto('/auth/sign-up');
  await expect(continueWith(page)).toBeVisible();
  // The same person again: the same account, straight in.
  await signInWithProvider(page, context, baseURL, user);
});

test('an existing account is linked only after its own sign-in, and then the provider signs straight in', async ({ page, context, account, baseURL }) => {
  const withEmail = { ...account, email: account.email ?? '' };
  const user = newProviderUser(withEmail.email);
  await linkThroughLinkPage(page, baseURL, withEmail, user);

  await page.goto('/dashboard/security');
  const linked = page.getByRole('region', { name: 'Linked accounts', exact: true });
  await expect(linked.getByRole('list', { name: 'Your linked accounts' }).getByText(PROVIDER)).toBeVisible();

  await logOut(page);
  await signInWithProvider(page, context, baseURL, user);
  await expect(page.getByTestId('username')).toHaveText(account.username);
});

test('the link page: Cancel drops the pending link, and a visit without one says it expired', async ({ page, account, baseURL }) => {
  const user = newProviderUser(account.email);
  await page.goto('/auth/log-in');
  await continueWith(page).click();
  await signInAtProvider(page, user);
  await expectOnSite(page, baseURL, /\/auth\/link-account/);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page).toHaveURL(/\/auth\/log-in$/);

  await page.goto('/auth/link-account');
  await expect(page.getByRole('heading', { name: 'Link request expired' })).toBeVisible();
  await expect(page.getByRole('main').getByRole('alert')).toContainText('expired');
  await page.getByRole('link', { name: 'Back to log in' }).click();
  await expect(page).toHaveURL(/\/auth\/log-in$/);
});

test('Linked accounts: link from the security page (after confirming it is you), then unlink', async ({ page, context, account, baseURL }) => {
  // Three trips through the provider and three log-outs: more than the default 30 s on a busy machine.
  test.setTimeout(90_000);
  const user = newProviderUser();
  await page.goto('/auth/log-in');
  await logIn(page, account);
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.goto('/dashboard/security');
  const linked = page.getByRole('region', { name: 'Linked accounts', exact: true });
  await expect(linked.getByText('None')).toBeVisible();
  // Linking needs a recent sign-in: the dialog asks, and the link goes on once confirmed.
  await requireReauthentication(page, 'POST', '/auth/external/local/link');
  await expect(async () => {
    if (!(await reauthDialog(page).isVisible())) await linked.getByRole('button', { name: `Link ${PROVIDER}` }).click({ timeout: 1_000 });
    await expect(reauthDialog(page)).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await reauthDialog(page).getByLabel('Your password').fill(account.password);
  await reauthDialog(page).getByRole('button', { name: 'Confirm' }).click();
  await signInAtProvider(page, user);
  await expectOnSite(page, baseURL, /\/dashboard\/security$/);
  await expect(linked.getByRole('list', { name: 'Your linked accounts' }).getByText(PROVIDER)).toBeVisible();
  await expect(linked.getByRole('button', { name: `Link ${PROVIDER}` })).toHaveCount(0);

  // The link signs in to this account.
  await logOut(page);
  await signInWithProvider(page, context, baseURL, user);
  await expect(page.getByTestId('username')).toHaveText(account.username);

  // Unlink, after a confirmation.
  await page.goto('/dashboard/security');
  await linked.getByRole('button', { name: 'Unlink' }).click();
  const confirm = page.getByRole('dialog', { name: `Unlink ${PROVIDER}?` });
  await expect(confirm).toBeVisible();
  await confirm.getByRole('button', { name: 'Unlink' }).click();
  // The provider's sign-in a moment ago is a recent authentication: no dialog.
  await expect(page.getByRole('status').filter({ hasText: `${PROVIDER} is unlinked` })).toBeVisible();
  await expect(linked.getByRole('button', { name: `Link ${PROVIDER}` })).toBeVisible();

  // Unlinked: the provider's sign-in makes a new account (its email is not this account's).
  await logOut(page);
  await signInWithProvider(page, context, baseURL, user);
  await expect(page.getByTestId('username')).not.toHaveText(account.username);
});

test('an account with a second factor passes it after the provider, on the log-in page', async ({ page, context, account, playwright, baseURL }) => {
  // Two whole sign-ins through the provider, a link and two log-outs: past 30 s on a loaded machine.
  test.setTimeout(90_000);
  const withEmail = { ...account, email: account.email ?? '' };
  const { secret, recoveryCodes } = await enrolTotp(playwright, account, baseURL ?? '');
  const user = newProviderUser(withEmail.email);
  // The link page's own sign-in asks for the second factor too (a recovery code here, so the
  // app's next code is still unused for the sign-in below).
  await linkThroughLinkPage(page, baseURL, withEmail, user, async () => {
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
  });
  await logOut(page);

  await page.goto('/auth/log-in');
  await continueWith(page).click();
  await signInAtProvider(page, user);
  // The provider's sign-in alone is not a session: the log-in page asks for the code.
  await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
  expect(await accessCookie(context)).toBeUndefined();
  const code = page.getByLabel('Authentication code');
  await expect(code).toBeFocused();
  await code.fill(appCode(secret, 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expectOnSite(page, baseURL, /\/dashboard$/);
  await expect(page.getByTestId('username')).toHaveText(account.username);

  // The pending sign-in is spent: the same address again says it expired and asks for the password.
  await logOut(page);
  await page.goto('/auth/log-in?mfa=1');
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('That sign-in expired, start again.');
  await expect(page.getByLabel('Password')).toBeVisible();
  await expect(page).toHaveURL(/\/auth\/log-in$/);
});

test('a denied consent leads to the error page, whose "Try again" goes back to the provider', async ({ page, context, baseURL }) => {
  await page.goto('/auth/log-in');
  await continueWith(page).click();
  await denyAtProvider(page);
  await expectOnSite(page, baseURL, /\/auth\/external-error\?.*reason=denied/);
  await expect(page.getByRole('heading', { name: 'Sign-in cancelled' })).toBeVisible();
  await expect(page.getByRole('main').getByRole('alert')).toContainText(`You did not allow ${PROVIDER} to sign you in`);
  expect(await accessCookie(context)).toBeUndefined();
  await expect(page.getByRole('link', { name: 'Back to log in' })).toHaveAttribute('href', '/auth/log-in');

  await page.getByRole('link', { name: 'Try again' }).click();
  await expectAtProvider(page);
  const user = newProviderUser();
  await signInAtProvider(page, user);
  await expectOnSite(page, baseURL, /\/dashboard$/);
});
