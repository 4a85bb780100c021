import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from '@playwright/test';
import { apiUrl, expect, logIn, newAccount, test } from './support/fixtures';
import type { Account } from './support/fixtures';
import { Authenticator, clickUntil, reauthDialog, requireReauthentication } from './support/step-up';

// The security page in a real browser against the real API, in both browser modes: the
// authenticator app set up with codes computed here from the key the page shows, recovery codes
// shown once and downloaded, passkeys made by Chromium's virtual authenticator, and the
// re-authentication dialog with a code and with a passkey.

test.describe.configure({ timeout: 90_000 });

async function signUp(page: Page): Promise<Account> {
  const account = newAccount();
  await page.goto('/auth/sign-up');
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel(/^Email/).fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByTestId('username')).toHaveText(account.username, { timeout: 20_000 });
  return account;
}

/** From the dashboard, the way a person goes: the account menu's Security link. */
async function openSecurityPage(page: Page) {
  const menuButton = page.getByRole('banner').getByRole('button', { name: /^Account/ });
  const link = page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Security' });
  await clickUntil(menuButton, link);
  await link.click();
  await expect(page).toHaveURL(/\/dashboard\/security$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Security' })).toBeVisible();
}

const section = (page: Page, name: string) => page.getByRole('region', { name, exact: true });
const recoveryCodeList = (page: Page) => page.getByRole('list', { name: 'Recovery codes', exact: true });

/** The codes the panel shows (ten, all different), then hides them with "I have saved them". */
async function readCodes(page: Page): Promise<string[]> {
  const panel = section(page, 'Save your recovery codes');
  await expect(panel).toBeVisible();
  await expect(panel.getByText('You will not see these again.')).toBeVisible();
  const codes = (await recoveryCodeList(page).getByRole('listitem').allTextContents()).map((code) => code.trim());
  expect(codes).toHaveLength(10);
  expect(new Set(codes).size).toBe(10);
  return codes;
}

/**
 * Logs in with the password and a code through the API from this browser's own cookie jar (the
 * log-in page's code step is the weblogin helper's part, with a spec of its own): the password
 * alone must start no session.
 */
async function logInWithCode(page: Page, context: BrowserContext, account: Account, code: string, webOrigin: string) {
  const headers = { Origin: webOrigin };
  const first = await page.request.post(`${apiUrl()}/auth/login`, { data: { username: account.username, password: account.password }, headers });
  expect(first.status(), await first.text()).toBe(200);
  expect(await first.json()).toMatchObject({ mfaRequired: true, methods: expect.arrayContaining(['totp', 'recovery_code']) });
  expect((await context.cookies()).some((cookie) => cookie.name === 'access_token')).toBe(false);

  const second = await page.request.post(`${apiUrl()}/auth/login/mfa`, { data: { code }, headers });
  expect(second.status(), await second.text()).toBe(200);
  await page.goto('/dashboard');
  await expect(page.getByTestId('username')).toHaveText(account.username);
}

test('the authenticator app: set up from the key on the page, ten recovery codes downloaded, log-in with a code, new codes after confirming with a code', async ({
  page,
  context,
  baseURL,
}) => {
  const account = await signUp(page);
  await openSecurityPage(page);
  const totp = section(page, 'Authenticator app');
  await expect(totp.getByText('Off', { exact: true })).toBeVisible();
  await expect(section(page, 'Recovery codes')).toContainText('You get ten recovery codes when you set up your first second factor.');

  await clickUntil(totp.getByRole('button', { name: 'Set up' }), totp.getByRole('heading', { name: 'Set up your authenticator app' }));
  // The QR code is drawn in the page (an inline SVG), not fetched from anywhere.
  await expect(totp.getByRole('img', { name: 'QR code of your authenticator key' })).toBeVisible();
  expect(await totp.locator('img[src^="http"]').count()).toBe(0);
  const shownKey = (await totp.getByTestId('totp-key').textContent()) ?? '';
  expect(shownKey).toMatch(/^([A-Z2-7]{4} )*[A-Z2-7]{1,4}$/);
  const app = new Authenticator(shownKey);

  // A wrong code first: it is refused and the field says so.
  const codeField = totp.getByLabel('Enter the 6-digit code the app shows');
  await expect(codeField).toHaveAttribute('autocomplete', 'one-time-code');
  await codeField.fill('000000');
  await totp.getByRole('button', { name: 'Turn on' }).click();
  await expect(totp.getByText('That code is not right.', { exact: false })).toBeVisible();
  await expect(codeField).toBeFocused();

  await codeField.fill(await app.code(page));
  await totp.getByRole('button', { name: 'Turn on' }).click();
  const codes = await readCodes(page);
  await expect(page.getByRole('status').filter({ hasText: 'Authenticator app turned on.' })).toBeVisible();
  await expect(totp.getByText('On', { exact: true })).toBeVisible();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as text' }).click()]);
  expect(download.suggestedFilename()).toBe('gatehouse-recovery-codes.txt');
  const text = await readFile(await download.path(), 'utf8');
  expect(text).toContain(`Gatehouse recovery codes for ${account.username}`);
  for (const code of codes) expect(text.split('\n')).toContain(code);

  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(recoveryCodeList(page)).toHaveCount(0);
  await expect(section(page, 'Recovery codes').getByText('10 left')).toBeVisible();
  // Shown once: not after a reload either.
  await page.reload();
  await expect(recoveryCodeList(page)).toHaveCount(0);

  // Log out, then back in: the password alone is not enough.
  await page.goto('/dashboard');
  await expect(async () => {
    if (!page.url().endsWith('/auth/log-in')) await page.getByRole('main').getByRole('button', { name: 'Log out' }).click({ timeout: 1_000 });
    await expect(page).toHaveURL(/\/auth\/log-in$/, { timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  await logInWithCode(page, context, account, await app.code(page), baseURL ?? '');

  // New codes when the sign-in is too old: the dialog asks; Escape cancels and nothing changes;
  // a code from the app confirms, and the new codes follow without pressing anything again.
  await page.goto('/dashboard/security');
  const stepUp = await requireReauthentication(page, 'POST', '/auth/mfa/recovery-codes', 2);
  const recovery = section(page, 'Recovery codes');
  const confirmNew = page.getByRole('dialog', { name: 'Make new recovery codes?' });
  await clickUntil(recovery.getByRole('button', { name: 'Make new codes' }), confirmNew);
  await confirmNew.getByRole('button', { name: 'Make new codes' }).click();
  await expect(reauthDialog(page)).toBeVisible();
  await expect(reauthDialog(page).getByLabel('Your password')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(reauthDialog(page)).toBeHidden();
  await expect(confirmNew.getByRole('alert')).toHaveText('Nothing was changed: confirm it is you to go on.');

  await confirmNew.getByRole('button', { name: 'Make new codes' }).click();
  const dialog = reauthDialog(page);
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Use a code from your authenticator app' }).click();
  const dialogCode = dialog.getByLabel('Authenticator code');
  await expect(dialogCode).toBeFocused();
  await expect(dialogCode).toHaveAttribute('autocomplete', 'one-time-code');
  await dialogCode.fill(await app.code(page));
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog).toBeHidden();
  const newCodes = await readCodes(page);
  expect(stepUp.forced()).toBe(2);
  expect(newCodes.filter((code) => codes.includes(code))).toEqual([]);
  await expect(page.getByRole('status').filter({ hasText: 'New recovery codes made. The old ones no longer work.' })).toBeVisible();
});

test('passkeys: added with the virtual authenticator (the first factor brings recovery codes), renamed in place, deleted after confirming with the passkey', async ({
  page,
  context,
  account,
}) => {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });

  await page.goto('/auth/log-in');
  await logIn(page, account);
  await expect(page.getByTestId('username')).toHaveText(account.username);
  await openSecurityPage(page);
  const passkeys = section(page, 'Passkeys');
  await expect(passkeys.getByText('None', { exact: true })).toBeVisible();

  await passkeys.getByLabel('Name for a new passkey (optional)').fill('Test laptop');
  await clickUntil(passkeys.getByRole('button', { name: 'Add a passkey' }), section(page, 'Save your recovery codes'));
  await readCodes(page);
  await page.getByRole('button', { name: 'I have saved them' }).click();

  const items = passkeys.getByRole('list', { name: 'Your passkeys' }).getByRole('listitem');
  await expect(items).toHaveCount(1);
  await expect(items.first()).toContainText('Test laptop');
  await expect(items.first()).toContainText('This device only');
  await expect(passkeys.getByText('1 added')).toBeVisible();
  await expect(section(page, 'Recovery codes').getByText('10 left')).toBeVisible();

  // Rename in place: Escape leaves the name; Save keeps the new one, after a reload too.
  await items.first().getByRole('button', { name: 'Rename' }).click();
  await items.first().getByLabel('Passkey name').fill('Not this');
  await page.keyboard.press('Escape');
  await expect(items.first()).toContainText('Test laptop');
  await expect(items.first().getByRole('button', { name: 'Rename' })).toBeFocused();
  await items.first().getByRole('button', { name: 'Rename' }).click();
  await items.first().getByLabel('Passkey name').fill('Work laptop');
  await items.first().getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Passkey renamed to “Work laptop”.' })).toBeVisible();
  await page.reload();
  await expect(items.first()).toContainText('Work laptop');

  // Delete, with the sign-in too old: the dialog offers the passkey, which confirms; the delete goes on.
  const stepUp = await requireReauthentication(page, 'DELETE', /\/auth\/passkeys\/[^/]+$/);
  const confirmDelete = page.getByRole('dialog', { name: 'Delete this passkey?' });
  await clickUntil(items.first().getByRole('button', { name: 'Delete' }), confirmDelete);
  await expect(confirmDelete).toContainText('“Work laptop” will no longer log you in.');
  await confirmDelete.getByRole('button', { name: 'Delete passkey' }).click();
  const dialog = reauthDialog(page);
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Use a passkey' }).click();
  await expect(dialog).toBeHidden();
  await expect(confirmDelete).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Passkey “Work laptop” deleted.' })).toBeVisible();
  await expect(items).toHaveCount(0);
  await expect(passkeys.getByText('None', { exact: true })).toBeVisible();
  expect(stepUp.forced()).toBe(1);
  await page.reload();
  await expect(items).toHaveCount(0);
});
