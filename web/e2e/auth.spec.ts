import { DEMO, accessCookie, dashboardRequestsAnswered, expect, holdRequests, logIn, newAccount, test } from './support/fixtures';

test.describe('signing up and out', () => {
  test('sign up lands on the dashboard showing the username; log out returns to log-in and the dashboard is closed', async ({ page, context }) => {
    const account = newAccount();
    await page.goto('/auth/sign-up');
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel(/^Email/).fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign up' }).click();

    // Two Argon2id hashes (register, then log in) and a navigation: slower than a log-in on a loaded machine.
    await expect(page).toHaveURL(/\/dashboard$/, { timeout: 20_000 });
    await expect(page.getByText('This page is protected')).toBeVisible();
    await expect(page.getByTestId('username')).toHaveText(account.username);

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in$/);
    expect(await accessCookie(context)).toBeUndefined();

    await page.goto('/dashboard');
    await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/);
  });

  test('sign up shows the API field errors next to the fields and keeps what was typed', async ({ page, account }) => {
    await page.goto('/auth/sign-up');
    await page.getByLabel('Username').fill('ab');
    await page.getByLabel(/^Email/).fill(newAccount().email);
    await page.getByLabel('Password').fill('password');
    await page.getByRole('button', { name: 'Sign up' }).click();

    await expect(page.getByLabel('Username')).toHaveAccessibleDescription(/3 to 64 characters/);
    await expect(page.getByLabel('Password')).toHaveAccessibleDescription(/too common/);
    // Nothing typed is wiped, not even the refused password: the meter beside it helps fix it.
    await expect(page.getByLabel('Username')).toHaveValue('ab');
    await expect(page.getByLabel('Password')).toHaveValue('password');

    // A taken name is a 409 from the API; it belongs next to the username too.
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel('Password').fill(newAccount().password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page.getByLabel('Username')).toHaveAccessibleDescription(/That username is taken/);
    await expect(page).toHaveURL(/\/auth\/sign-up$/);
  });
});

test.describe('logging in', () => {
  test('the demo user logs in; the cookie is httpOnly and SameSite=Lax', async ({ page, context, baseURL }) => {
    await page.goto('/auth/log-in');
    const login = page.waitForRequest((request) => request.url().endsWith('/auth/login'));
    await logIn(page, DEMO);
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId('username')).toHaveText('john');

    // The two modes really differ: same-origin goes through /api on the web origin, direct to the API.
    const loginUrl = new URL((await login).url());
    if (test.info().project.name === 'direct') expect(loginUrl.origin).toBe(process.env.E2E_API_URL);
    else expect(loginUrl.href).toBe(`${baseURL}/api/auth/login`);

    const cookie = await accessCookie(context);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', domain: 'localhost' });
  });

  test('a wrong password shows the error inline, keeps what was typed and sets no cookie', async ({ page, context, account }) => {
    await page.goto('/auth/log-in');
    await logIn(page, { ...account, password: 'not-the-password' });

    await expect(page.getByRole('main').getByRole('alert')).toHaveText('Invalid username or password.');
    await expect(page.getByLabel('Username')).toHaveValue(account.username);
    await expect(page.getByLabel('Password')).toHaveValue('not-the-password');
    await expect(page).toHaveURL(/\/auth\/log-in$/);
    expect(await accessCookie(context)).toBeUndefined();

    // An empty password: the field says what is missing, not a generic title.
    await page.getByLabel('Password').fill('');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByLabel('Password')).toHaveAccessibleDescription('Password is required.');
    await expect(page.getByText('Invalid username or password.')).toHaveCount(0);
  });

  test('works from the keyboard alone, and the button is disabled while the request is in flight', async ({ page, account }) => {
    const release = await holdRequests(page, '**/auth/login');

    await page.goto('/auth/log-in');
    await expect(page.getByLabel('Username')).toBeFocused();
    await page.keyboard.type(account.username);
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Password')).toBeFocused();
    await page.keyboard.type(account.password);
    await page.keyboard.press('Enter');

    await expect(page.getByRole('button', { name: 'Logging in…' })).toBeDisabled();
    release();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId('username')).toHaveText(account.username);
  });

  test('the log-in page while signed in goes to the dashboard', async ({ page, account }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page).toHaveURL(/\/dashboard$/);

    await page.goto('/auth/log-in');
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.goto('/auth/sign-up');
    await expect(page).toHaveURL(/\/dashboard$/);
  });

  test('a deep link while signed out goes to log-in and back to the same path and query', async ({ page, account }) => {
    await page.goto('/dashboard?x=1');
    await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard%3Fx%3D1$/);
    await logIn(page, account);
    await expect(page).toHaveURL(/\/dashboard\?x=1$/);
    await expect(page.getByText('This page is protected')).toBeVisible();
  });

  for (const unsafe of ['//evil.example', 'https://evil.example', '/\\evil.example']) {
    test(`an unsafe next (${unsafe}) is ignored`, async ({ page, account, baseURL }) => {
      await page.goto(`/auth/log-in?next=${encodeURIComponent(unsafe)}`);
      await logIn(page, account);
      await expect(page).toHaveURL(`${baseURL}/dashboard`);
    });
  }
});

test.describe('sessions', () => {
  test('after log out, Back does not show the dashboard again', async ({ page, account }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    // History: /dashboard, /, /dashboard — client-side navigations the router may cache.
    await page.getByRole('link', { name: 'Gatehouse' }).click();
    await expect(page.getByText(`Signed in as ${account.username}`)).toBeVisible();
    const answered = dashboardRequestsAnswered(page);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await answered;
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in$/);

    await page.goBack();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('link', { name: 'Log In' })).toBeVisible();
    await page.goBack();
    await expect(page).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/);
    await expect(page.getByText('This page is protected')).toHaveCount(0);
  });

  test('Log out pressed while the dashboard is still loading says "You have logged out", not "session ended"', async ({ page, account }) => {
    // The order of the race, made certain: the log-out reaches the API first and ends the session;
    // the dashboard's own request (sent as the page showed) arrives after it, gets 401, and its
    // renewal fails; only then does the log-out's answer reach the page.
    let logOutReachedApi!: () => void;
    const reachedApi = new Promise<void>((resolve) => (logOutReachedApi = resolve));
    const renewalAnswered = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/auth/refresh'));
    await page.route('**/auth/me', async (route) => {
      await reachedApi;
      await route.continue();
    });
    await page.route('**/auth/logout', async (route) => {
      const response = await route.fetch();
      logOutReachedApi();
      await renewalAnswered;
      // Time for a trip to log-in the failed renewal might start, before the page hears of the log-out.
      await page.waitForURL(/next=/, { timeout: 1_000 }).catch(() => undefined);
      await route.fulfill({ response });
    });
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    await page.getByRole('button', { name: 'Log out' }).click();

    await expect(page).toHaveURL(/\/auth\/log-in$/);
    await expect(page.getByText('You have logged out.')).toBeVisible();
    await expect(page.getByText(/Your session has ended/)).toHaveCount(0);
  });

  test('log out in one tab sends the other tab to log-in on its next navigation', async ({ context, account }) => {
    const first = await context.newPage();
    await first.goto('/auth/log-in');
    await logIn(first, account);
    await expect(first).toHaveURL(/\/dashboard$/);

    const second = await context.newPage();
    await second.goto('/dashboard');
    await expect(second.getByTestId('username')).toHaveText(account.username);

    await first.getByRole('button', { name: 'Log out' }).click();
    await expect(first).toHaveURL(/\/auth\/log-in$/);

    await second.goto('/dashboard');
    await expect(second).toHaveURL(/\/auth\/log-in\?next=%2Fdashboard$/);
  });

  test('a revoked session is sent to log-in within seconds even while its JWT is unexpired, and the dead cookie is cleared', async ({ page, context, account, baseURL }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page).toHaveURL(/\/dashboard$/);
    const stolen = await accessCookie(context);
    expect(stolen).toBeDefined();

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in$/);

    // Put the old token back: the proxy's check of the signature passes; the page's check refuses
    // the session once the web server has read the logout from the API's revocation feed.
    await context.addCookies([stolen!]);
    await expect(async () => {
      await page.goto('/dashboard?x=1');
      // The full address: the browser must stay on the host it used, where its cookies live.
      await expect(page).toHaveURL(`${baseURL}/auth/log-in?next=%2Fdashboard%3Fx%3D1`, { timeout: 500 });
    }).toPass({ timeout: 5_000 });
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    expect(await accessCookie(context)).toBeUndefined();
  });
});

test.describe('public pages', () => {
  test('the home page offers log-in and sign-up when signed out, and names the user when signed in', async ({ page, account }) => {
    await page.goto('/');
    await expect(page.getByRole('link', { name: 'Log In' })).toBeVisible();
    await page.getByRole('link', { name: 'Sign Up' }).click();
    await expect(page).toHaveURL(/\/auth\/sign-up$/);

    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.goto('/');
    await expect(page.getByText(`Signed in as ${account.username}`)).toBeVisible();
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
  });

  test('pages are sent with anti-framing and no-sniff headers, and without X-Powered-By', async ({ page }) => {
    const response = await page.goto('/auth/log-in');
    const headers = response?.headers() ?? {};
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(headers['x-powered-by']).toBeUndefined();
  });

  test('an unknown address shows the not-found page', async ({ page, account }) => {
    const response = await page.goto('/auth/no-such-page');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();

    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page).toHaveURL(/\/dashboard$/);
    const signedIn = await page.goto('/no-such-page');
    expect(signedIn?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  });
});
