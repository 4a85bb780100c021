import type { CDPSession, Page, Route } from '@playwright/test';
import { accessCookie, apiUrl, expect, logIn, test } from './support/fixtures';
import { appCode, enrolTotp } from './support/mfa';

// Signing in to an account with a second factor, on the log-in page, in both browser modes: the
// authenticator app's code (computed here, as the app would), a recovery code, a passkey without a
// password, and a passkey as the second factor. Passkeys use Chromium's virtual authenticator,
// which WebAuthn allows on http://localhost (never on an IP address).

/** Where the page's own scripts reach the API in this project's mode. */
const apiBase = (baseURL: string | undefined) => (test.info().project.name === 'direct' ? apiUrl() : `${baseURL}/api`);

/** Chromium's virtual authenticator for `page`: a platform authenticator that holds passkeys and verifies the user. */
async function virtualAuthenticator(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return cdp;
}

/** Makes the browser say it has no passkey autofill, so only the buttons ask for a passkey. */
const withoutAutofill = (page: Page) =>
  page.addInitScript(() => {
    Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', { value: async () => false });
  });

/**
 * Adds a passkey to the signed-in account with the page's own script, as the security page does:
 * options from the API, the browser's WebAuthn (the virtual authenticator answers), the credential back.
 */
async function registerPasskey(page: Page, base: string) {
  const status = await page.evaluate(async (api) => {
    type Json = { ceremonyId: string; options: unknown };
    const statics = PublicKeyCredential as unknown as { parseCreationOptionsFromJSON(options: unknown): PublicKeyCredentialCreationOptions };
    const started = await fetch(`${api}/auth/passkeys/register/options`, { method: 'POST', credentials: 'include' });
    if (!started.ok) return `options: ${started.status} ${await started.text()}`;
    const { ceremonyId, options } = (await started.json()) as Json;
    const credential = (await navigator.credentials.create({ publicKey: statics.parseCreationOptionsFromJSON(options) })) as PublicKeyCredential & { toJSON(): unknown };
    const done = await fetch(`${api}/auth/passkeys/register`, {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ceremonyId, credential: credential.toJSON(), name: 'e2e virtual authenticator' }),
    });
    return done.ok ? 'registered' : `register: ${done.status} ${await done.text()}`;
  }, base);
  expect(status).toBe('registered');
}

async function logOut(page: Page) {
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/auth\/log-in$/);
}

const pendingCookie = async (page: Page) => (await page.context().cookies()).find((cookie) => cookie.name.endsWith('mfa_pending'));

test.describe('an account with an authenticator app', () => {
  test('signs in with the app code: no session until the code, a wrong code says so, then the dashboard', async ({ page, context, account, playwright, baseURL }) => {
    const { secret } = await enrolTotp(playwright, account, baseURL ?? '');

    await page.goto('/auth/log-in');
    await logIn(page, account);
    // The second step, in the same card: focus is in the code field, and the password set no session.
    const code = page.getByLabel('Authentication code');
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    await expect(code).toBeFocused();
    await expect(code).toHaveAttribute('autocomplete', 'one-time-code');
    await expect(code).toHaveAttribute('inputmode', 'numeric');
    await expect(page.getByRole('status').filter({ hasText: /Password accepted/ })).toHaveCount(1);
    expect(await accessCookie(context)).toBeUndefined();
    expect(await pendingCookie(page)).toMatchObject({ httpOnly: true });

    // Not six digits: said here, without spending an attempt.
    await code.fill('12345');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(code).toHaveAccessibleDescription('Enter the 6 digits your authenticator app shows.');

    // Ten minutes old: far outside the window the API accepts.
    await code.fill(appCode(secret, -20));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(code).toHaveAccessibleDescription(/That code is not right/);
    await expect(code).toBeFocused();
    expect(await accessCookie(context)).toBeUndefined();

    // The next period's code: one step ahead is accepted, and it is not the step the set-up used.
    await code.fill(appCode(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    expect(await accessCookie(context)).toMatchObject({ httpOnly: true });
    expect(await pendingCookie(page)).toBeUndefined();
  });

  test('signs in with a recovery code, and goes on to the page it was asked for', async ({ page, account, playwright, baseURL }) => {
    const { recoveryCodes } = await enrolTotp(playwright, account, baseURL ?? '');

    await page.goto('/dashboard/sessions');
    await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard%2Fsessions$/);
    await logIn(page, account);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    const field = page.getByLabel('Recovery code');
    await expect(field).toBeFocused();

    await field.fill('not-a-recovery-code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(field).toHaveAccessibleDescription(/That recovery code is not right/);

    await field.fill(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(/\/dashboard\/sessions$/);
  });

  test('"Start over" goes back to the password, with focus in the username field', async ({ page, account, playwright, baseURL }) => {
    await enrolTotp(playwright, account, baseURL ?? '');
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page.getByLabel('Authentication code')).toBeFocused();
    await page.getByRole('button', { name: 'Start over' }).click();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    await expect(page.getByLabel('Username')).toBeFocused();
  });
});

/** Answers the browser's next call to `path` as the API would, CORS included (direct mode). */
async function answerOnce(page: Page, path: string, status: number, body: unknown) {
  await page.route(`**${path}`, async (route: Route) => {
    const origin = route.request().headers().origin ?? '';
    await route.fulfill({
      status,
      contentType: status < 400 ? 'application/json' : 'application/problem+json',
      headers: { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' },
      body: JSON.stringify(body),
    });
  }, { times: 1 });
}

test('a pending sign-in that ended (expired, or too many wrong codes) goes back to the password and says why', async ({ page, account }) => {
  // Five wrong codes would also count toward the account's lockout; the API's answer is what matters here.
  await answerOnce(page, '/auth/login', 200, { mfaRequired: true, methods: ['totp', 'recovery_code'] });
  await answerOnce(page, '/auth/login/mfa', 401, { status: 401, code: 'mfa_pending_invalid', title: 'Unauthorized' });
  await page.goto('/auth/log-in');
  await logIn(page, account);
  await page.getByLabel('Authentication code').fill('123456');
  await page.getByRole('button', { name: 'Verify' }).click();

  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(/timed out or had too many wrong attempts/);
  await expect(page.getByLabel('Username')).toBeFocused();
  // The real API now: the password signs in (this account has no second factor), and the message goes.
  await logIn(page, account);
  await expect(page).toHaveURL(/\/dashboard$/);
});

test.describe('passkeys', () => {
  test('a passkey signs in without a password from "Sign in with a passkey"', async ({ page, context, account, baseURL }) => {
    await virtualAuthenticator(page);
    await withoutAutofill(page);
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    await registerPasskey(page, apiBase(baseURL));
    await logOut(page);

    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    expect(await accessCookie(context)).toMatchObject({ httpOnly: true });
  });

  test('a passkey is the second factor after a password', async ({ page, account, baseURL }) => {
    await virtualAuthenticator(page);
    await withoutAutofill(page);
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    await registerPasskey(page, apiBase(baseURL));
    await logOut(page);

    await logIn(page, account);
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    // A passkey account without an app: the passkey button is the way, a recovery code the other.
    await expect(page.getByLabel('Authentication code')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Use a recovery code' })).toBeVisible();
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    expect(await pendingCookie(page)).toBeUndefined();
  });

  test('the username field offers the passkey (autofill), and a pick signs in', async ({ page, account, baseURL }) => {
    await virtualAuthenticator(page);
    await page.goto('/auth/log-in');
    await expect(page.getByLabel('Username')).toHaveAttribute('autocomplete', 'username webauthn');
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    await registerPasskey(page, apiBase(baseURL));

    // Chromium's virtual authenticator answers the autofill's conditional request at once, as if
    // the person picked its passkey among the suggestions: the log-in page signs in by itself.
    const signIn = page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/auth/passkeys/login'));
    await page.getByRole('button', { name: 'Log out' }).click();
    await signIn;
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId('username')).toHaveText(account.username);
  });
});

test('/.well-known/passkey-endpoints names the security page, without a session and without a redirect', async ({ request, baseURL }) => {
  const response = await request.get('/.well-known/passkey-endpoints', { maxRedirects: 0 });
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toMatch(/^application\/json/);
  expect(await response.json()).toEqual({ enroll: `${baseURL}/dashboard/security`, manage: `${baseURL}/dashboard/security` });
});
