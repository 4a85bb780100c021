import { randomBytes } from 'node:crypto';
import { expect, test as base } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';

export interface Account {
  readonly username: string;
  readonly password: string;
}

export const DEMO: Account = { username: 'john', password: 'password123' };

/** The API's own address, for arranging state without the UI (registering users). */
export const apiUrl = () => process.env.E2E_API_URL ?? '';

export const newAccount = (): Account => ({
  username: `e2e-${randomBytes(5).toString('hex')}`,
  password: `Violet-Harbor-${randomBytes(4).toString('hex')}`,
});

export const test = base.extend<{ account: Account }>({
  // A fresh user per test, registered through the API, so tests never share a lockout counter.
  account: async ({ playwright }, use) => {
    const account = newAccount();
    const api = await playwright.request.newContext();
    const response = await api.post(`${apiUrl()}/auth/register`, { data: account });
    expect(response.status(), await response.text()).toBe(201);
    await api.dispose();
    await use(account);
  },
});

export { expect };

export async function logIn(page: Page, account: Account) {
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export async function accessCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name === 'access_token');
}
