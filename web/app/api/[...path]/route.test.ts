import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeApi } from '@/test/fake-api';
import type { FakeApi } from '@/test/fake-api';
import type * as RouteExports from './route';

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
});

const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  // duplex: a stream body needs it, and the DOM types do not know it yet.
  route.POST(new NextRequest(new Request(`http://localhost:3000${path}`, { method: 'POST', body, headers, duplex: 'half' } as RequestInit)));

/** A body of unknown length, as a chunked upload arrives. */
const stream = (bytes: number) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let sent = 0; sent < bytes; sent += 1024) controller.enqueue(new Uint8Array(Math.min(1024, bytes - sent)).fill(32));
      controller.close();
    },
  });

describe('/api/* to the API', () => {
  it('goes to the API with path, query, body and cookies, and brings back its status and Set-Cookie lines', async () => {
    const { refresh } = await api.signIn();
    const response = await post('/api/auth/refresh?x=1', '{}', { cookie: `refresh_token=${refresh}`, 'content-type': 'application/json', origin: 'http://localhost:3000' });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toHaveLength(2);
    const [sent] = api.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/auth/refresh', query: '?x=1', body: '{}' });
    expect(sent?.headers).toMatchObject({ origin: 'http://localhost:3000', cookie: `refresh_token=${refresh}` });
  });

  it('names its own origin to the API, replacing whatever the browser sent, so an external sign-in comes back through it', async () => {
    await route.GET(new NextRequest(new Request('http://localhost:3000/api/auth/external/local/start?next=%2Fdashboard', { headers: { 'x-gatehouse-web-origin': 'https://evil.example' } })));
    const [sent] = api.requests;
    expect(sent).toMatchObject({ path: '/auth/external/local/start', query: '?next=%2Fdashboard' });
    expect(sent?.headers['x-gatehouse-web-origin']).toBe('http://localhost:3000');
  });

  it.each(['/api//evil.example/x', '/api/\\evil.example/x'])('keeps %s a path on the API, never another host', async (path) => {
    await route.GET(new NextRequest(new URL(`http://localhost:3000${path}`)));
    expect(api.requests).toHaveLength(1);
  });

  it('passes no forwarding header on unless a proxy in front vouches for it', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.66', forwarded: 'for=203.0.113.66', 'x-real-ip': '203.0.113.66', 'x-forwarded-proto': 'https' };
    await post('/api/auth/login', '{}', headers);
    for (const name of Object.keys(headers)) expect(api.requests[0]?.headers).not.toHaveProperty(name);
  });

  it('refuses a declared length over 16 KiB with 413 problem+json, without calling the API', async () => {
    const response = await post('/api/auth/login', stream(16 * 1024 + 1), { 'content-length': String(16 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(api.requests).toHaveLength(0);
  });

  it('cuts off a body of unknown length at 16 KiB with 413, and passes one of 16 KiB on with its length', async () => {
    expect((await post('/api/auth/login', stream(16 * 1024 + 1))).status).toBe(413);
    expect(api.requests).toHaveLength(0);
    expect((await post('/api/auth/login', stream(16 * 1024))).status).toBe(401);
    expect(api.requests[0]?.headers['content-length']).toBe(String(16 * 1024));
  });

  it('answers 502 problem+json when the API cannot be reached', async () => {
    vi.stubEnv('GATEHOUSE_API_URL', 'http://127.0.0.1:9');
    vi.resetModules();
    const unreachable = await import('./route');
    const response = await unreachable.GET(new NextRequest('http://localhost:3000/api/auth/me'));
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 502, code: 'unreachable', detail: expect.stringContaining('unreachable') });
    vi.stubEnv('GATEHOUSE_API_URL', api.url.origin);
  });
});

describe('a sign-in with a second factor through /api/*', () => {
  it("carries the pending sign-in's cookie out to the browser and back, and every session cookie the answer sets", async () => {
    // An API that answers as the real one does for an account with a second factor.
    const seen: (string | undefined)[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers.cookie);
      if (request.url === '/auth/login') {
        response.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': 'mfa_pending=pending-1; path=/; samesite=lax; httponly' });
        response.end(JSON.stringify({ mfaRequired: true, methods: ['totp', 'recovery_code'] }));
        return;
      }
      response.writeHead(200, {
        'Content-Type': 'application/json',
        'Set-Cookie': [
          'mfa_pending=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/; samesite=lax; httponly',
          'access_token=a; path=/; samesite=lax; httponly',
          'refresh_token=r; path=/; samesite=lax; httponly',
        ],
      });
      response.end('{"success":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      vi.stubEnv('GATEHOUSE_API_URL', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      vi.resetModules();
      const relay = await import('./route');
      const send = (path: string, headers: Record<string, string>) =>
        relay.POST(new NextRequest(new Request(`http://localhost:3000${path}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', ...headers } })));

      const started = await send('/api/auth/login', {});
      expect(await started.json()).toEqual({ mfaRequired: true, methods: ['totp', 'recovery_code'] });
      expect(started.headers.getSetCookie()).toEqual(['mfa_pending=pending-1; path=/; samesite=lax; httponly']);

      const finished = await send('/api/auth/login/mfa', { cookie: 'mfa_pending=pending-1; device_token=d' });
      expect(seen[1]).toBe('mfa_pending=pending-1; device_token=d');
      expect(finished.headers.getSetCookie().map((line) => line.split('=', 1)[0])).toEqual(['mfa_pending', 'access_token', 'refresh_token']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      vi.stubEnv('GATEHOUSE_API_URL', api.url.origin);
    }
  });
});
