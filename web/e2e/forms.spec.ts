import type { Locator, Page, Route } from '@playwright/test';
import { apiUrl, expect, holdRequests, logIn, logInOn, newAccount, test } from './support/fixtures';

/** Answers the browser's next call to `path` with `body` as the API would, CORS included (direct mode). */
async function answerOnce(page: Page, path: string, status: number, body: unknown) {
  await page.route(`**${path}`, async (route: Route) => {
    const origin = route.request().headers().origin ?? '';
    await route.fulfill({
      status,
      contentType: 'application/problem+json',
      headers: { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' },
      body: JSON.stringify(body),
    });
  }, { times: 1 });
}

/** The API's rules, judged as a password is typed into `password`: too short, then on the common list. */
async function expectTheRules(password: Locator) {
  await password.fill('abc');
  await expect(password).toHaveAccessibleDescription(/Too short/);
  await password.fill('password1');
  await expect(password).toHaveAccessibleDescription(/Too common/);
}

test.describe('log-in says why the visitor is there', () => {
  test('after logging out: "You have logged out.", once', async ({ page, account }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in$/);
    await expect(page.getByText('You have logged out.')).toBeVisible();
    // The server's HTML shows the notice before the page is live; the page forgets it once it is
    // (an effect). A reload before that would rightly show it again, so wait for the forgetting.
    await expect.poll(async () => (await page.context().cookies()).map((cookie) => cookie.name)).not.toContain('gatehouse_notice');

    await page.reload();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    await expect(page.getByText('You have logged out.')).toHaveCount(0);
  });

  test('after the session was ended on another device: "Your session has ended"', async ({ page, account, playwright, baseURL }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);

    // Another device signs the account out everywhere.
    const other = await playwright.request.newContext({ extraHTTPHeaders: { Origin: baseURL ?? '' } });
    expect((await other.post(`${apiUrl()}/auth/login`, { data: account })).status()).toBe(200);
    expect((await other.post(`${apiUrl()}/auth/logout-all`)).status()).toBe(204);
    await other.dispose();

    // Either the server finds the session revoked (once its revocation feed has it, about a second),
    // or the dashboard renders first and its email banner's call to the API finds it: then the page
    // itself goes to log-in with the notice. Navigating again from there would load log-in a second
    // time, after the first had shown the notice and let it go, so only the dashboard is reloaded.
    await expect(async () => {
      if (!/\/auth\/log-in/.test(page.url())) await page.goto('/dashboard');
      await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/, { timeout: 1_000 });
    }).toPass({ timeout: 10_000 });
    await expect(page.getByText(/Your session has ended/)).toBeVisible();
    await expect(page.getByText('Log in to continue to your dashboard.')).toBeVisible();
  });

  test('a deep link says where log-in leads, and next survives the way through sign-up', async ({ page }) => {
    await page.goto('/dashboard/sessions');
    await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard%2Fsessions$/);
    await expect(page.getByText('Log in to continue to your sessions.')).toBeVisible();
    await expect(page.getByText('You have logged out.')).toHaveCount(0);

    await page.getByRole('link', { name: 'Sign up' }).click();
    await expect(page).toHaveURL(/\/auth\/sign-up\?next=%2Fdashboard%2Fsessions$/);
    await expect(page.getByText('Sign up to continue to your sessions.')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Log in' })).toHaveAttribute('href', '/auth/log-in?next=%2Fdashboard%2Fsessions');

    const account = newAccount();
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel(/^Email/).fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    // Two Argon2id hashes (register, then log in) and a navigation.
    await expect(page).toHaveURL(/\/dashboard\/sessions$/, { timeout: 20_000 });
  });
});

test.describe('forms', () => {
  test('an empty log-in marks both fields and focuses the first; a resubmit clears what was fixed', async ({ page }) => {
    const calls: string[] = [];
    page.on('request', (request) => request.url().endsWith('/auth/login') && calls.push(request.method()));
    await page.goto('/auth/log-in');
    await page.getByRole('button', { name: 'Log in' }).click();

    await expect(page.getByLabel('Username')).toHaveAccessibleDescription('Username is required.');
    await expect(page.getByLabel('Password')).toHaveAccessibleDescription('Password is required.');
    await expect(page.getByLabel('Username')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Username')).toBeFocused();
    expect(calls).toEqual([]); // nothing to ask the API

    await page.getByLabel('Username').fill('john');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByLabel('Username')).not.toHaveAttribute('aria-invalid');
    await expect(page.getByText('Username is required.')).toHaveCount(0);
    await expect(page.getByLabel('Password')).toBeFocused();
  });

  test('what is typed before the page is live is kept: the button waits for the page, and nothing is sent or wiped', async ({ page, account }) => {
    // The page's scripts are held back (not its styles), so its server HTML shows but is not live yet.
    const goLive = await holdRequests(page, '**/_next/static/chunks/*.js');
    const sent: string[] = [];
    page.on('request', (request) => request.url().endsWith('/auth/login') && sent.push(request.method()));
    await page.goto('/auth/log-in', { waitUntil: 'commit' });
    const button = page.getByRole('button', { name: 'Log in' });
    const username = page.getByLabel('Username');
    const password = page.getByLabel('Password');
    await expect(button).toBeDisabled();
    await username.fill(account.username);
    await password.fill('not-the-password');
    // Enter submits a form implicitly, unless its button is disabled. React would hold such a
    // submit and replay it into the form's action once live, which sends nothing and resets the form.
    await password.press('Enter');

    goLive();
    await expect(button).toBeEnabled();
    await expect(username).toHaveValue(account.username);
    await expect(password).toHaveValue('not-the-password');
    expect(page.url()).toMatch(/\/auth\/log-in$/); // never sent as a GET with the password in it
    expect(sent).toEqual([]);
    await button.click();
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('Invalid username or password.');
  });

  test('show/hide password: a pressed-state button of at least 24×24 px that hides again on submit', async ({ page, account }) => {
    await page.goto('/auth/log-in');
    const password = page.getByLabel('Password');
    const toggle = page.getByRole('button', { name: 'Show password' });
    await password.fill('not-the-password');
    await expect(password).toHaveAttribute('type', 'password');
    await expect(toggle).toHaveAttribute('aria-pressed', 'false');

    await toggle.click();
    await expect(password).toHaveAttribute('type', 'text');
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
    const box = await toggle.boundingBox();
    expect(box?.width).toBeGreaterThanOrEqual(24);
    expect(box?.height).toBeGreaterThanOrEqual(24);

    await page.getByLabel('Username').fill(account.username);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(password).toHaveAttribute('type', 'password');
    await expect(toggle).toHaveAttribute('aria-pressed', 'false');
    // A wrong password is kept (to look at, or fix), not wiped.
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('Invalid username or password.');
    await expect(password).toHaveValue('not-the-password');
  });

  test('sign-up shows the strength as the API judges it while the password is typed', async ({ page }) => {
    await page.goto('/auth/sign-up');
    await page.getByLabel('Username').fill('violet-harbor');
    const password = page.getByLabel('Password');

    await expectTheRules(password);
    await password.fill('violet-harbor1');
    await expect(password).toHaveAccessibleDescription(/Strength: (Very weak|Weak|Fair)/);
    await password.fill('Tangerine-Osprey-Lantern-7');
    await expect(password).toHaveAccessibleDescription(/Strength: Strong/);
  });

  test('with its worker refused, the strength meter keeps to the rules and never scores on the page thread', async ({ page }) => {
    // As a proxy in front of the site might serve it: the worker's script (the bundler's worker
    // bootstrap, which then loads the estimator's chunks) under a policy that lets it load nothing.
    let refused = 0;
    await page.route('**/_next/static/chunks/turbopack-worker-*', async (route) => {
      refused++;
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': "default-src 'none'" } });
    });
    await page.goto('/auth/sign-up');
    const password = page.getByLabel('Password');

    await expectTheRules(password);
    await password.fill('Tangerine-Osprey-Lantern-7');
    await expect(page.locator('.strength-verdict')).toHaveText('Meets the rules');
    await expect(password).toHaveAccessibleDescription(/No strength estimate here/);
    // Only a scorer that gave up answers this way; zxcvbn on this thread would have said "Strength: Strong".
    expect(refused).toBeGreaterThan(0);
  });

  test('sign-up shows every message of a field, and focus goes to the first field in error', async ({ page }) => {
    await page.goto('/auth/sign-up');
    await page.getByLabel('Username').fill('someone-new');
    await page.getByLabel(/^Email/).fill('someone-new@example.com');
    await page.getByLabel('Password').fill('Tangerine-Osprey-Lantern-7');
    await answerOnce(page, '/auth/register', 400, {
      title: 'The request has invalid fields.',
      status: 400,
      errors: { password: ['Password must be 8 to 128 characters long.', 'Password must not contain the username.'] },
    });
    await page.getByRole('button', { name: 'Sign up' }).click();

    await expect(page.getByText('Password must be 8 to 128 characters long.')).toBeVisible();
    await expect(page.getByText('Password must not contain the username.')).toBeVisible();
    await expect(page.getByLabel('Password')).toHaveAccessibleDescription(/8 to 128 characters long\. Password must not contain the username\./);
    await expect(page.getByLabel('Password')).toBeFocused();
  });

  test('sign-up errors from the real API: focus on the first, stale ones gone after a resubmit, nothing typed wiped', async ({ page }) => {
    await page.goto('/auth/sign-up');
    await page.getByLabel('Username').fill('ab');
    await page.getByLabel(/^Email/).fill(newAccount().email);
    await page.getByLabel('Password').fill('Tangerine-Osprey-Lantern-7');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page.getByLabel('Username')).toHaveAccessibleDescription(/3 to 64 characters/);
    await expect(page.getByLabel('Username')).toBeFocused();
    await expect(page.getByLabel('Password')).toHaveValue('Tangerine-Osprey-Lantern-7');

    await page.getByLabel('Username').fill('ab!');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page.getByLabel('Username')).toHaveAccessibleDescription(/may contain only letters/);
    await expect(page.getByText(/3 to 64 characters long/)).toHaveCount(0);
  });

  test('a failed password change keeps the current password, marks it and focuses it; the meter refuses the same password', async ({ context, account }) => {
    const page = await logInOn(context, account);
    await page.goto('/dashboard/password');
    const current = page.getByLabel('Current password');
    const next = page.getByLabel('New password');

    await current.fill(account.password);
    await next.fill(account.password);
    await expect(next).toHaveAccessibleDescription(/Same as the current password/);

    await current.fill('not-the-password');
    await next.fill('Tangerine-Osprey-Lantern-7');
    await expect(next).toHaveAccessibleDescription(/Strength: Strong/);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(current).toHaveAccessibleDescription(/Current password is incorrect/);
    await expect(current).toBeFocused();
    await expect(current).toHaveValue('not-the-password');
    await expect(next).toHaveValue('Tangerine-Osprey-Lantern-7');

    // Fixed: it goes through, and neither password stays in the page.
    await current.fill(account.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();
    await expect(current).toHaveValue('');
    await expect(next).toHaveValue('');
    await expect(current).not.toHaveAttribute('aria-invalid');
  });
});
