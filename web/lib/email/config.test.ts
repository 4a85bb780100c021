import { describe, expect, it } from 'vitest';
import { fakeFetch, json, refused } from '@/test/fake-fetch';
import { createConfigReader, MAIL_UNKNOWN, parseEmailConfig } from './config';

const API = new URL('http://api.test');
const ON = { emailEnabled: true, requireEmail: true, requireVerifiedEmail: false };
const OFF = { emailEnabled: false, requireEmail: false, requireVerifiedEmail: false };

describe('parseEmailConfig', () => {
  it('reads the three flags', () => {
    expect(parseEmailConfig({ ...ON, extra: 'ignored' })).toEqual(ON);
  });

  it('refuses an answer missing a flag or with a flag that is not a boolean', () => {
    expect(parseEmailConfig({ emailEnabled: true, requireEmail: true })).toBeNull();
    expect(parseEmailConfig({ ...ON, emailEnabled: 'yes' })).toBeNull();
    expect(parseEmailConfig(null)).toBeNull();
  });
});

describe('createConfigReader', () => {
  it('asks GET /auth/config once and reuses the answer until it is a minute old', async () => {
    let now = 0;
    const { fetchImpl, calls } = fakeFetch(json(ON), json(OFF));
    const read = createConfigReader({ apiUrl: API, fetchImpl, now: () => now });

    expect(await read()).toEqual(ON);
    now = 59_999;
    expect(await read()).toEqual(ON);
    expect(calls).toEqual(['http://api.test/auth/config']);
    now = 60_000;
    expect(await read()).toEqual(OFF);
    expect(calls).toHaveLength(2);
  });

  it('shares one call among the pages that ask while it is in flight', async () => {
    let answer!: (response: Response) => void;
    const { fetchImpl, calls } = fakeFetch(() => new Promise<Response>((resolve) => (answer = resolve)));
    const read = createConfigReader({ apiUrl: API, fetchImpl });

    const both = Promise.all([read(), read()]);
    answer(Response.json(ON));
    expect(await both).toEqual([ON, ON]);
    expect(calls).toHaveLength(1);
  });

  it('without an answer assumes no mail, and asks again only after a few seconds', async () => {
    let now = 0;
    const { fetchImpl, calls } = fakeFetch(refused, json(ON));
    const read = createConfigReader({ apiUrl: API, fetchImpl, now: () => now });

    expect(await read()).toEqual(MAIL_UNKNOWN);
    now = 4_999;
    expect(await read()).toEqual(MAIL_UNKNOWN);
    expect(calls).toHaveLength(1);
    now = 5_000;
    expect(await read()).toEqual(ON);
  });

  it('treats an API without /auth/config (404) or a malformed answer as no mail', async () => {
    let now = 0;
    const { fetchImpl } = fakeFetch(json({ title: 'Not Found' }, 404), json({ emailEnabled: 'true' }));
    const read = createConfigReader({ apiUrl: API, fetchImpl, now: () => now });
    expect(await read()).toEqual(MAIL_UNKNOWN);
    now = 10_000;
    expect(await read()).toEqual(MAIL_UNKNOWN);
  });

  it('keeps the last answer it had through an outage rather than hide the links', async () => {
    let now = 0;
    const { fetchImpl } = fakeFetch(json(ON), refused);
    const read = createConfigReader({ apiUrl: API, fetchImpl, now: () => now });
    expect(await read()).toEqual(ON);
    now = 61_000;
    expect(await read()).toEqual(ON);
  });

  it('gives up on an API that does not answer in time', async () => {
    const fetchImpl = ((_input: URL | RequestInfo, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    const read = createConfigReader({ apiUrl: API, fetchImpl, timeoutMs: 20 });
    expect(await read()).toEqual(MAIL_UNKNOWN);
  });
});
