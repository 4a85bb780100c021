import { NextRequest } from 'next/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeApi } from '@/test/fake-api';
import type { FakeApi } from '@/test/fake-api';
import type * as RouteExports from './route';

// The API's verdict on the access token is stubbed; the logout it leads to goes to a real (fake) API.
const currentUser = vi.hoisted(() => ({ value: null as { userId: string; username: string } | null | Error }));
vi.mock('@/lib/auth/session', () => ({
  getUserFromApi: async () => {
    if (currentUser.value instanceof Error) throw currentUser.value;
    return currentUser.value;
  },
}));

let api: FakeApi;
let route: typeof RouteExports;

beforeAll(async () => {
  api = await startFakeApi([]);
  vi.stubEnv('GATEHOUSE_API_URL', api.url.origin);
  vi.resetModules();
  route = await import('./route');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await api.stop();
});
beforeEach(() => {
  api.requests.length = 0;
  currentUser.value = null;
});

const visit = (cookie: string) =>
  route.GET(new NextRequest('http://localhost:3000/auth/session-ended?next=%2Fdashboard', { headers: { host: 'localhost:3000', cookie } }));
const logouts = () => api.requests.filter((request) => request.path === '/auth/logout');

describe('/auth/session-ended', () => {
  it('logs the dead session out with the API, passes on its deletions of both cookies and goes to log-in', async () => {
    const response = await visit('access_token=dead; refresh_token=r1');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/auth/log-in?next=%2Fdashboard');
    expect(logouts()).toHaveLength(1);
    expect(logouts()[0]?.headers).toMatchObject({ cookie: 'access_token=dead; refresh_token=r1', origin: 'http://localhost:3000' });
    const [access, refresh, notice] = response.headers.getSetCookie();
    expect([access, refresh].every((line) => /=; expires=Thu, 01 Jan 1970/.test(line ?? ''))).toBe(true);
    // The log-in page says why the visitor is there.
    expect(notice).toBe('gatehouse_notice=session-ended; Path=/auth/log-in; Max-Age=60; SameSite=lax');
  });

  it('cannot be used by a link from another site to sign a visitor out: a live session goes back to the page', async () => {
    currentUser.value = { userId: 'user-1', username: 'john' };
    const response = await visit('access_token=live; refresh_token=r1');
    expect(response.headers.get('location')).toBe('/dashboard');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(logouts()).toHaveLength(0);
  });

  it('with only a refresh cookie (the access cookie expired away) goes back to the page, which renews, rather than log out', async () => {
    const response = await visit('refresh_token=r1');
    expect(response.headers.get('location')).toBe('/dashboard');
    expect(logouts()).toHaveLength(0);
  });

  it('keeps the cookies while the API cannot be reached', async () => {
    currentUser.value = new Error('unreachable');
    const response = await visit('access_token=dead; refresh_token=r1');
    expect(response.headers.get('location')).toBe('/dashboard');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('deletes the cookies itself, under their real names, when the API does not', async () => {
    await api.stop();
    try {
      const response = await visit('__Host-access_token=dead; __Host-refresh_token=r1');
      expect(response.headers.get('location')).toBe('/auth/log-in?next=%2Fdashboard');
      const tokenLines = response.headers.getSetCookie().filter((line) => !line.startsWith('gatehouse_notice='));
      expect(tokenLines.map((line) => line.split('=', 1)[0])).toEqual(['__Host-access_token', '__Host-refresh_token']);
      expect(tokenLines.every((line) => line.includes('Secure'))).toBe(true);
    } finally {
      api = await startFakeApi([]); // afterAll stops it again
    }
  });
});
