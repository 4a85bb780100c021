import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeApi } from '@/test/fake-api';
import type { FakeApi } from '@/test/fake-api';
import { createRevocationFeed } from './revocations';
import type { RevocationFeed, RevocationFeedOptions } from './revocations';

const REVOKED = '0198c6a0-0000-7000-8000-000000000001';
const LIVE = '0198c6a0-0000-7000-8000-000000000002';

let api: FakeApi;
let clock: number;
let feed: RevocationFeed | undefined;

beforeEach(async () => {
  api = await startFakeApi([]);
  clock = 1_000_000;
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(async () => {
  feed?.stop();
  feed = undefined;
  vi.restoreAllMocks();
  await api.stop();
});

// The feed's clock is the test's: seconds pass only when a test says so.
const newFeed = (options: Partial<RevocationFeedOptions> = {}) =>
  (feed = createRevocationFeed({ apiUrl: api.url, now: () => clock, ...options }));
const wait = (seconds: number) => (clock += seconds * 1000);
const feedCalls = () => api.requests.filter((request) => request.path === '/auth/revocations');

describe('the revocation feed', () => {
  it('refuses the sessions the API lists, and no others, once an answer has come', async () => {
    api.auth.revokedSessions = [REVOKED];
    const revocations = newFeed();
    expect(revocations.isFresh()).toBe(false); // nothing known yet: pages must ask the API

    await revocations.poll();

    expect(revocations.isFresh()).toBe(true);
    expect(revocations.isRevoked(REVOKED)).toBe(true);
    expect(revocations.isRevoked(REVOKED.toUpperCase())).toBe(true);
    expect(revocations.isRevoked(LIVE)).toBe(false);
  });

  it('sends back the cursor of the last answer, and none at first', async () => {
    const revocations = newFeed();
    await revocations.poll();
    await revocations.poll();
    expect(feedCalls().map((call) => call.query)).toEqual(['', '?after=1']);
  });

  it('is stale 5 s after its last complete answer, so pages fall back to asking the API', async () => {
    const revocations = newFeed();
    await revocations.poll();
    wait(4.9);
    expect(revocations.isFresh()).toBe(true);
    wait(0.1);
    expect(revocations.isFresh()).toBe(false);
  });

  it.each([
    ['answers 503', (fake: FakeApi, broken: boolean) => (fake.auth.revocationsStatus = broken ? 503 : null)],
    ['answers something else than the feed', (fake: FakeApi, broken: boolean) => (fake.auth.retainSeconds = broken ? -1 : 630)],
    ['does not answer within the timeout', (fake: FakeApi, broken: boolean) => (fake.auth.revocationsDelayMs = broken ? 500 : 0)],
  ])('is stale at once when the API %s, keeps what it knew, and is fresh again at the next answer', async (_, breakIt) => {
    api.auth.revokedSessions = [REVOKED];
    const revocations = newFeed({ timeoutMs: 100 });
    await revocations.poll();

    breakIt(api, true);
    await revocations.poll();
    expect(revocations.isFresh()).toBe(false);
    expect(revocations.isRevoked(REVOKED)).toBe(true); // a revocation is final, fresh or not

    breakIt(api, false);
    await revocations.poll();
    expect(revocations.isFresh()).toBe(true);
  });

  it('is stale at once when the API cannot be reached', async () => {
    const revocations = newFeed();
    await revocations.poll();
    await api.stop();
    await revocations.poll();
    expect(revocations.isFresh()).toBe(false);
    api = await startFakeApi([]); // afterEach stops it
  });

  it('starts over from no cursor when the API refuses the cursor, keeping what it knew', async () => {
    api.auth.revokedSessions = [REVOKED];
    const revocations = newFeed();
    await revocations.poll();
    api.auth.revocationsStatus = 400;
    api.auth.revokedSessions = [];
    await revocations.poll();
    expect(revocations.isFresh()).toBe(false);
    expect(revocations.isRevoked(REVOKED)).toBe(true);

    api.auth.revocationsStatus = null;
    await revocations.poll();
    expect(feedCalls().map((call) => call.query)).toEqual(['', '?after=1', '']);
    expect(revocations.isFresh()).toBe(true);
  });

  it('is not fresh from an incomplete answer until the rest has come', async () => {
    const revocations = newFeed();
    await revocations.poll();
    expect(revocations.isFresh()).toBe(true);
    api.auth.revocationsComplete = false;
    await revocations.poll();
    expect(revocations.isFresh()).toBe(false); // more than one answer's worth of revocations may be missing
    api.auth.revocationsComplete = true;
    await revocations.poll();
    expect(revocations.isFresh()).toBe(true);
  });

  it('fetches the rest of an incomplete answer at once rather than a poll interval later', async () => {
    api.auth.revocationsComplete = false;
    const revocations = newFeed({ intervalMs: 60_000 });
    revocations.start();
    await vi.waitFor(() => expect(feedCalls().length).toBeGreaterThanOrEqual(3));
    expect(revocations.isFresh()).toBe(false);

    api.auth.revocationsComplete = true;
    await vi.waitFor(() => expect(revocations.isFresh()).toBe(true));
  });

  it('asks again only a poll interval later when an incomplete answer does not move the cursor', async () => {
    api.auth.revocationsComplete = false;
    api.auth.fixedCursor = '42';
    const revocations = newFeed({ intervalMs: 500 });
    revocations.start();
    await vi.waitFor(() => expect(feedCalls().length).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(feedCalls()).toHaveLength(2); // the first, and one at once for the rest; then it waits
    expect(revocations.isFresh()).toBe(false);
  });

  it('forgets a session retainSeconds after it learnt of it, when no token of it can be valid any more', async () => {
    api.auth.revokedSessions = [REVOKED];
    api.auth.retainSeconds = 630;
    const revocations = newFeed();
    await revocations.poll();
    api.auth.revokedSessions = []; // the API lists it no more either

    wait(629);
    expect(revocations.isRevoked(REVOKED)).toBe(true);
    wait(1);
    expect(revocations.isRevoked(REVOKED)).toBe(false);
  });

  it('keeps at most maxEntries ids: past that it starts over, stale, rather than forget any', async () => {
    api.auth.revokedSessions = ['a', 'b', 'c'];
    const revocations = newFeed({ maxEntries: 3 });
    await revocations.poll();
    expect(revocations.isFresh()).toBe(true);

    api.auth.revokedSessions = ['a', 'b', 'c', 'd'];
    await revocations.poll();

    expect(revocations.isFresh()).toBe(false);
    expect(feedCalls().at(-1)?.query).toBe('?after=1');
    await revocations.poll();
    expect(feedCalls().at(-1)?.query).toBe(''); // from the start of the window again
  });

  it('polls by itself once started, and stops', async () => {
    const revocations = newFeed({ intervalMs: 10 });
    revocations.start();
    revocations.start(); // a second start changes nothing
    await vi.waitFor(() => expect(feedCalls().length).toBeGreaterThanOrEqual(3));
    revocations.stop();
    const made = feedCalls().length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(feedCalls().length).toBeLessThanOrEqual(made + 1); // at most the one already under way
  });

  it('makes one request for polls asked at the same time', async () => {
    api.auth.revocationsDelayMs = 30;
    const revocations = newFeed();
    await Promise.all([revocations.poll(), revocations.poll(), revocations.poll()]);
    expect(feedCalls()).toHaveLength(1);
  });
});
