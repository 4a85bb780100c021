import { NextRequest } from 'next/server';
import { getRedirectUrl, unstable_doesMiddlewareMatch } from 'next/experimental/testing/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mintToken, newSigningKey, startFakeApi } from '@/test/fake-api';
import type { FakeApi, SigningKey } from '@/test/fake-api';
import type * as ProxyExports from './proxy';

type ProxyModule = typeof ProxyExports;

let api: FakeApi;
let key: SigningKey;
let proxyModule: ProxyModule;

beforeAll(async () => {
  key = await newSigningKey();
  api = await startFakeApi([key]);
  vi.stubEnv('GATEHOUSE_API_URL', api.url.origin);
  vi.resetModules();
  proxyModule = await import('./proxy');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await api?.stop();
});

const request = (path: string, token?: string, extraCookies?: string) => {
  const cookie = [token && `access_token=${token}`, extraCookies].filter(Boolean).join('; ');
  return new NextRequest(`http://localhost:3000${path}`, { headers: cookie ? { cookie } : {} });
};
const run = (path: string, token?: string) => proxyModule.proxy(request(path, token));
const continues = (response: Response) => response.headers.get('x-middleware-next') === '1';

describe('signed out', () => {
  it('is sent from a protected page to log-in, keeping the path and query', async () => {
    const response = await run('/dashboard?x=1');
    expect(getRedirectUrl(response)).toBe('http://localhost:3000/auth/log-in?next=%2Fdashboard%3Fx%3D1');
  });

  it('sees the public pages', async () => {
    expect(continues(await run('/'))).toBe(true);
    expect(continues(await run('/auth/log-in'))).toBe(true);
    expect(continues(await run('/auth/sign-up'))).toBe(true);
  });

  it('reaches the pages that mailed links open, with their token, and the forgot-password page', async () => {
    for (const path of ['/auth/forgot-password', '/auth/reset-password?token=abc', '/auth/verify-email?token=abc', '/auth/confirm-email?token=abc']) {
      const response = await run(path);
      expect(continues(response), path).toBe(true);
      expect(response.headers.getSetCookie(), path).toEqual([]);
    }
  });

  it('reaches the pages an identity provider sign-in returns to: the link page and the error page', async () => {
    for (const path of ['/auth/link-account?next=%2Fdashboard', '/auth/external-error?reason=denied&provider=local']) {
      expect(continues(await run(path)), path).toBe(true);
    }
  });

  it('is sent from the email page to log-in, like every other signed-in page', async () => {
    expect(getRedirectUrl(await run('/dashboard/email'))).toBe('http://localhost:3000/auth/log-in?next=%2Fdashboard%2Femail');
  });

  it('with an expired or forged cookie is sent to log-in and the cookie is deleted', async () => {
    const expired = await mintToken(key, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    for (const token of [expired, 'forged.token.value']) {
      const response = await run('/dashboard', token);
      expect(getRedirectUrl(response)).toBe('http://localhost:3000/auth/log-in?next=%2Fdashboard');
      expect(response.headers.get('set-cookie')).toMatch(/^access_token=;.*Expires=Thu, 01 Jan 1970/);
      // ...and the log-in page is told why.
      expect(response.headers.getSetCookie()).toContain('gatehouse_notice=session-ended; Path=/auth/log-in; Max-Age=60; SameSite=lax');
    }
  });

  it('without any cookie is sent to log-in with no notice: nothing ended, there was no session', async () => {
    expect((await run('/dashboard')).headers.getSetCookie()).toEqual([]);
  });
});

describe('signed in', () => {
  it('reaches protected pages, which learn their path from a header the proxy sets', async () => {
    const response = await run('/dashboard?x=1', await mintToken(key));
    expect(continues(response)).toBe(true);
    expect(response.headers.get('x-middleware-request-x-gatehouse-path')).toBe('/dashboard?x=1');
  });

  it('is sent from log-in and sign-up to the dashboard', async () => {
    const token = await mintToken(key);
    expect(getRedirectUrl(await run('/auth/log-in', token))).toBe('http://localhost:3000/dashboard');
    expect(getRedirectUrl(await run('/auth/sign-up?next=/x', token))).toBe('http://localhost:3000/dashboard');
  });

  it('reaches the pages that mailed links open: an address is often verified or confirmed while signed in', async () => {
    const token = await mintToken(key);
    for (const path of ['/auth/verify-email?token=abc', '/auth/confirm-email?token=abc', '/auth/reset-password?token=abc', '/auth/forgot-password']) {
      expect(continues(await run(path, token)), path).toBe(true);
    }
  });

  it('reaches the link page (a signed-in person confirms the link there) and the error page (linking from the security page can fail)', async () => {
    const token = await mintToken(key);
    for (const path of ['/auth/link-account?next=%2Fdashboard', '/auth/external-error?reason=denied&provider=local']) {
      expect(continues(await run(path, token)), path).toBe(true);
    }
    // The code step after a provider is for a visitor who is not signed in yet: log-in stays guest-only.
    expect(getRedirectUrl(await run('/auth/log-in?mfa=1', token))).toBe('http://localhost:3000/dashboard');
  });

  it('is open on the mail pages only, not on paths below them', async () => {
    expect(getRedirectUrl(await run('/auth/verify-email/x', await mintToken(key)))).toBe('http://localhost:3000/dashboard');
  });

  it('reaches the email page', async () => {
    expect(continues(await run('/dashboard/email', await mintToken(key)))).toBe(true);
  });

  it('can always reach the page that clears a dead cookie', async () => {
    expect(continues(await run('/auth/session-ended?next=/dashboard', await mintToken(key)))).toBe(true);
  });
});

describe('renewing an expired session', () => {
  const browser = { host: 'localhost:3000', 'x-forwarded-proto': 'http', 'user-agent': 'TestBrowser/1.0', 'x-forwarded-for': '203.0.113.7' };
  const visit = (path: string, cookie: string, init: { method?: string } = {}) =>
    proxyModule.proxy(new NextRequest(`http://localhost:3000${path}`, { ...init, headers: { ...browser, cookie } }));
  const setCookies = (response: Response) => response.headers.getSetCookie();
  // The Cookie header the page will see, as the proxy rewrote it.
  const forwardedCookies = (response: Response) => response.headers.get('x-middleware-request-cookie') ?? '';
  const refreshes = () => api.requests.filter((request) => request.path === '/auth/refresh');

  beforeEach(() => {
    api.requests.length = 0;
    Object.assign(api.auth, { cookiePrefix: '', refreshStatus: null, refreshDelayMs: 0 });
  });

  it('with no access token, renews with the refresh cookie: both new cookies reach the browser and the page', async () => {
    const session = await api.signIn();
    const response = await visit('/dashboard', `refresh_token=${session.refresh}; theme=dark`);

    expect(continues(response)).toBe(true);
    const lines = setCookies(response);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^access_token=ey[^;]+; expires=.*; path=\/; samesite=lax; httponly$/);
    expect(lines[1]).toMatch(/^refresh_token=refresh-[^;]+; expires=/);
    const newAccess = lines[0]!.slice('access_token='.length, lines[0]!.indexOf(';'));
    const newRefresh = lines[1]!.slice('refresh_token='.length, lines[1]!.indexOf(';'));
    expect(forwardedCookies(response)).toContain(`access_token=${newAccess}`);
    expect(forwardedCookies(response)).toContain(`refresh_token=${newRefresh}`);
    expect(forwardedCookies(response)).toContain('theme=dark');
    expect(api.auth.liveAccess.has(newAccess)).toBe(true);
  });

  it("asks the API as the browser's agent: its Origin and User-Agent, the refresh cookie, JSON; never the browser's X-Forwarded-For", async () => {
    const session = await api.signIn();
    await visit('/dashboard', `refresh_token=${session.refresh}`);
    expect(refreshes()).toHaveLength(1);
    expect(refreshes()[0]).toMatchObject({ method: 'POST', body: '{}' });
    expect(refreshes()[0]?.headers).toMatchObject({
      origin: 'http://localhost:3000',
      cookie: `refresh_token=${session.refresh}`,
      'user-agent': 'TestBrowser/1.0',
      'content-type': 'application/json',
    });
    // No proxy in front of this server vouches for it (GATEHOUSE_FORWARDED_HEADERS=drop).
    expect(refreshes()[0]?.headers).not.toHaveProperty('x-forwarded-for');
  });

  it('renews a token at its exp even within the clock skew, when a refresh cookie is there', async () => {
    const session = await api.signIn();
    const justExpired = await mintToken(key, { expiresAt: Math.floor(Date.now() / 1000) - 5 });
    const response = await visit('/dashboard', `access_token=${justExpired}; refresh_token=${session.refresh}`);
    expect(continues(response)).toBe(true);
    expect(refreshes()).toHaveLength(1);
    expect(forwardedCookies(response)).not.toContain(justExpired);
  });

  it('does not renew while the access token is valid', async () => {
    const session = await api.signIn();
    const response = await visit('/dashboard', `access_token=${session.access}; refresh_token=${session.refresh}`);
    expect(continues(response)).toBe(true);
    expect(setCookies(response)).toEqual([]);
    expect(refreshes()).toHaveLength(0);
  });

  it('sends a refreshable visitor on log-in or sign-up to the dashboard, with the new cookies on the redirect', async () => {
    const session = await api.signIn();
    const response = await visit('/auth/log-in', `refresh_token=${session.refresh}`);
    expect(getRedirectUrl(response)).toBe('http://localhost:3000/dashboard');
    expect(setCookies(response).map((line) => line.split('=', 1)[0])).toEqual(['access_token', 'refresh_token']);
  });

  it('shows the home page signed in after renewing', async () => {
    const session = await api.signIn();
    const response = await visit('/', `refresh_token=${session.refresh}`);
    expect(continues(response)).toBe(true);
    expect(forwardedCookies(response)).toMatch(/access_token=ey/);
  });

  it('with a dead refresh cookie (401), goes to log-in and passes on the API\'s deletion of both cookies', async () => {
    const expired = await mintToken(key, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    const response = await visit('/dashboard?x=1', `access_token=${expired}; refresh_token=revoked`);
    expect(getRedirectUrl(response)).toBe('http://localhost:3000/auth/log-in?next=%2Fdashboard%3Fx%3D1');
    const lines = setCookies(response);
    expect(lines).toHaveLength(3); // the API's two deletions, not doubled by the proxy's own, and the notice
    expect(lines[0]).toMatch(/^access_token=; expires=Thu, 01 Jan 1970/);
    expect(lines[1]).toMatch(/^refresh_token=; expires=Thu, 01 Jan 1970/);
    expect(lines[2]).toBe('gatehouse_notice=session-ended; Path=/auth/log-in; Max-Age=60; SameSite=lax');
  });

  it('with a dead refresh cookie on a public page, renders it signed out, the dead cookies gone from the request too', async () => {
    const response = await visit('/', 'refresh_token=revoked; theme=dark');
    expect(continues(response)).toBe(true);
    expect(forwardedCookies(response)).toBe('theme=dark');
    expect(setCookies(response)).toHaveLength(2);
  });

  it('stays on log-in when the refresh cookie is dead, rather than bounce to the dashboard', async () => {
    const response = await visit('/auth/log-in', 'refresh_token=revoked');
    expect(continues(response)).toBe(true);
    expect(setCookies(response)[1]).toMatch(/^refresh_token=;/);
  });

  it.each([503, 500, 429])('says the service is unavailable when the refresh answers %i, keeping the cookies', async (status) => {
    api.auth.refreshStatus = status;
    const session = await api.signIn();
    const response = await visit('/dashboard', `refresh_token=${session.refresh}`);
    expect(response.status).toBe(503);
    expect(setCookies(response)).toEqual([]);
  });

  it('a forged token beside a refresh cookie signs the visitor out: both cookies deleted, no renewal', async () => {
    const session = await api.signIn();
    const response = await visit('/dashboard', `access_token=forged.token.value; refresh_token=${session.refresh}`);
    expect(getRedirectUrl(response)).toBe('http://localhost:3000/auth/log-in?next=%2Fdashboard');
    expect(setCookies(response).map((line) => line.split(';', 1)[0])).toEqual(['access_token=', 'refresh_token=', 'gatehouse_notice=session-ended']);
    expect(refreshes()).toHaveLength(0);
  });

  it('does not renew for a POST (a Server Action); that is signed out like before', async () => {
    const session = await api.signIn();
    const response = await visit('/dashboard', `refresh_token=${session.refresh}`, { method: 'POST' });
    expect(getRedirectUrl(response)).toBe('http://localhost:3000/auth/log-in?next=%2Fdashboard');
    expect(refreshes()).toHaveLength(0);
  });

  it('a page and its prefetches arriving together share one refresh', async () => {
    api.auth.refreshDelayMs = 50;
    const session = await api.signIn();
    const responses = await Promise.all(['/dashboard', '/dashboard/sessions', '/dashboard/password'].map((path) => visit(path, `refresh_token=${session.refresh}`)));
    expect(responses.every(continues)).toBe(true);
    expect(refreshes()).toHaveLength(1);
    expect(new Set(responses.map((response) => setCookies(response)[0]))).toHaveProperty('size', 1);
  });

  it('reads and writes the __Host- names the API uses over HTTPS', async () => {
    api.auth.cookiePrefix = '__Host-';
    const session = await api.signIn();
    const response = await visit('/dashboard', `refresh_token=stale-plain-leftover; __Host-refresh_token=${session.refresh}`);
    expect(continues(response)).toBe(true);
    expect(refreshes()[0]?.headers.cookie).toBe(`__Host-refresh_token=${session.refresh}`);
    expect(forwardedCookies(response)).toMatch(/__Host-access_token=ey/);
    expect(setCookies(response)[0]).toMatch(/^__Host-access_token=.*; secure$/);
  });
});

describe('the admin console', () => {
  const adminToken = (role: string | string[] = ['admin']) => mintToken(key, { payload: { role } });

  it('is reached by a token whose role claims include admin, as an array or a single string', async () => {
    for (const token of [await adminToken(), await adminToken('admin'), await adminToken(['support', 'admin'])]) {
      expect(continues(await run('/admin', token))).toBe(true);
      expect(continues(await run('/admin/users/3f2c?x=1', token))).toBe(true);
      expect(continues(await run('/admin/audit', token))).toBe(true);
    }
  });

  it('sends a signed-in visitor without the admin role to the dashboard, from every console page', async () => {
    for (const token of [await mintToken(key), await adminToken('support'), await adminToken([]), await mintToken(key, { payload: { role: 7 } })]) {
      for (const path of ['/admin', '/admin/users/3f2c', '/admin/audit?event=sign_in']) {
        expect(getRedirectUrl(await run(path, token)), path).toBe('http://localhost:3000/dashboard');
      }
    }
  });

  it('does not take a path that merely begins with "admin" for the console', async () => {
    expect(continues(await run('/administrator', await mintToken(key)))).toBe(true);
  });

  it('sends a signed-out visitor to log-in, keeping the console page to return to', async () => {
    expect(getRedirectUrl(await run('/admin/audit?outcome=success'))).toBe('http://localhost:3000/auth/log-in?next=%2Fadmin%2Faudit%3Foutcome%3Dsuccess');
  });

  it('judges a renewed session by the roles in the token the API has just issued', async () => {
    const browser = { host: 'localhost:3000', 'x-forwarded-proto': 'http', 'user-agent': 'TestBrowser/1.0' };
    const visit = (cookie: string) => proxyModule.proxy(new NextRequest('http://localhost:3000/admin', { headers: { ...browser, cookie } }));
    Object.assign(api.auth, { cookiePrefix: '', refreshStatus: null, refreshDelayMs: 0 });
    try {
      api.auth.tokenRoles = ['admin'];
      const admin = await api.signIn();
      expect(continues(await visit(`refresh_token=${admin.refresh}`))).toBe(true);

      const demoted = await api.signIn();
      api.auth.tokenRoles = []; // the role was taken away: the token the next refresh issues lacks it
      expect(continues(await visit(`access_token=${demoted.access}`))).toBe(true); // the old token still says admin, until it expires
      expect(getRedirectUrl(await visit(`refresh_token=${demoted.refresh}`))).toBe('http://localhost:3000/dashboard');
    } finally {
      api.auth.tokenRoles = [];
    }
  });
});

describe('the API is down', () => {
  it('answers 503 when a session needs renewing, instead of sending the visitor to log-in', async () => {
    const down = await startFakeApi([key]);
    await down.stop();
    vi.stubEnv('GATEHOUSE_API_URL', down.url.origin);
    vi.resetModules();
    const isolated = await import('./proxy');
    const response = await isolated.proxy(request('/dashboard?x=1', undefined, 'refresh_token=r1'));
    vi.stubEnv('GATEHOUSE_API_URL', api.url.origin);

    expect(response.status).toBe(503);
    expect(await response.text()).toContain('href="/dashboard?x=1"');
  });

  it('answers 503 with a page that says so, instead of sending the visitor to log-in', async () => {
    const token = await mintToken(key);
    const down = await startFakeApi([key]);
    await down.stop();
    vi.stubEnv('GATEHOUSE_API_URL', down.url.origin);
    vi.resetModules();
    const isolated = await import('./proxy');
    const response = await isolated.proxy(request('/dashboard', token)); // reads its settings now
    vi.stubEnv('GATEHOUSE_API_URL', api.url.origin);

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const html = await response.text();
    expect(html).toContain('The sign-in service is unreachable');
    expect(html).toContain('href="/dashboard"');
  });

  it('serves /unavailable with 503 and a safe, escaped "try again" link', async () => {
    const response = await run('/unavailable?next=%2Fdashboard%3Fa%3D%22%3E%3Cscript%3E');
    expect(response.status).toBe(503);
    const html = await response.text();
    expect(html).not.toContain('<script>');
    expect(html).toMatch(/href="\/dashboard\?a=[^"]*"/);

    const offsite = await run('/unavailable?next=%2F%2Fevil.example');
    expect(await offsite.text()).toContain('href="/"');
  });
});

describe('security headers', () => {
  it('give every page a fresh nonce, in the policy the browser gets and the one Next reads for its scripts', async () => {
    const [first, second] = [await run('/auth/log-in'), await run('/auth/log-in')];
    const policy = first.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'/);
    expect(first.headers.get('x-middleware-request-content-security-policy')).toBe(policy);
    expect(second.headers.get('content-security-policy')).not.toBe(policy);
  });

  it('go on redirects and the unavailable page too, with HSTS only over HTTPS', async () => {
    expect((await run('/dashboard')).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await run('/unavailable')).headers.get('content-security-policy')).toContain("object-src 'none'");
    expect((await run('/')).headers.has('strict-transport-security')).toBe(false);
    const overTls = await proxyModule.proxy(new NextRequest('http://localhost:3000/', { headers: { 'x-forwarded-proto': 'https' } }));
    expect(overTls.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  });
});

describe('request bodies', () => {
  const post = (headers: Record<string, string>) => proxyModule.proxy(new NextRequest('http://localhost:3000/auth/log-in', { method: 'POST', headers }));

  it('over 16 KiB are refused with 413 problem+json by their declared length', async () => {
    const response = await post({ 'content-length': String(10 * 1024 * 1024) });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('of unknown length are refused with 411, since Next buffers them before the proxy runs', async () => {
    expect((await post({ 'transfer-encoding': 'chunked' })).status).toBe(411);
  });

  it('within the limit go on', async () => {
    expect(continues(await post({ 'content-length': '300' }))).toBe(true);
  });
});

describe('matcher', () => {
  it.each([
    ['/dashboard', true],
    ['/', true],
    ['/api/auth/login', false], // app/api/[...path]/route.ts
    ['/.well-known/passkey-endpoints', false], // public, and a redirect to log-in would break it
    ['/some/page.with.dots', true],
    ['/_next/static/chunks/main.js', false],
    ['/_next/image?url=x', false],
    ['/favicon.ico', false],
    ['/logo.svg', false],
  ])('runs for %s: %s', (url, expected) => {
    expect(unstable_doesMiddlewareMatch({ config: proxyModule.config, url })).toBe(expected);
  });
});
