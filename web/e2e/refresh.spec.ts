import type { BrowserContext, Page, Request } from '@playwright/test';
import { ResponseCookies } from 'next/dist/compiled/@edge-runtime/cookies';
import { accessCookie, expect, logIn, logInOn, newAccount, refreshCookie, register, test } from './support/fixtures';
import type { Account } from './support/fixtures';
import { startOwnStack } from './support/servers';
import type { OwnStack } from './support/servers';

// Access tokens that expire during a test: this file brings its own API (4-second tokens) and web server.
const TOKEN_SECONDS = 4;
test.describe.configure({ mode: 'serial' });

let stack: OwnStack | undefined;

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(120_000); // two servers to start on a busy machine
  stack = await startOwnStack({
    direct: testInfo.project.name === 'direct',
    apiSettings: { Gatehouse__Tokens__Lifetime: `00:00:0${TOKEN_SECONDS}` },
  });
});

test.afterAll(async () => stack?.stop());

test.beforeEach(() => test.setTimeout(60_000));

/** Waits until the access token has expired; the browser drops its cookie then too (Expires = exp). */
const pastExpiry = (page: Page) => page.waitForTimeout((TOKEN_SECONDS + 1) * 1000);

/** Records every address a context's pages load or fetch, to prove log-in never comes up. */
function watch(context: BrowserContext) {
  const requests: Request[] = [];
  const issued: Promise<string[]>[] = [];
  context.on('request', (request) => requests.push(request));
  // The access tokens the browser was sent: read from each response as it came, since a 4-second
  // token may be gone from the cookie jar by the time a slow machine reaches the end of a test.
  context.on('response', (response) =>
    issued.push(
      response
        .headersArray()
        .then((headers) => {
          // Parsed with Next's own cookie classes, as lib/auth/refresh.ts does; a deletion has no value.
          const lines = new Headers();
          for (const { name, value } of headers) if (name.toLowerCase() === 'set-cookie') lines.append('set-cookie', value);
          return new ResponseCookies(lines).getAll().filter((cookie) => cookie.name === 'access_token' && cookie.value !== '').map((cookie) => cookie.value);
        })
        .catch(() => []),
    ),
  );
  return {
    issuedAccessTokens: async () => (await Promise.all(issued)).flat(),
    visitedLogIn: () => requests.some((request) => new URL(request.url()).pathname.startsWith('/auth/log-in')),
    refreshCalls: () => requests.filter((request) => new URL(request.url()).pathname.endsWith('/auth/refresh')).length,
  };
}

async function freshAccount(playwright: Parameters<typeof register>[0]): Promise<Account> {
  const account = newAccount();
  await register(playwright, account, stack!.apiUrl);
  return account;
}

test('stays signed in across access-token expiry: page loads, client navigations and API calls, never via log-in', async ({ page, context, playwright }) => {
  const account = await freshAccount(playwright);
  await page.goto(`${stack!.url}/auth/log-in`);
  await logIn(page, account);
  await expect(page.getByTestId('username')).toHaveText(account.username);
  const seen = watch(context);
  const first = await accessCookie(context);
  expect(first).toBeDefined();
  expect(await refreshCookie(context)).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });

  // A client-side navigation (an RSC fetch): the proxy renews on the way.
  await pastExpiry(page);
  await page.getByRole('link', { name: 'Sessions' }).click();
  await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  // The API updates a session's device on each refresh: the proxy's refresh passed on the browser's user agent.
  await expect(page.getByRole('listitem').filter({ hasText: 'This device' })).toContainText('Chrome');

  // A full page load.
  await pastExpiry(page);
  await page.goto(`${stack!.url}/dashboard`);
  await expect(page.getByTestId('username')).toHaveText(account.username);

  // A call from the browser to the API: it gets 401, renews once, repeats. The API's answer to
  // the wrong password shows the repeat was signed in.
  await page.getByRole('link', { name: 'Change password' }).click();
  await expect(page.getByLabel('Current password')).toBeVisible();
  await pastExpiry(page);
  const refreshesBefore = seen.refreshCalls();
  await page.getByLabel('Current password').fill('not-my-password');
  await page.getByLabel('New password').fill('Another-Long-Passphrase-1');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByLabel('Current password')).toHaveAccessibleDescription(/Current password is incorrect/);
  expect(seen.refreshCalls() - refreshesBefore).toBe(1);

  expect(seen.visitedLogIn()).toBe(false);
  // Three renewals (the navigation, the page load, the API call), each a new token. (One token may
  // come on more than one response, e.g. a navigation and the prefetch beside it.)
  const renewed = new Set(await seen.issuedAccessTokens());
  renewed.delete(first!.value);
  expect(renewed.size).toBeGreaterThanOrEqual(3);
});

test('two tabs reloading at once after expiry both stay signed in, and stay so afterwards', async ({ context, playwright }) => {
  const account = await freshAccount(playwright);
  const first = await logInOn(context, account, stack!.url);
  const seen = watch(context);
  const second = await context.newPage();
  await second.goto(`${stack!.url}/dashboard`);
  await expect(second.getByTestId('username')).toHaveText(account.username);

  await pastExpiry(first);
  // Both proxies present the same refresh token; the API's grace window gives both the same successor.
  await Promise.all([first.reload(), second.reload()]);
  await expect(first.getByTestId('username')).toHaveText(account.username);
  await expect(second.getByTestId('username')).toHaveText(account.username);

  // The cookies the browser kept are good: no rotation was taken for a replay.
  await second.goto(`${stack!.url}/dashboard/sessions`);
  await expect(second.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  await pastExpiry(first);
  await first.goto(`${stack!.url}/dashboard`);
  await expect(first.getByTestId('username')).toHaveText(account.username);
  expect(seen.visitedLogIn()).toBe(false);
});

test('two tabs calling the API at once after expiry renew once between them', async ({ context, playwright }) => {
  const account = await freshAccount(playwright);
  const seen = watch(context);
  const tabs = [await logInOn(context, account, stack!.url), await context.newPage()];
  for (const tab of tabs) await tab.goto(`${stack!.url}/dashboard/password`);
  for (const tab of tabs) {
    await tab.getByLabel('Current password').fill('not-my-password');
    await tab.getByLabel('New password').fill('Another-Long-Passphrase-1');
  }
  await pastExpiry(tabs[0]!);
  const refreshesBefore = seen.refreshCalls();

  await Promise.all(tabs.map((tab) => tab.getByRole('button', { name: 'Change password' }).click()));
  for (const tab of tabs) await expect(tab.getByLabel('Current password')).toHaveAccessibleDescription(/Current password is incorrect/);
  // One tab renewed under the Web Lock; the other saw it had and just repeated its call.
  expect(seen.refreshCalls() - refreshesBefore).toBe(1);
});

test('a session signed out elsewhere cannot be renewed: after expiry the next page load goes to log-in', async ({ browser, context, playwright }) => {
  const account = await freshAccount(playwright);
  const page = await logInOn(context, account, stack!.url);
  const other = await browser.newContext();
  try {
    const otherPage = await logInOn(other, account, stack!.url);
    await otherPage.goto(`${stack!.url}/dashboard/sessions`);
    await otherPage.getByRole('button', { name: 'Sign out everywhere' }).click();
    await otherPage.getByRole('dialog', { name: 'Sign out everywhere?' }).getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(otherPage).toHaveURL(/\/auth\/log-in$/);
  } finally {
    await other.close();
  }

  await pastExpiry(page);
  await page.goto(`${stack!.url}/dashboard`);
  await expect(page).toHaveURL(`${stack!.url}/auth/log-in?next=%2Fdashboard`);
  expect(await refreshCookie(context)).toBeUndefined();
});
