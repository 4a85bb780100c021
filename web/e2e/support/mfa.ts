import * as OTPAuth from 'otpauth';
import type { PlaywrightWorkerArgs } from '@playwright/test';
import { apiUrl, expect } from './fixtures';
import type { Account } from './fixtures';

const PERIOD_MS = 30_000;

/** The authenticator app for `secret`: its code `steps` periods from now. */
export const appCode = (secret: string, steps = 0) =>
  OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: Date.now() + steps * PERIOD_MS });

/**
 * Turns the authenticator app on for `account` through the API, as the security page does: log in,
 * set up, confirm with the app's code. Another client than the test's browser, which stays signed out.
 */
export async function enrolTotp(playwright: PlaywrightWorkerArgs['playwright'], account: Account, webOrigin: string) {
  const api = await playwright.request.newContext({ extraHTTPHeaders: { Origin: webOrigin } });
  try {
    expect((await api.post(`${apiUrl()}/auth/login`, { data: { username: account.username, password: account.password } })).status()).toBe(200);
    const setup = await api.post(`${apiUrl()}/auth/mfa/totp/setup`);
    expect(setup.status(), await setup.text()).toBe(200);
    const { secret } = (await setup.json()) as { secret: string };
    const confirm = await api.post(`${apiUrl()}/auth/mfa/totp/confirm`, { data: { code: appCode(secret) } });
    expect(confirm.status(), await confirm.text()).toBe(200);
    const { recoveryCodes } = (await confirm.json()) as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    return { secret, recoveryCodes };
  } finally {
    await api.dispose();
  }
}

