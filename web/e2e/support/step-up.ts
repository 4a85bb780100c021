import { Secret, TOTP } from 'otpauth';
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';

/**
 * Makes the API's next `times` answers to `method` on paths ending in `pathEnd` a 403
 * `reauthentication_required`, as the step-up filter sends it when the sign-in is too old (CORS
 * included, for direct mode). Everything else, the repeated call included, goes to the real API.
 * The e2e API runs on its real clock with a window of at least a minute, so this is how a test
 * meets the dialog without waiting (e2e/reauthentication.spec.ts meets the real one).
 */
export async function requireReauthentication(page: Page, method: string, pathEnd: string | RegExp, times = 1): Promise<{ readonly forced: () => number }> {
  let forced = 0;
  await page.route(
    (url) => (typeof pathEnd === 'string' ? url.pathname.endsWith(pathEnd) : pathEnd.test(url.pathname)),
    async (route) => {
      if (route.request().method() !== method || forced >= times) return route.fallback();
      forced += 1;
      const origin = route.request().headers().origin ?? '';
      await route.fulfill({
        status: 403,
        contentType: 'application/problem+json',
        headers: origin ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' } : {},
        body: JSON.stringify({
          type: 'https://tools.ietf.org/html/rfc9110#section-15.5.4',
          title: 'Reauthentication required',
          status: 403,
          detail: 'Confirm it is you: sign in again to do this.',
          code: 'reauthentication_required',
        }),
      });
    },
  );
  return { forced: () => forced };
}

/** The "Confirm it's you" dialog. */
export const reauthDialog = (page: Page): Locator => page.getByRole('dialog', { name: 'Confirm it’s you' });

/** Clicks `control` until `shows` is visible: a click before the page has hydrated does nothing. */
export async function clickUntil(control: Locator, shows: Locator, timeout = 15_000) {
  await expect(async () => {
    if (!(await shows.isVisible())) await control.click({ timeout: 1_000 });
    await expect(shows).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout });
}

const PERIOD = 30;
const stepNow = () => Math.floor(Date.now() / 1000 / PERIOD);

/**
 * An authenticator app for the key the page shows. The API accepts each time step once per user
 * (and one step either side of now), so every code this hands out is for a later step than the
 * last: now's step, or the next one while that is still within the window; it waits otherwise.
 */
export class Authenticator {
  private readonly totp: TOTP;
  private lastStep = -1;

  constructor(key: string) {
    this.totp = new TOTP({ secret: Secret.fromBase32(key.replace(/\s/g, '')), algorithm: 'SHA1', digits: 6, period: PERIOD });
  }

  async code(page: Page): Promise<string> {
    const step = Math.max(stepNow(), this.lastStep + 1);
    while (step > stepNow() + 1) await page.waitForTimeout(1_000);
    this.lastStep = step;
    return this.totp.generate({ timestamp: step * PERIOD * 1000 });
  }
}
