import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { GET } from './route';

const get = (url: string, headers: Record<string, string> = {}) => GET(new NextRequest(url, { headers }));

describe('/.well-known/passkey-endpoints', () => {
  it('names the security page as the place to add and manage passkeys, on the host the browser used, as cacheable JSON', async () => {
    // next start listens on 127.0.0.1; the browser (and so the passkey's relying party) says localhost.
    const response = await get('http://127.0.0.1:3000/.well-known/passkey-endpoints', { host: 'localhost:3000' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(response.headers.get('vary')).toBe('Host');
    expect(await response.json()).toEqual({
      enroll: 'http://localhost:3000/dashboard/security',
      manage: 'http://localhost:3000/dashboard/security',
    });
  });

  it('gives https URLs behind a TLS-terminating proxy', async () => {
    const response = await get('http://127.0.0.1:3000/.well-known/passkey-endpoints', { host: 'gatehouse.example', 'x-forwarded-proto': 'https' });
    expect(await response.json()).toEqual({
      enroll: 'https://gatehouse.example/dashboard/security',
      manage: 'https://gatehouse.example/dashboard/security',
    });
  });

  it('never puts a Host that is more than a host and port into the URLs', async () => {
    for (const host of ['evil.example/x', 'user@evil.example', 'evil.example:3000/..']) {
      const body = (await (await get('http://127.0.0.1:3000/.well-known/passkey-endpoints', { host })).json()) as { enroll: string };
      // The address this server was reached at instead (Next's URL names loopback "localhost").
      expect(body.enroll, host).toMatch(/^http:\/\/(localhost|127\.0\.0\.1):3000\/dashboard\/security$/);
    }
  });
});
