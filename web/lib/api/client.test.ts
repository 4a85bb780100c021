import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { parseSetCookie } from 'next/dist/compiled/@edge-runtime/cookies';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApi } from '@/test/fake-api';
import type { FakeApi } from '@/test/fake-api';
import { createApiClient } from './client';
import type { ClientEnvironment } from './client';

let api: FakeApi;
beforeEach(async () => {
  api = await startFakeApi([]);
});
afterEach(async () => api.stop());

/** What a browser profile shares between its tabs: the cookie jar, localStorage and the Web Locks. */
function newProfile() {
  const jar = new Map<string, string>();
  const storage = new Map<string, string>();
  let lockQueue: Promise<unknown> = Promise.resolve();
  const ended: string[] = [];
  // A fetch that sends and stores cookies like the browser does with credentials: 'include'.
  const browserFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const cookie = parseSetCookie(line);
      if (!cookie) continue;
      if (cookie.value) jar.set(cookie.name, cookie.value);
      else jar.delete(cookie.name);
    }
    return response;
  };
  const newTab = (): ClientEnvironment => ({
    fetch: browserFetch,
    crossTabLock: <T>(work: () => Promise<T>) => {
      const turn = lockQueue.then(work);
      lockQueue = turn.catch(() => undefined);
      return turn;
    },
    storage: { getItem: (key) => storage.get(key) ?? null, setItem: (key, value) => void storage.set(key, value) },
    now: () => Date.now(),
    timeoutMs: 10_000,
    sessionEnded: () => void ended.push('log-in'),
  });
  return { jar, ended, newTab };
}

const base = () => api.url.origin;
const refreshes = () => api.hits['/auth/refresh'] ?? 0;
const passwordCalls = () => api.requests.filter((request) => request.path === '/auth/password').length;

async function signedInProfile() {
  const profile = newProfile();
  const session = await api.signIn();
  profile.jar.set('access_token', session.access);
  profile.jar.set('refresh_token', session.refresh);
  return profile;
}

describe('a call that gets 401', () => {
  it('renews the session once and repeats the call with the new cookie', async () => {
    const profile = await signedInProfile();
    api.expireAccessTokens();
    const client = createApiClient(profile.newTab());

    const result = await client.request(base(), 'POST', '/auth/password', { currentPassword: 'a', newPassword: 'b' });
    expect(result).toEqual({ ok: true, body: null });
    expect(refreshes()).toBe(1);
    expect(passwordCalls()).toBe(2);
    expect(api.auth.liveAccess.has(profile.jar.get('access_token') ?? '')).toBe(true);
    // The repeat carries the body again.
    expect(api.requests.filter((request) => request.path === '/auth/password').map((request) => request.body)).toEqual([
      '{"currentPassword":"a","newPassword":"b"}',
      '{"currentPassword":"a","newPassword":"b"}',
    ]);
  });

  it('shares one renewal among calls failing together in one tab', async () => {
    const profile = await signedInProfile();
    api.expireAccessTokens();
    api.auth.refreshDelayMs = 50;
    const client = createApiClient(profile.newTab());

    const results = await Promise.all([
      client.request(base(), 'POST', '/auth/password', {}),
      client.request(base(), 'DELETE', '/auth/sessions/5f0c6f0e-0000-4000-8000-000000000001'),
      client.request(base(), 'POST', '/auth/logout-all'),
    ]);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(refreshes()).toBe(1);
  });

  it('renews once across tabs: a tab that waited for the lock sees the other tab renewed and just repeats its call', async () => {
    const profile = await signedInProfile();
    api.expireAccessTokens();
    api.auth.refreshDelayMs = 50;
    const [first, second] = [createApiClient(profile.newTab()), createApiClient(profile.newTab())];

    const results = await Promise.all([first.request(base(), 'POST', '/auth/password', {}), second.request(base(), 'POST', '/auth/logout-all')]);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(refreshes()).toBe(1);
  });

  it('renews again for a later expiry', async () => {
    const profile = await signedInProfile();
    const client = createApiClient(profile.newTab());
    api.expireAccessTokens();
    expect((await client.request(base(), 'POST', '/auth/password', {})).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5)); // the renewal's time must lie before the next call
    api.expireAccessTokens();
    expect((await client.request(base(), 'POST', '/auth/password', {})).ok).toBe(true);
    expect(refreshes()).toBe(2);
  });

  it('is repeated once only: a second 401 is the answer, with no second renewal and no trip to log-in', async () => {
    const profile = await signedInProfile();
    api.auth.rejectEveryAccessToken = true;
    const client = createApiClient(profile.newTab());

    const result = await client.request(base(), 'POST', '/auth/password', {});
    expect(result).toMatchObject({ ok: false, problem: { status: 401, code: 'unauthenticated' } });
    expect(refreshes()).toBe(1);
    expect(passwordCalls()).toBe(2);
    expect(profile.ended).toEqual([]);
  });

  it('goes to log-in when the session cannot be renewed, and the cookies are gone', async () => {
    const profile = newProfile();
    profile.jar.set('access_token', 'dead');
    profile.jar.set('refresh_token', 'revoked');
    const client = createApiClient(profile.newTab());

    const result = await client.request(base(), 'DELETE', '/auth/sessions/5f0c6f0e-0000-4000-8000-000000000001');
    expect(result).toMatchObject({ ok: false, problem: { code: 'session_ended' } });
    expect(profile.ended).toEqual(['log-in']);
    expect(profile.jar.size).toBe(0);
  });

  it('leaves the tab where it is when the session ended because this tab logged out meanwhile', async () => {
    const profile = await signedInProfile();
    api.expireAccessTokens();
    api.auth.refreshDelayMs = 50; // the log-out lands while the dashboard's call is renewing
    const client = createApiClient(profile.newTab());

    const [me, out] = await Promise.all([client.request(base(), 'GET', '/auth/me'), client.request(base(), 'POST', '/auth/logout')]);
    expect(out.ok).toBe(true);
    expect(me).toMatchObject({ ok: false, problem: { code: 'session_ended' } });
    expect(refreshes()).toBe(1);
    // The log-out's page says "you have logged out"; nothing else sends the tab anywhere.
    expect(profile.ended).toEqual([]);

    // A call made after the log-out, whose session is gone, still goes to log-in.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await client.request(base(), 'GET', '/auth/me')).toMatchObject({ ok: false, problem: { code: 'session_ended' } });
    expect(profile.ended).toEqual(['log-in']);
  });

  it('still goes to log-in when a log-out fails and the session is gone', async () => {
    const profile = newProfile();
    profile.jar.set('access_token', 'dead');
    profile.jar.set('refresh_token', 'revoked');
    const client = createApiClient(profile.newTab());

    expect(await client.request(base(), 'POST', '/auth/logout-all')).toMatchObject({ ok: false, problem: { code: 'session_ended' } });
    expect(profile.ended).toEqual(['log-in']);
  });

  it('says the service is unreachable when the renewal cannot get an answer, and stays put', async () => {
    const profile = await signedInProfile();
    api.expireAccessTokens();
    api.auth.refreshStatus = 503;
    const client = createApiClient(profile.newTab());

    const result = await client.request(base(), 'POST', '/auth/logout-all');
    expect(result).toMatchObject({ ok: false, problem: { code: 'unreachable' } });
    expect(profile.ended).toEqual([]);
  });

  it.each(['/auth/login', '/auth/register', '/auth/refresh', '/auth/logout'])('from %s is the answer itself: no renewal', async (path) => {
    const profile = newProfile();
    const client = createApiClient(profile.newTab());
    await client.request(base(), 'POST', path, {});
    expect(refreshes()).toBe(path === '/auth/refresh' ? 1 : 0);
    expect(profile.ended).toEqual([]);
  });

  it('says the service is unreachable when the browser refuses the lock, instead of throwing', async () => {
    const profile = await signedInProfile();
    api.expireAccessTokens();
    const client = createApiClient({ ...profile.newTab(), crossTabLock: () => Promise.reject(new DOMException('refused', 'SecurityError')) });
    expect(await client.request(base(), 'POST', '/auth/logout-all')).toMatchObject({ ok: false, problem: { code: 'unreachable' } });
    expect(refreshes()).toBe(0);
  });

  it('works without Web Locks or storage (insecure context, blocked storage): one renewal per tab', async () => {
    const profile = await signedInProfile();
    api.expireAccessTokens();
    const client = createApiClient({ ...profile.newTab(), crossTabLock: undefined, storage: undefined });
    expect((await client.request(base(), 'POST', '/auth/logout-all')).ok).toBe(true);
    expect(refreshes()).toBe(1);
  });
});

it('reports an unreachable API as such', async () => {
  const client = createApiClient(newProfile().newTab());
  await api.stop();
  expect(await client.request(base(), 'POST', '/auth/login', {})).toMatchObject({ ok: false, problem: { code: 'unreachable' } });
});

/** A server that accepts connections and never answers: the frozen API of the issue. */
async function startFrozenServer(options: { sendHeaders?: boolean } = {}) {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    // Headers and no body: the answer starts and never ends.
    if (options.sendHeaders) socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('an API that never answers', () => {
  it('times out after timeoutMs with a problem of its own, not "unreachable"', async () => {
    const frozen = await startFrozenServer();
    try {
      const client = createApiClient({ ...newProfile().newTab(), timeoutMs: 200 });
      const started = Date.now();
      const result = await client.request(frozen.origin, 'POST', '/auth/login', { username: 'john', password: 'x' });
      expect(result).toMatchObject({ ok: false, problem: { code: 'timeout' } });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await frozen.stop();
    }
  });

  it('times out while the body never finishes, too', async () => {
    const frozen = await startFrozenServer({ sendHeaders: true });
    try {
      const client = createApiClient({ ...newProfile().newTab(), timeoutMs: 200 });
      expect(await client.request(frozen.origin, 'POST', '/auth/login', {})).toMatchObject({ ok: false, problem: { code: 'timeout' } });
    } finally {
      await frozen.stop();
    }
  });

  it('uses ten seconds in the browser', async () => {
    const { REQUEST_TIMEOUT_MS } = await import('./client');
    expect(REQUEST_TIMEOUT_MS).toBe(10_000);
  });
});

it('reads the wait of a rate limit from Retry-After when the body lacks it', async () => {
  const limited = createServerAnswering(429, { 'Content-Type': 'application/problem+json', 'Retry-After': '900' }, '{"title":"Too many requests","code":"rate_limited"}');
  const origin = await limited.start();
  try {
    const client = createApiClient(newProfile().newTab());
    expect(await client.request(origin, 'POST', '/auth/login', {})).toMatchObject({
      ok: false,
      problem: { status: 429, message: 'Too many attempts. Try again in 15 minutes.' },
    });
  } finally {
    await limited.stop();
  }
});

function createServerAnswering(status: number, headers: Record<string, string>, body: string) {
  const server = createHttpServer((_request, response) => {
    response.writeHead(status, headers).end(body);
  });
  return {
    start: async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
