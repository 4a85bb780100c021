import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApi } from '@/test/fake-api';
import type { FakeApi } from '@/test/fake-api';
import { postAsBrowser, publicOrigin } from './upstream';

describe('publicOrigin', () => {
  it('is built from the Host header and X-Forwarded-Proto, never from the address Next listens on', () => {
    expect(publicOrigin(new Headers({ host: 'localhost:3000', 'x-forwarded-proto': 'http' }), 'http:')).toBe('http://localhost:3000');
    expect(publicOrigin(new Headers({ host: 'App.Example.com', 'x-forwarded-proto': 'https, http' }), 'http:')).toBe('https://app.example.com');
    expect(publicOrigin(new Headers({ host: '[::1]:3000' }), 'https:')).toBe('https://[::1]:3000');
  });

  it('falls back to the request protocol when X-Forwarded-Proto is missing or not http(s)', () => {
    expect(publicOrigin(new Headers({ host: 'localhost:3000' }), 'http:')).toBe('http://localhost:3000');
    expect(publicOrigin(new Headers({ host: 'localhost:3000', 'x-forwarded-proto': 'javascript' }), 'https:')).toBe('https://localhost:3000');
  });

  it.each(['', 'evil.example/path', 'a b', 'evil.example@x', 'host:99999999'])('is null for the Host header %j', (host) => {
    expect(publicOrigin(new Headers(host ? { host } : {}), 'http:')).toBeNull();
  });
});

describe('postAsBrowser', () => {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi([]);
  });
  afterEach(async () => api.stop());

  it("sends the cookies under their real names, the web app's Origin, and the browser's User-Agent and X-Forwarded-For, as JSON", async () => {
    const incoming = new Headers({ host: 'localhost:3000', 'user-agent': 'Firefox/140', 'x-forwarded-for': '203.0.113.9', cookie: 'other=1' });
    await postAsBrowser({ apiUrl: api.url, path: '/auth/logout', cookies: [{ name: '__Host-refresh_token', value: 'r/1+=' }], incoming, protocol: 'http:', forwarded: 'pass' });

    const [sent] = api.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/auth/logout', body: '{}' });
    expect(sent?.headers).toMatchObject({
      origin: 'http://localhost:3000',
      cookie: '__Host-refresh_token=r/1+=',
      'user-agent': 'Firefox/140',
      'x-forwarded-for': '203.0.113.9',
      'content-type': 'application/json',
    });
  });

  it('keeps a browser-sent X-Forwarded-For from the API when no proxy in front vouches for it', async () => {
    const incoming = new Headers({ host: 'localhost:3000', 'x-forwarded-for': '203.0.113.9', forwarded: 'for=203.0.113.9', 'x-real-ip': '203.0.113.9' });
    await postAsBrowser({ apiUrl: api.url, path: '/auth/refresh', cookies: [], incoming, protocol: 'http:', forwarded: 'drop' });

    const [sent] = api.requests;
    expect(sent?.headers).not.toHaveProperty('x-forwarded-for');
    expect(sent?.headers).not.toHaveProperty('forwarded');
    expect(sent?.headers).not.toHaveProperty('x-real-ip');
  });
});
