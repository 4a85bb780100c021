import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mintToken, newSigningKey, startFakeApi } from '@/test/fake-api';
import type { FakeApi, SigningKey } from '@/test/fake-api';
import { parseSettings } from '@/lib/config';
import { createTokenChecker } from './access-token';
import { createLocalSessionCheck } from './local-session';
import type { LocalSessionCheck } from './local-session';
import { createRevocationFeed } from './revocations';
import type { RevocationFeed } from './revocations';

const SESSION = '0198c6a0-0000-7000-8000-00000000000a';

let api: FakeApi;
let key: SigningKey;
let clock: number;
let feed: RevocationFeed;
let check: LocalSessionCheck;

/** The pages' check as the server wires it, on the test's clock, against the fake API. */
function wire(env: Record<string, string> = {}) {
  const settings = parseSettings((name) => ({ GATEHOUSE_API_URL: api.url.origin, ...env })[name]);
  feed = createRevocationFeed({ apiUrl: settings.apiUrl, now: () => clock });
  check = createLocalSessionCheck({ check: createTokenChecker(settings), feed });
}

beforeEach(async () => {
  key = await newSigningKey();
  api = await startFakeApi([key]);
  clock = Date.now();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  wire();
});
afterEach(async () => {
  feed.stop();
  vi.restoreAllMocks();
  await api.stop();
});

const token = (payload: Record<string, string> = { preferred_username: 'john' }) => mintToken(key, { payload: { sid: SESSION, ...payload } });
const apiCalls = () => api.requests.filter((request) => request.path !== '/auth/revocations' && request.path !== '/.well-known/jwks.json');

describe("the pages' local check", () => {
  it('knows the user from the token while the feed is fresh, without asking the API', async () => {
    const access = await token();
    await feed.poll();
    for (let i = 0; i < 3; i++) expect(await check(access)).toEqual({ kind: 'user', user: { userId: 'user-1', username: 'john', roles: [] } });
    expect(apiCalls()).toEqual([]);
  });

  it('refuses a token whose session the feed lists as revoked', async () => {
    const access = await token();
    await feed.poll();
    expect((await check(access)).kind).toBe('user');

    api.auth.revokedSessions = [SESSION];
    await feed.poll();
    expect(await check(access)).toEqual({ kind: 'signed-out' });
  });

  it('still refuses a revoked session when the feed has gone stale since', async () => {
    api.auth.revokedSessions = [SESSION];
    await feed.poll();
    clock += 60_000;
    expect(await check(await token())).toEqual({ kind: 'signed-out' });
  });

  it('asks the API before the feed has answered, once it is stale, and while it fails', async () => {
    const access = await token();
    expect(await check(access)).toEqual({ kind: 'ask-api' }); // the first page after start-up

    await feed.poll();
    clock += 5_000;
    expect(await check(access)).toEqual({ kind: 'ask-api' });

    clock -= 5_000;
    api.auth.revocationsStatus = 503;
    await feed.poll();
    expect(await check(access)).toEqual({ kind: 'ask-api' });
  });

  it('starts the feed with the first token it sees, not before', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(api.hits['/auth/revocations']).toBeUndefined();
    await check(await token());
    await vi.waitFor(() => expect(api.hits['/auth/revocations']).toBeGreaterThanOrEqual(1));
  });

  it('asks the API for a token without preferred_username (issued before the API added it)', async () => {
    await feed.poll();
    expect(await check(await mintToken(key, { payload: { sid: SESSION } }))).toEqual({ kind: 'ask-api' });
  });

  it('asks the API in remote mode, which has vouched for the token but not said whose it is', async () => {
    const access = await token();
    await api.stop();
    api = await startFakeApi([key], { acceptBearer: (bearer) => bearer === access });
    wire({ GATEHOUSE_SESSION_CHECK: 'remote' });
    await feed.poll();
    expect(await check(access)).toEqual({ kind: 'ask-api' });
  });

  it('asks the API when the keys cannot be fetched, and signs out an expired or forged token', async () => {
    await feed.poll();
    const expired = await mintToken(key, { expiresAt: Math.floor(Date.now() / 1000) - 60, payload: { sid: SESSION } });
    const forged = await mintToken(await newSigningKey(), { payload: { sid: SESSION } });
    expect(await check(expired)).toEqual({ kind: 'signed-out' });
    expect(await check(forged)).toEqual({ kind: 'signed-out' });

    const access = await token();
    await api.stop();
    wire(); // a fresh server that has not fetched the keys yet
    expect(await check(access)).toEqual({ kind: 'ask-api' });
    api = await startFakeApi([key]); // afterEach stops it
  });
});
