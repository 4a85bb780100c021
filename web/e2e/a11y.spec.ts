import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { grantRole } from './support/admin';
import { enrolTotp } from './support/mfa';
import { expect, logIn, newAccount, register, test } from './support/fixtures';
import { clickUntil, reauthDialog, requireReauthentication } from './support/step-up';

// Every page, in both colour schemes, on a desktop and a phone: axe finds nothing, every page has
// its own title, and on the phone every control is at least 24 × 24 CSS px (WCAG 2.2, 2.5.8).

const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  mobile: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
} as const;

// Shaped like a real token; the pages send it nowhere until their button is pressed.
const LINK_TOKEN = 'a11yCheckToken_0123456789abcdefghijklmnopqrs';

const PUBLIC_PAGES = [
  { path: '/auth/log-in', title: 'Log in · Gatehouse' },
  { path: '/auth/sign-up', title: 'Sign up · Gatehouse' },
  { path: '/auth/forgot-password', title: 'Forgot password · Gatehouse' },
  // The pages mailed links open: with a token (the button), and with a broken one (the way to a new link).
  { path: `/auth/reset-password?token=${LINK_TOKEN}`, title: 'Reset password · Gatehouse' },
  { path: '/auth/reset-password?token=cut', title: 'Reset password · Gatehouse' },
  { path: `/auth/verify-email?token=${LINK_TOKEN}`, title: 'Verify email · Gatehouse' },
  { path: '/auth/verify-email?token=cut', title: 'Verify email · Gatehouse' },
  { path: `/auth/confirm-email?token=${LINK_TOKEN}`, title: 'Confirm email · Gatehouse' },
  // Where an identity provider's sign-in comes back when it did not end in a session.
  { path: '/auth/external-error?reason=denied&provider=local', title: 'Sign-in not completed · Gatehouse' },
  { path: '/auth/external-error?reason=unknown', title: 'Sign-in not completed · Gatehouse' },
  { path: '/', title: 'Gatehouse' },
  { path: '/auth/no-such-page', title: 'Page not found · Gatehouse' }, // (signed out, other unknown paths go to log-in)
  // The proxy's own 503 page, shown while the API is down.
  { path: '/unavailable', title: 'Service unavailable · Gatehouse' },
];

const SIGNED_IN_PAGES = [
  { path: '/dashboard', title: 'Dashboard · Gatehouse' },
  { path: '/dashboard/sessions', title: 'Sessions · Gatehouse' },
  { path: '/dashboard/password', title: 'Change password · Gatehouse' },
  { path: '/dashboard/email', title: 'Email address · Gatehouse' },
  { path: '/dashboard/security', title: 'Security · Gatehouse' },
  { path: '/dashboard/account', title: 'Account · Gatehouse' },
  { path: '/', title: 'Gatehouse' },
  { path: '/no-such-page', title: 'Page not found · Gatehouse' },
];

/**
 * axe with every rule it enables by default, and target-size (off by default) too.
 *
 * Legacy mode runs axe.run in the page itself. The default opens a blank page for every scan to
 * merge the frames' results: here that was half of every scan (1.0-2.0 s against 0.5-0.65 s).
 * The rules, and what they find, are the same; legacy mode would only skip cross-origin frames,
 * so each scan first checks that the page has no frame. Only violations are gathered in full
 * (the test reads nothing else).
 */
async function expectNoViolations(page: Page, state: string) {
  expect(page.frames(), `frames on ${state}`).toHaveLength(1);
  const results = await new AxeBuilder({ page })
    .setLegacyMode()
    .options({ rules: { 'target-size': { enabled: true } }, resultTypes: ['violations'] })
    .analyze();
  const found = results.violations.map((violation) => `${violation.id} (${violation.help}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  expect(found, `axe on ${state}`).toEqual([]);
}

/** On a phone, every visible control is at least 24 × 24 CSS px, whatever axe counts as an exception. */
async function expectTouchTargets(page: Page, state: string) {
  const small = await page.locator('a, button, input:not([type="hidden"]), select, textarea, summary').evaluateAll((elements) =>
    elements
      .filter((element) => element.checkVisibility() && element.getBoundingClientRect().top >= 0)
      .map((element) => ({ element, box: element.getBoundingClientRect() }))
      .filter(({ box }) => box.width < 24 || box.height < 24)
      .map(({ element, box }) => `${element.outerHTML.slice(0, 80)} is ${box.width.toFixed(1)} × ${box.height.toFixed(1)}`),
  );
  expect(small, `touch targets on ${state}`).toEqual([]);
}

async function check(page: Page, path: string, title: string, mobile: boolean) {
  await page.goto(path);
  await expect(page).toHaveTitle(title);
  await expectNoViolations(page, path);
  if (mobile) await expectTouchTargets(page, path);
}

/** Opens the account menu, waiting for the page to hydrate (a click before that does nothing). */
async function openAccountMenu(page: Page) {
  const button = page.getByRole('banner').getByRole('button', { name: /^Account/ });
  await expect(async () => {
    if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
    await expect(button).toHaveAttribute('aria-expanded', 'true', { timeout: 500 });
  }).toPass({ timeout: 10_000 });
}

for (const colorScheme of ['light', 'dark'] as const) {
  for (const [device, options] of Object.entries(VIEWPORTS)) {
    test.describe(`${colorScheme} theme, ${device}`, () => {
      test.use({ colorScheme, ...options });
      // Each test loads and scans every page of its kind (3-5 s each on a loaded two-core machine);
      // the public pages are over twenty now (the external-provider and link pages joined them).
      test.describe.configure({ timeout: 180_000 });
      const mobile = device === 'mobile';

      test('every public page passes axe with its own title', async ({ page }) => {
        for (const { path, title } of PUBLIC_PAGES) await check(page, path, title, mobile);

        // The log-in form after a failed attempt, with its alert.
        await page.goto('/auth/log-in');
        await logIn(page, { username: 'nobody-here', password: 'not-the-password' });
        await expect(page.getByRole('main').getByRole('alert')).toBeVisible();
        await expectNoViolations(page, 'log-in after a failed attempt');

        // The link page without a pending link (none started in this browser): it says the request expired.
        await page.goto('/auth/link-account');
        await expect(page).toHaveTitle('Link your account · Gatehouse');
        await expect(page.getByRole('heading', { name: 'Link request expired' })).toBeVisible();
        await expectNoViolations(page, 'link-account without a pending link');
        if (mobile) await expectTouchTargets(page, 'link-account without a pending link');

        // A mailed link the API refuses: the message and the form for a new link.
        await page.goto(`/auth/verify-email?token=${LINK_TOKEN}`);
        const alert = page.getByRole('main').getByRole('alert');
        await expect(async () => {
          if (!(await alert.isVisible())) await page.getByRole('button', { name: 'Verify my email' }).click({ timeout: 1_000 });
          await expect(alert).toBeVisible({ timeout: 2_000 });
        }).toPass({ timeout: 10_000 });
        await expectNoViolations(page, 'verify-email after the API refused the link');
        if (mobile) await expectTouchTargets(page, 'verify-email after the API refused the link');
      });

      test('the second step of a sign-in passes axe, with a wrong code and with the recovery-code field', async ({ page, account, playwright, baseURL }) => {
        await enrolTotp(playwright, account, baseURL ?? '');
        await page.goto('/auth/log-in');
        await logIn(page, account);
        const code = page.getByLabel('Authentication code');
        await expect(code).toBeFocused();
        await expectNoViolations(page, 'the code step');
        if (mobile) await expectTouchTargets(page, 'the code step');

        await code.fill('000000');
        await page.getByRole('button', { name: 'Verify' }).click();
        await expect(code).toHaveAttribute('aria-invalid', 'true');
        await expectNoViolations(page, 'the code step after a wrong code');

        await page.getByRole('button', { name: 'Use a recovery code' }).click();
        await expect(page.getByLabel('Recovery code')).toBeFocused();
        await expectNoViolations(page, 'the recovery-code field');
        if (mobile) await expectTouchTargets(page, 'the recovery-code field');
      });

      test('every signed-in page passes axe with its own title, with the account menu and a confirmation open too', async ({ page, account }) => {
        await page.goto('/auth/log-in');
        await logIn(page, account);
        await expect(page.getByTestId('username')).toHaveText(account.username);
        for (const { path, title } of SIGNED_IN_PAGES) await check(page, path, title, mobile);

        // The fixture's account has an address it has not verified: the dashboard shows the banner.
        await page.goto('/dashboard');
        await expect(page.getByRole('region', { name: 'Verify your email address' })).toBeVisible();
        await expectNoViolations(page, 'the dashboard with the unverified-address banner');
        if (mobile) await expectTouchTargets(page, 'the unverified-address banner');

        await page.goto('/dashboard');
        await openAccountMenu(page);
        await expectNoViolations(page, 'the dashboard with the account menu open');
        if (mobile) await expectTouchTargets(page, 'the account menu');

        await page.goto('/dashboard/sessions');
        // Clicks until the dialog shows (a click before hydration does nothing), but never once it
        // shows: its own "Sign out everywhere" button would then be a second match.
        const dialog = page.getByRole('dialog');
        await expect(async () => {
          if (!(await dialog.isVisible())) await page.getByRole('region', { name: 'Sign out everywhere' }).getByRole('button').click({ timeout: 1_000 });
          await expect(dialog).toBeVisible({ timeout: 500 });
        }).toPass({ timeout: 10_000 });
        await expectNoViolations(page, 'the sessions page asking before signing out everywhere');
        if (mobile) await expectTouchTargets(page, 'the confirmation dialog');

        // The security page: the "Confirm it's you" dialog (its 403 forced: the sign-in is fresh),
        // then the authenticator setup with its QR code, key and code field.
        await page.goto('/dashboard/security');
        await requireReauthentication(page, 'POST', '/auth/mfa/totp/setup');
        const totp = page.getByRole('region', { name: 'Authenticator app', exact: true });
        await clickUntil(totp.getByRole('button', { name: 'Set up' }), reauthDialog(page));
        await expectNoViolations(page, 'the re-authentication dialog');
        if (mobile) await expectTouchTargets(page, 'the re-authentication dialog');
        await reauthDialog(page).getByLabel('Your password').fill(account.password);
        await reauthDialog(page).getByRole('button', { name: 'Confirm' }).click();
        await expect(totp.getByRole('heading', { name: 'Set up your authenticator app' })).toBeVisible();
        await expectNoViolations(page, 'the authenticator setup');
        if (mobile) await expectTouchTargets(page, 'the authenticator setup');
      });

      test('the admin console passes axe with its own titles, with a confirmation open too', async ({ page, account, playwright }) => {
        const admin = newAccount();
        await register(playwright, admin);
        await grantRole('admin', admin.username);
        await page.goto('/auth/log-in');
        await logIn(page, admin);
        await expect(page.getByTestId('username')).toHaveText(admin.username);
        await check(page, '/admin', 'Users · Admin · Gatehouse', mobile);
        await check(page, `/admin?q=${account.username}&locked=true`, 'Users · Admin · Gatehouse', mobile); // no match
        await check(page, `/admin?q=${account.username}`, 'Users · Admin · Gatehouse', mobile);
        await page.getByRole('link', { name: account.username }).click();
        await expect(page.getByRole('heading', { name: account.username, level: 1 })).toBeVisible();
        await expect(page).toHaveTitle('User · Admin · Gatehouse');
        await expectNoViolations(page, "a user's page");
        if (mobile) await expectTouchTargets(page, "a user's page");
        const dialog = page.getByRole('dialog', { name: `Disable ${account.username}?` });
        await clickUntil(page.getByRole('region', { name: 'Actions' }).getByRole('button', { name: 'Disable' }), dialog);
        await expectNoViolations(page, "a user's page asking before disabling them");
        if (mobile) await expectTouchTargets(page, 'the admin confirmation dialog');
        await check(page, `/admin/audit?userId=${encodeURIComponent(page.url().split('/').pop() ?? '')}`, 'Audit log · Admin · Gatehouse', mobile);
      });
    });
  }
}
