import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';

/**
 * The local OpenID Connect provider the suite starts (server/tools/Gatehouse.DevIdentityProvider,
 * at E2E_IDP_URL; provider id `local`, "Local provider" in Gatehouse). Its sign-in page signs in
 * as any subject and email, or denies.
 */
export const PROVIDER = 'Local provider';

/** Someone the provider knows: a subject of its own, and the (verified) email it asserts. */
export interface ProviderUser {
  readonly subject: string;
  readonly email: string;
}

export const newProviderUser = (email?: string): ProviderUser => {
  const subject = `idp-${randomBytes(5).toString('hex')}`;
  return { subject, email: email ?? `${subject}@example.org` };
};

/** The browser is on the provider's sign-in page. */
export async function expectAtProvider(page: Page) {
  const idp = process.env.E2E_IDP_URL;
  expect(idp, 'E2E_IDP_URL: the local provider is not started by playwright.config.ts').toBeTruthy();
  await expect(page).toHaveURL((url) => url.origin === new URL(idp ?? 'http://invalid').origin);
}

/** Signs in at the provider as `user`, which sends the browser back to Gatehouse's callback. */
export async function signInAtProvider(page: Page, user: ProviderUser) {
  await expectAtProvider(page);
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel(/^Subject/).fill(user.subject);
  await page.getByRole('button', { name: 'Sign in as this person' }).click();
}

/** Refuses consent at the provider: it answers the callback with `error=access_denied`. */
export async function denyAtProvider(page: Page) {
  await expectAtProvider(page);
  await page.getByRole('button', { name: 'Deny' }).click();
}
