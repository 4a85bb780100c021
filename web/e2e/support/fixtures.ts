import { randomBytes } from 'node:crypto';
import { expect, test as base } from '@playwright/test';
import type { BrowserContext, Page, PlaywrightWorkerArgs } from '@playwright/test';

export interface Account {
  readonly username: string;
  readonly password: string;
  /** Sent at sign-up (the API requires one by default); the demo user's is john@example.com. */
  readonly email?: string;
}

export const DEMO: Account = { username: 'john', password: 'password123' };

/** The API's own address, for arranging state without the UI (registering users). */
export const apiUrl = () => process.env.E2E_API_URL ?? '';

export const newAccount = (): Account & { readonly email: string } => {
  const username = `e2e-${randomBytes(5).toString('hex')}`;
  return { username, password: `Violet-Harbor-${randomBytes(4).toString('hex')}`, email: `${username}@example.com` };
};

/** Registers `account` with the API at `api` directly, without the UI. */
export async function register(playwright: PlaywrightWorkerArgs['playwright'], account: Account, api = apiUrl()) {
  const request = await playwright.request.newContext();
  const response = await request.post(`${api}/auth/register`, { data: account });
  expect(response.status(), await response.text()).toBe(201);
  await request.dispose();
}

export const test = base.extend<{ account: Account }>({
  // A fresh user per test, registered through the API, so tests never share a lockout counter.
  account: async ({ playwright }, use) => {
    const account = newAccount();
    await register(playwright, account);
    await use(account);
  },
});

export { expect };

export async function logIn(page: Page, account: Account) {
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/**
 * Resolves once the requests the dashboard makes after it shows are answered: `/auth/me` (the
 * email banner) and `/auth/mfa` (the enrolment check). Start it before the navigation to the
 * dashboard and await it before a step that ends the session or changes its cookie: a request
 * still in flight then gets a 401, and the page sends the browser to log-in on its own, racing
 * the step that follows.
 */
export function dashboardRequestsAnswered(page: Page): Promise<unknown> {
  // Requests sent from now on only: one already in flight from an earlier visit does not count.
  const answered = (path: string) =>
    page.waitForRequest((request) => new URL(request.url()).pathname.endsWith(path)).then((request) => request.response());
  return Promise.all([answered('/auth/me'), answered('/auth/mfa')]);
}

/** Holds every request `page` makes to `url` (a glob) until the returned function lets them all go on. */
export async function holdRequests(page: Page, url: string): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(url, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

export async function accessCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name === 'access_token');
}

export async function refreshCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name === 'refresh_token');
}

/** A user agent unlike Playwright's, so a session list can tell two contexts apart. */
export const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';

/** Logs `account` in on a fresh page of `context`, which lands on the dashboard. */
export async function logInOn(context: BrowserContext, account: Account, origin = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/auth/log-in`);
  await logIn(page, account);
  await expect(page.getByTestId('username')).toHaveText(account.username);
  return page;
}
