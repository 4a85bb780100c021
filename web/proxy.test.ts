import { NextRequest } from 'next/server';
import { getRedirectUrl, getRewrittenUrl, isRewrite, unstable_doesMiddlewareMatch } from 'next/experimental/testing/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

const request = (path: string, token?: string) =>
  new NextRequest(`http://localhost:3000${path}`, { headers: token ? { cookie: `access_token=${token}` } : {} });
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

  it('with an expired or forged cookie is sent to log-in and the cookie is deleted', async () => {
    const expired = await mintToken(key, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    for (const token of [expired, 'forged.token.value']) {
      const response = await run('/dashboard', token);
      expect(getRedirectUrl(response)).toBe('http://localhost:3000/auth/log-in?next=%2Fdashboard');
      expect(response.headers.get('set-cookie')).toMatch(/^access_token=;.*Expires=Thu, 01 Jan 1970/);
    }
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

  it('can always reach the page that clears a dead cookie', async () => {
    expect(continues(await run('/auth/session-ended?next=/dashboard', await mintToken(key)))).toBe(true);
  });
});

describe('the API is down', () => {
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

describe('same-origin mode', () => {
  it('rewrites /api/* to the API with path and query', async () => {
    const response = await run('/api/auth/login?x=1');
    expect(isRewrite(response)).toBe(true);
    expect(getRewrittenUrl(response)).toBe(`${api.url.origin}/auth/login?x=1`);
  });

  it.each(['/api//evil.example/x', '/api/\\evil.example/x'])('keeps %s a path on the API, never another host', async (path) => {
    const response = await proxyModule.proxy(new NextRequest(new URL(`http://localhost:3000${path}`)));
    const target = new URL(getRewrittenUrl(response) ?? '');
    expect(target.origin).toBe(api.url.origin);
  });
});

describe('matcher', () => {
  it.each([
    ['/dashboard', true],
    ['/', true],
    ['/api/auth/login', true],
    ['/some/page.with.dots', true],
    ['/_next/static/chunks/main.js', false],
    ['/_next/image?url=x', false],
    ['/favicon.ico', false],
    ['/logo.svg', false],
  ])('runs for %s: %s', (url, expected) => {
    expect(unstable_doesMiddlewareMatch({ config: proxyModule.config, url })).toBe(expected);
  });
});
