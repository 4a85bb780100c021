import http from 'node:http';
import type { APIRequestContext, APIResponse } from '@playwright/test';
import { apiUrl, expect, logIn, newAccount, register, test } from './support/fixtures';
import type { Account } from './support/fixtures';
import { startOwnStack } from './support/servers';
import type { OwnStack } from './support/servers';

const FORGED = '203.0.113.66';

/** Logs `account` in through the web server's /api/*, claiming to come from `forwardedFor`. */
async function logInThroughWeb(request: APIRequestContext, base: string, account: Account, forwardedFor: string) {
  const response = await request.post(`${base}/api/auth/login`, { data: account, headers: { 'X-Forwarded-For': forwardedFor, 'X-Real-IP': forwardedFor, Forwarded: `for=${forwardedFor}` } });
  expect(response.status(), await response.text()).toBe(200);
}

/** The addresses the API holds for the signed-in user's sessions, read through the web server. */
async function sessionAddresses(request: APIRequestContext, base: string): Promise<string[]> {
  const response = await request.get(`${base}/api/auth/sessions`);
  expect(response.status()).toBe(200);
  const { sessions } = (await response.json()) as { sessions: { ipAddress: string | null }[] };
  return sessions.map((session) => session.ipAddress ?? '');
}

test.describe('the client address the API believes', () => {
  test('is the connection to the web server, whatever X-Forwarded-For the browser sends (as run.sh runs it)', async ({ playwright, account, baseURL }) => {
    const request = await playwright.request.newContext();
    await logInThroughWeb(request, baseURL!, account, FORGED);
    expect(await sessionAddresses(request, baseURL!)).toEqual(['127.0.0.1']);
    await request.dispose();
  });

  test.describe('when the API trusts the web server as a proxy', () => {
    test.describe.configure({ mode: 'serial' });
    let stack: OwnStack | undefined;
    test.beforeAll(async ({}, testInfo) => {
      test.setTimeout(120_000);
      stack = await startOwnStack({
        direct: testInfo.project.name === 'direct',
        apiSettings: {
          Gatehouse__ForwardedHeaders__KnownProxies: '127.0.0.1,::1',
          Gatehouse__RateLimits__Enabled: 'true',
          Gatehouse__RateLimits__Register__PerIp: '3',
        },
      });
    });
    test.afterAll(async () => stack?.stop());

    test('a forged X-Forwarded-For still reaches neither the sessions list nor the per-IP limits', async ({ playwright }) => {
      const request = await playwright.request.newContext();
      const account = newAccount();
      await register(playwright, account, stack!.apiUrl); // the first of the three sign-ups this address may make
      await logInThroughWeb(request, stack!.url, account, FORGED);
      expect(await sessionAddresses(request, stack!.url)).toEqual(['127.0.0.1']);

      // Each sign-up claims another address; all of them count against the one that connected.
      // (Without cookies: a cookie-carrying POST would need an Origin for the CSRF check.)
      const anonymous = await playwright.request.newContext();
      const statuses: number[] = [];
      for (const n of [1, 2, 3]) {
        const response = await anonymous.post(`${stack!.url}/api/auth/register`, { data: newAccount(), headers: { 'X-Forwarded-For': `198.51.100.${n}` } });
        statuses.push(response.status());
      }
      expect(statuses).toEqual([201, 201, 429]);
      await anonymous.dispose();
      await request.dispose();
    });
  });

  test.describe('behind a proxy that overwrites X-Forwarded-For (GATEHOUSE_FORWARDED_HEADERS=pass, as run.sh --scale)', () => {
    test.describe.configure({ mode: 'serial' });
    let stack: OwnStack | undefined;
    test.beforeAll(async ({}, testInfo) => {
      test.setTimeout(120_000);
      stack = await startOwnStack({
        direct: testInfo.project.name === 'direct',
        apiSettings: { Gatehouse__ForwardedHeaders__KnownProxies: '127.0.0.1,::1' },
        webSettings: { GATEHOUSE_FORWARDED_HEADERS: 'pass' },
      });
    });
    test.afterAll(async () => stack?.stop());

    test("the proxy's address for the browser reaches the API", async ({ playwright }) => {
      const request = await playwright.request.newContext();
      const account = newAccount();
      await register(playwright, account, stack!.apiUrl);
      await logInThroughWeb(request, stack!.url, account, '192.0.2.10');
      expect(await sessionAddresses(request, stack!.url)).toEqual(['192.0.2.10']);
      await request.dispose();
    });
  });
});

/** The directives of a Content-Security-Policy header, by name. */
function directives(policy: string | undefined): Map<string, string[]> {
  const parsed = new Map<string, string[]>();
  for (const part of (policy ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) parsed.set(name, values);
  }
  return parsed;
}

/** The internal address of the API (GATEHOUSE_API_URL), which no response may reveal. */
const internalApi = () => `127.0.0.1:${new URL(apiUrl()).port}`;

function expectNothingRevealed(response: APIResponse) {
  expect(response.headers()).not.toHaveProperty('x-middleware-rewrite');
  for (const [name, value] of Object.entries(response.headers())) expect(`${name}: ${value}`).not.toContain(internalApi());
}

async function expectPageHeaders(response: APIResponse, direct: boolean) {
  const headers = response.headers();
  const policy = directives(headers['content-security-policy']);
  const nonce = policy.get('script-src')?.find((source) => source.startsWith("'nonce-"))?.slice("'nonce-".length, -1);
  expect(nonce, `${response.url()}: ${headers['content-security-policy']}`).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  expect(policy.get('script-src')).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
  expect(policy.get('object-src')).toEqual(["'none'"]);
  expect(policy.get('base-uri')).toEqual(["'none'"]);
  expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  expect(policy.get('form-action')).toEqual(["'self'"]);
  expect(policy.get('connect-src')).toEqual(direct ? ["'self'", new URL(apiUrl()).origin] : ["'self'"]);
  expect(headers['permissions-policy']).toContain('camera=()');
  expect(headers['permissions-policy']).toContain('publickey-credentials-get=(self)');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers).not.toHaveProperty('strict-transport-security'); // plain HTTP
  expectNothingRevealed(response);
  if (headers['content-type']?.startsWith('text/html')) {
    // Every script Next renders carries this response's nonce; none is inline without it.
    // (The unavailable page is plain HTML, without a script.)
    const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
    if (new URL(response.url()).pathname !== '/unavailable') expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  }
  return nonce;
}

test.describe('web headers', () => {
  const pages = ['/', '/auth/log-in', '/auth/sign-up', '/dashboard', '/dashboard/sessions', '/dashboard/password', '/unavailable', '/no-such-page'];

  test('every page, signed out and signed in, has a nonce CSP, a Permissions-Policy and no internal address', async ({ playwright, account, baseURL }) => {
    const direct = test.info().project.name === 'direct';
    const request = await playwright.request.newContext({ baseURL, maxRedirects: 0 });
    const nonces = new Set<string | undefined>();
    for (const signedIn of [false, true]) {
      if (signedIn) await logInThroughWeb(request, baseURL!, account, '127.0.0.1');
      for (const path of pages) nonces.add(await expectPageHeaders(await request.get(path), direct));
    }
    expect(nonces.size).toBe(pages.length * 2); // a fresh nonce for every response
    await request.dispose();
  });

  test('Strict-Transport-Security is sent when the page was reached over HTTPS', async ({ request }) => {
    const response = await request.get('/auth/log-in', { headers: { 'X-Forwarded-Proto': 'https' } });
    expect(response.headers()['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
  });

  test("the API's answers through /api/* reveal nothing of its address", async ({ request }) => {
    for (const response of [
      await request.get('/api/health/ready'),
      await request.post('/api/auth/login', { data: { username: 'nobody', password: 'not-their-password' } }),
      await request.get('/api/auth/me'),
    ]) {
      expect(response.status()).toBeLessThan(500);
      expectNothingRevealed(response);
      expect(response.headers()['content-security-policy']).toContain("default-src 'none'");
    }
  });

  test('sign-up, log-in, dashboard, sessions and password pages run under the policy without a single violation', async ({ page, account }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Permissions-Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    // A worker's script blocked by its own policy is no console message but an uncaught error (the
    // meter then scores on the page's thread, so only this shows it).
    page.on('pageerror', (error) => violations.push(error.message));
    // Typing a password starts the strength estimator's Web Worker, which the policy must allow.
    await page.goto('/auth/sign-up');
    await page.getByLabel('Password').fill('Tangerine-Osprey-Lantern-7');
    await expect(page.getByLabel('Password')).toHaveAccessibleDescription(/Strength: Strong/);
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page.getByTestId('username')).toHaveText(account.username);
    for (const path of ['/dashboard/sessions', '/dashboard/password', '/dashboard']) {
      await page.goto(path);
      await expect(page.locator('main')).toBeVisible();
    }
    expect(violations).toEqual([]);
  });
});

interface RawAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/**
 * Posts `bytes` of body in 1 KiB pieces, then either ends the request or holds it open for good.
 * A held-open body can only be answered by a server that answers before reading to the end, so
 * "answered before the body is read" needs no race against the clock: a server that waits for the
 * whole body never answers, and the post fails 15 s after its last byte went up, saying so.
 */
function rawPost(url: string, options: { headers: Record<string, string>; bytes: number; end: boolean }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let unanswered: NodeJS.Timeout | undefined;
    const request = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...options.headers } }, (response) => {
      answered = true;
      clearTimeout(unanswered);
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], body });
        request.destroy();
      });
    });
    request.on('error', (error) => {
      if (!answered) {
        clearTimeout(unanswered);
        reject(error);
      }
    });
    request.flushHeaders();
    const piece = Buffer.alloc(1024, ' ');
    let sent = 0;
    const writeMore = () => {
      if (answered || request.destroyed) return;
      if (sent < options.bytes) {
        const size = Math.min(piece.length, options.bytes - sent);
        sent += size;
        request.write(piece.subarray(0, size));
        setTimeout(writeMore, 2);
        return;
      }
      if (options.end) request.end();
      unanswered = setTimeout(() => {
        request.destroy();
        reject(new Error(`no answer within 15 s of the last byte of a body of ${options.bytes} bytes${options.end ? '' : ' held open'}`));
      }, 15_000);
    };
    writeMore();
  });
}

test.describe('request bodies through the web server', () => {
  const tenMegabytes = String(10 * 1024 * 1024);
  test('/api/*: a declared length over 16 KiB is answered 413 problem+json before the body is read', async ({ baseURL }) => {
    // Not one byte of the declared 10 MiB is sent: only an answer from the headers alone can come.
    const answer = await rawPost(`${baseURL}/api/auth/login`, { headers: { 'Content-Length': tenMegabytes }, bytes: 0, end: false });
    expect(answer.status).toBe(413);
    expect(answer.contentType).toContain('application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413, title: 'Request body too large' });
  });

  // Next reads a page request's body to its end before it answers (keeping no more than 16 KiB
  // of it, next.config.ts), so here the whole body goes up first.
  test('pages: a declared length over 16 KiB is answered 413 problem+json', async ({ baseURL }) => {
    const answer = await rawPost(`${baseURL}/auth/log-in`, { headers: { 'Content-Length': String(1024 * 1024) }, bytes: 1024 * 1024, end: true });
    expect(answer.status).toBe(413);
    expect(answer.contentType).toContain('application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413, title: 'Request body too large' });
  });

  test('/api/*: a body without a length is cut off and answered 413 once it passes 16 KiB', async ({ baseURL }) => {
    // 32 KiB goes up and the body is never ended: the answer has to come from the cut-off.
    const answer = await rawPost(`${baseURL}/api/auth/login`, { headers: { 'Transfer-Encoding': 'chunked' }, bytes: 32 * 1024, end: false });
    expect(answer.status).toBe(413);
    expect(answer.contentType).toContain('application/problem+json');
  });

  test('/api/*: bodies up to 16 KiB, with or without a length, reach the API', async ({ baseURL }) => {
    // 16 KiB of spaces: JSON the API reads and refuses as no credentials (400), never as too large.
    const framings: Record<string, string>[] = [{ 'Content-Length': String(16 * 1024) }, { 'Transfer-Encoding': 'chunked' }];
    for (const headers of framings) {
      const answer = await rawPost(`${baseURL}/api/auth/login`, { headers, bytes: 16 * 1024, end: true });
      expect(answer.status, answer.body).toBe(400);
    }
    const over = await rawPost(`${baseURL}/api/auth/login`, { headers: { 'Content-Length': String(16 * 1024 + 1) }, bytes: 16 * 1024 + 1, end: true });
    expect(over.status).toBe(413);
  });

  test('pages: a body without a length is answered 411 problem+json, since Next would buffer it first', async ({ baseURL }) => {
    const answer = await rawPost(`${baseURL}/auth/log-in`, { headers: { 'Transfer-Encoding': 'chunked' }, bytes: 1024 * 1024, end: true });
    expect(answer.status).toBe(411);
    expect(answer.contentType).toContain('application/problem+json');
  });
});
