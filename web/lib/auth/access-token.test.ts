import { jwtVerify, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mintToken, newSigningKey, startFakeApi } from '@/test/fake-api';
import type { FakeApi, SigningKey } from '@/test/fake-api';
import { parseSettings } from '@/lib/config';
import { createTokenChecker, createTokenVerifier } from './access-token';
import type { CheckerOptions } from './access-token';
import type * as Jose from 'jose';

// The real jwtVerify, counted, so the cache tests can see when a signature is checked.
vi.mock('jose', async (importOriginal) => {
  const actual = await importOriginal<typeof Jose>();
  return { ...actual, jwtVerify: vi.fn(actual.jwtVerify) };
});
const verifications = () => vi.mocked(jwtVerify).mock.calls.length;

const JWKS = '/.well-known/jwks.json';
let api: FakeApi;
let key: SigningKey;

beforeEach(async () => {
  key = await newSigningKey();
  api = await startFakeApi([key]);
});
afterEach(async () => {
  vi.useRealTimers();
  vi.mocked(jwtVerify).mockClear();
  await api.stop();
});

// jose's JWKS cooldown reads Date.now(); moving only Date lets a test step past it.
const advanceClock = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

const verifierFor = (env: Record<string, string> = {}) =>
  createTokenVerifier(parseSettings((name) => ({ GATEHOUSE_API_URL: api.url.origin, ...env })[name]));

describe('ES256 tokens checked against the JWKS', () => {
  it('accepts a token the API signed, fetching the JWKS once for many checks', async () => {
    const verify = verifierFor();
    for (let i = 0; i < 5; i++) expect(await verify(await mintToken(key))).toBe('valid');
    expect(api.hits[JWKS]).toBe(1);
  });

  it('calls a token expired beyond the 30 s clock skew the API allows "expired", and accepts one within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const verify = verifierFor();
    expect(await verify(await mintToken(key, { expiresAt: now - 31 }))).toBe('expired');
    expect(await verify(await mintToken(key, { expiresAt: now - 20 }))).toBe('valid');
  });

  it('with strictExpiry (a refresh cookie at hand) calls a token expired at its exp, ignoring the skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    const verify = verifierFor();
    expect(await verify(await mintToken(key, { expiresAt: now - 20 }), { strictExpiry: true })).toBe('expired');
    expect(await verify(await mintToken(key, { expiresAt: now + 20 }), { strictExpiry: true })).toBe('valid');
  });

  it('calls an expired token with a forged signature "invalid", not "expired"', async () => {
    const stranger = await newSigningKey();
    const forged = await mintToken({ ...stranger, kid: key.kid }, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    expect(await verifierFor()(forged)).toBe('invalid');
  });

  it.each([
    ['another issuer', { issuer: 'someone-else' }],
    ['an ID token rather than an access token', { typ: 'JWT' }],
  ])('refuses %s', async (_, overrides) => {
    expect(await verifierFor()(await mintToken(key, overrides))).toBe('invalid');
  });

  it('refuses garbage, a tampered payload and an unsigned token', async () => {
    const verify = verifierFor();
    const [header, , signature] = (await mintToken(key)).split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'admin', iss: 'gatehouse', aud: 'gatehouse', exp: 9999999999 })).toString('base64url');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${forgedPayload}.`;
    expect(await verify('not-a-token')).toBe('invalid');
    expect(await verify(`${header}.${forgedPayload}.${signature}`)).toBe('invalid');
    expect(await verify(unsigned)).toBe('invalid');
  });

  it('refetches the JWKS for an unknown kid once the 30 s cooldown has passed, so a newly published key works', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verify = verifierFor();
    expect(await verify(await mintToken(key))).toBe('valid');
    const next = await newSigningKey();
    api.publish([key, next]);

    advanceClock(31);
    expect(await verify(await mintToken(next))).toBe('valid');
    expect(api.hits[JWKS]).toBe(2);
  });

  it('accepts a key published within the 30 s cooldown by asking the API once, rather than signing the user out', async () => {
    const next = await newSigningKey();
    const token = await mintToken(next);
    await api.stop();
    api = await startFakeApi([key], { acceptBearer: (bearer) => bearer === token });
    const verify = verifierFor();
    expect(await verify(await mintToken(key))).toBe('valid');

    api.publish([key, next]);
    expect(await verify(token)).toBe('valid');
    expect(api.hits[JWKS]).toBe(1);
    expect(api.hits['/auth/is-authenticated']).toBe(1);
  });

  it('refuses a token from a key the API never published, fetching the JWKS at most once per 30 s', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verify = verifierFor();
    expect(await verify(await mintToken(key))).toBe('valid');
    const stranger = await newSigningKey();
    for (let i = 0; i < 3; i++) expect(await verify(await mintToken(stranger))).toBe('invalid');
    expect(api.hits[JWKS]).toBe(1);
    expect(api.hits['/auth/is-authenticated']).toBe(3); // the API has the last word on unknown kids

    advanceClock(31);
    for (let i = 0; i < 3; i++) expect(await verify(await mintToken(stranger))).toBe('invalid');
    expect(api.hits[JWKS]).toBe(2);
  });

  it('says "unverifiable", not "invalid", when the API cannot be reached', async () => {
    const token = await mintToken(key);
    await api.stop();
    expect(await verifierFor()(token)).toBe('unverifiable');
  });
});

describe('HS256 tokens', () => {
  const secret = 's'.repeat(40);
  const mintHs256 = (withSecret: string) =>
    new SignJWT({ sid: 'session-1' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject('user-1')
      .setIssuer('gatehouse')
      .setAudience('gatehouse')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(withSecret));

  it('are checked with the shared JWT_SECRET and no call to the API', async () => {
    const verify = verifierFor({ JWT_SECRET: secret });
    expect(await verify(await mintHs256(secret))).toBe('valid');
    expect(await verify(await mintHs256('t'.repeat(40)))).toBe('invalid');
    expect(await verify(await mintToken(key))).toBe('invalid'); // ES256 is not accepted in HS256 mode
    expect(api.hits).toEqual({});
  });

  it('without the secret, when the API publishes no keys, are checked by asking the API', async () => {
    const token = await mintHs256(secret);
    await api.stop();
    api = await startFakeApi([], { acceptBearer: (bearer) => bearer === token });
    const verify = verifierFor();
    expect(await verify(token)).toBe('valid');
    expect(await verify(await mintHs256('t'.repeat(40)))).toBe('invalid');
    expect(api.hits['/auth/is-authenticated']).toBe(2);
    expect(api.hits[JWKS]).toBe(1);
  });

  it('are refused without asking when the API signs ES256: a forged HS256 header buys no API call', async () => {
    const verify = verifierFor();
    for (let i = 0; i < 3; i++) expect(await verify(await mintHs256(secret))).toBe('invalid');
    expect(api.hits['/auth/is-authenticated']).toBeUndefined();
    expect(api.hits[JWKS]).toBe(1);
  });
});

describe('remote mode', () => {
  it('asks the API on every check', async () => {
    const token = await mintToken(key);
    await api.stop();
    api = await startFakeApi([key], { acceptBearer: (bearer) => bearer === token });
    const verify = verifierFor({ GATEHOUSE_SESSION_CHECK: 'remote' });
    expect(await verify(token)).toBe('valid');
    expect(await verify(token)).toBe('valid');
    expect(api.hits['/auth/is-authenticated']).toBe(2);
    expect(api.hits[JWKS]).toBeUndefined();
  });

  it('tells an expired token from another refusal by its exp, so a refresh cookie can still renew it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const withinSkew = await mintToken(key, { expiresAt: now - 10 });
    await api.stop();
    api = await startFakeApi([key], { acceptBearer: (bearer) => bearer === withinSkew });
    const verify = verifierFor({ GATEHOUSE_SESSION_CHECK: 'remote' });
    expect(await verify(await mintToken(key, { expiresAt: now - 60 }))).toBe('expired');
    expect(await verify(await mintToken(key))).toBe('invalid'); // unexpired, yet refused: revoked
    expect(await verify(withinSkew)).toBe('valid');
    expect(await verify(withinSkew, { strictExpiry: true })).toBe('expired');
  });
});

describe('what pages learn from a token', () => {
  const checkerFor = (env: Record<string, string> = {}, options: CheckerOptions = {}) =>
    createTokenChecker(parseSettings((name) => ({ GATEHOUSE_API_URL: api.url.origin, ...env })[name]), fetch, options);

  it('gives the user, session, expiry, username and roles of a token it verified', async () => {
    const token = await mintToken(key, { payload: { sid: 'session-7', preferred_username: 'john', role: ['admin'] } });
    const check = await checkerFor()(token);
    expect(check).toEqual({
      verdict: 'valid',
      claims: { userId: 'user-1', sessionId: 'session-7', expiresAt: expect.any(Number) as number, username: 'john', roles: ['admin'] },
    });
    expect(await checkerFor()(await mintToken(key, { payload: { sid: 'session-8' } }))).toMatchObject({ claims: { roles: [] } });
  });

  it('gives no username for a token without preferred_username, and no claims for one without a sid', async () => {
    const check = checkerFor();
    expect(await check(await mintToken(key))).toMatchObject({ verdict: 'valid', claims: { username: null } });
    expect(await check(await mintToken(key, { payload: { sid: undefined } }))).toEqual({ verdict: 'valid', claims: null });
  });

  it('gives no claims for what the API vouched for, so pages ask the API who it is', async () => {
    const token = await mintToken(key);
    await api.stop();
    api = await startFakeApi([key], { acceptBearer: (bearer) => bearer === token });
    expect(await checkerFor({ GATEHOUSE_SESSION_CHECK: 'remote' })(token)).toEqual({ verdict: 'valid', claims: null });
  });
});

describe('remembering verified tokens', () => {
  let clock: number;
  beforeEach(() => {
    clock = Date.now();
  });
  const checkerFor = (options: CheckerOptions = {}) =>
    createTokenChecker(parseSettings((name) => ({ GATEHOUSE_API_URL: api.url.origin })[name]), fetch, { now: () => clock, ...options });

  it('verifies a token once and answers from memory until its exp', async () => {
    const exp = Math.floor(clock / 1000) + 60;
    const token = await mintToken(key, { expiresAt: exp });
    const check = checkerFor();
    for (let i = 0; i < 5; i++) expect((await check(token)).verdict).toBe('valid');
    expect(verifications()).toBe(1);

    clock = exp * 1000 - 1;
    await check(token);
    expect(verifications()).toBe(1);
    clock = exp * 1000; // at exp the signature and the skew are jose's to judge again
    expect((await check(token)).verdict).toBe('valid');
    expect(verifications()).toBe(2);
  });

  it('holds at most cacheSize tokens, forgetting the oldest first', async () => {
    const [first, second, third] = await Promise.all([mintToken(key), mintToken(key), mintToken(key)]);
    const check = checkerFor({ cacheSize: 2 });
    for (const token of [first, second, third]) await check(token);
    expect(verifications()).toBe(3);

    await check(third);
    await check(second);
    expect(verifications()).toBe(3);
    await check(first);
    expect(verifications()).toBe(4);
  });

  it('never remembers a refusal, nor what the API vouched for', async () => {
    const stranger = await newSigningKey();
    const foreign = await mintToken(stranger);
    const check = checkerFor();
    expect((await check(foreign)).verdict).toBe('invalid');
    expect((await check(foreign)).verdict).toBe('invalid');
    expect(api.hits['/auth/is-authenticated']).toBe(2); // an unknown kid is asked each time
  });

  it('serves the proxy too: a navigation with a known token costs no verification', async () => {
    const token = await mintToken(key);
    const verify = createTokenVerifier(parseSettings((name) => ({ GATEHOUSE_API_URL: api.url.origin })[name]));
    expect(await verify(token)).toBe('valid');
    expect(await verify(token, { strictExpiry: true })).toBe('valid');
    expect(verifications()).toBe(1);
  });
});
