import { describe, expect, it } from 'vitest';
import { fakeFetch, json, refused } from '@/test/fake-fetch';
import { createProvidersReader } from './external-providers';

const API = new URL('http://api.test');
const LOCAL = { id: 'local', displayName: 'Local provider', type: 'oidc' };
const GITHUB = { id: 'github', displayName: 'GitHub', type: 'github' };

describe('createProvidersReader', () => {
  it('asks GET /auth/external once and reuses the answer until it is a minute old', async () => {
    let now = 0;
    const { fetchImpl, calls } = fakeFetch(json({ providers: [LOCAL] }), json({ providers: [LOCAL, GITHUB] }));
    const read = createProvidersReader({ apiUrl: API, fetchImpl, now: () => now });

    expect(await read()).toEqual([LOCAL]);
    now = 59_999;
    expect(await read()).toEqual([LOCAL]);
    expect(calls).toEqual(['http://api.test/auth/external']);
    now = 60_000;
    expect(await read()).toEqual([LOCAL, GITHUB]);
  });

  it('shows no provider when the API cannot be reached, and asks again only after a few seconds', async () => {
    let now = 0;
    const { fetchImpl, calls } = fakeFetch(refused, json({ providers: [LOCAL] }));
    const read = createProvidersReader({ apiUrl: API, fetchImpl, now: () => now });

    expect(await read()).toEqual([]);
    now = 4_999;
    expect(await read()).toEqual([]);
    expect(calls).toHaveLength(1);
    now = 5_000;
    expect(await read()).toEqual([LOCAL]);
  });

  it('treats an API without external logins (404) or a malformed answer as no provider', async () => {
    let now = 0;
    const { fetchImpl } = fakeFetch(json({ title: 'Not Found' }, 404), json({ providers: 'local' }));
    const read = createProvidersReader({ apiUrl: API, fetchImpl, now: () => now });
    expect(await read()).toEqual([]);
    now = 10_000;
    expect(await read()).toEqual([]);
  });

  it('keeps the last list it had through an outage', async () => {
    let now = 0;
    const { fetchImpl } = fakeFetch(json({ providers: [LOCAL] }), refused);
    const read = createProvidersReader({ apiUrl: API, fetchImpl, now: () => now });
    expect(await read()).toEqual([LOCAL]);
    now = 61_000;
    expect(await read()).toEqual([LOCAL]);
  });

  it('gives up on an API that does not answer in time', async () => {
    const fetchImpl = ((_input: URL | RequestInfo, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    const read = createProvidersReader({ apiUrl: API, fetchImpl, timeoutMs: 20 });
    expect(await read()).toEqual([]);
  });
});
