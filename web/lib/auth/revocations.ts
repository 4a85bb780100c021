import { z } from 'zod';

/**
 * One answer of the API's `GET /auth/revocations` (Sessions/RevocationFeed.cs there): ids of
 * sessions revoked lately, an opaque cursor to send back as `after`, whether everything since the
 * last cursor is in it, and how long a listed id matters (the token lifetime plus the skew).
 */
const answerSchema = z.object({
  cursor: z.string().min(1).max(64),
  sessions: z.array(z.string().min(1).max(64)).max(10_000),
  complete: z.boolean(),
  retainSeconds: z.number().int().positive(),
});

export interface RevocationFeedOptions {
  readonly apiUrl: URL;
  readonly fetchImpl?: typeof fetch;
  /** Milliseconds; tests move it. */
  readonly now?: () => number;
  /** Between two polls. */
  readonly intervalMs?: number;
  /** A poll without an answer by then has failed. */
  readonly timeoutMs?: number;
  /** Without a complete answer for this long the feed is stale. */
  readonly staleAfterMs?: number;
  /** The most ids kept; beyond it the feed starts over, stale until it has caught up. */
  readonly maxEntries?: number;
}

/** What pages ask of the feed. */
export interface RevocationView {
  /** Starts polling, once; later calls do nothing. */
  start(): void;
  /** True when the feed has listed the session as revoked. */
  isRevoked(sessionId: string): boolean;
  /**
   * True when the last poll brought a complete answer, less than `staleAfterMs` ago: then every
   * revocation older than about a poll interval is known here.
   */
  isFresh(): boolean;
}

export interface RevocationFeed extends RevocationView {
  /** One poll now, as the timer makes them (a poll already running is joined, not doubled). */
  poll(): Promise<void>;
  stop(): void;
}

type PollResult = 'complete' | 'more' | 'stuck' | 'failed';

/**
 * The revoked sessions this web server must refuse although their JWTs are unexpired, kept by
 * polling the API's feed (about every second; one poll at a time; the timer is unref'd, so it
 * never keeps the process alive). Each id is kept for `retainSeconds` after it was learnt, by
 * which time no token of its session is accepted anywhere. Pages trust a token locally only
 * while the feed is fresh; otherwise they ask the API, so stale data never signs anyone in.
 */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const fetchImpl = options.fetchImpl ?? fetch;
  const now = options.now ?? (() => Date.now());
  const intervalMs = options.intervalMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const staleAfterMs = options.staleAfterMs ?? 5_000;
  const maxEntries = options.maxEntries ?? 100_000;

  // id → when it may be forgotten. Insertion order is (nearly) that order, so pruning stops early.
  const revoked = new Map<string, number>();
  let cursor: string | undefined;
  let completeAt: number | undefined;
  let lastFailed = false;
  let warned = false;
  let running: Promise<PollResult> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let started = false;

  const prune = () => {
    const at = now();
    for (const [id, forgetAt] of revoked) {
      if (forgetAt > at) break;
      revoked.delete(id);
    }
  };

  // Read the whole window again; the ids already known stay (a revocation is final).
  const startOver = () => {
    cursor = undefined;
    completeAt = undefined;
  };

  const fail = (reason: string): PollResult => {
    lastFailed = true;
    if (!warned) {
      warned = true;
      console.warn(`gatehouse: the revocation feed cannot be read (${reason}); pages ask the API until it can.`);
    }
    return 'failed';
  };

  const pollOnce = async (): Promise<PollResult> => {
    const url = new URL('/auth/revocations', options.apiUrl);
    if (cursor) url.searchParams.set('after', cursor);
    let answer: z.infer<typeof answerSchema>;
    try {
      const response = await fetchImpl(url, { cache: 'no-store', signal: AbortSignal.timeout(timeoutMs), headers: { Accept: 'application/json' } });
      if (response.status === 400) {
        // Our cursor means nothing to this API (another deployment, a bug): read the whole window again.
        await response.body?.cancel();
        startOver();
        return fail('the API refused the cursor');
      }
      if (!response.ok) {
        await response.body?.cancel();
        return fail(`it answered ${response.status}`);
      }
      answer = answerSchema.parse(await response.json());
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }

    prune();
    const forgetAt = now() + answer.retainSeconds * 1000;
    for (const listed of answer.sessions) {
      const id = listed.toLowerCase(); // GUIDs; the API writes them in lower case, but case is no reason to miss one
      if (!revoked.has(id)) revoked.set(id, forgetAt);
    }
    if (revoked.size > maxEntries) {
      // Dropping an id could let its session back in, so drop them all and count as stale.
      console.warn(`gatehouse: more than ${maxEntries} recent revocations; pages ask the API while the feed starts over.`);
      revoked.clear();
      startOver();
      lastFailed = true;
      return 'failed';
    }
    lastFailed = false;
    warned = false;
    const moved = answer.cursor !== cursor;
    cursor = answer.cursor;
    if (answer.complete) {
      completeAt = now();
      return 'complete';
    }
    // More than one answer holds: not fresh until the rest is here; fetch it at once if the cursor moved.
    completeAt = undefined;
    return moved ? 'more' : 'stuck';
  };

  const poll = (): Promise<PollResult> => {
    running ??= pollOnce().finally(() => (running = undefined));
    return running;
  };

  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      void poll().then((result) => {
        if (started) schedule(result === 'more' ? 0 : intervalMs);
      });
    }, delayMs);
    timer.unref?.();
  };

  return {
    start() {
      if (started) return;
      started = true;
      schedule(0);
    },
    stop() {
      started = false;
      if (timer) clearTimeout(timer);
    },
    async poll() {
      await poll();
    },
    isRevoked: (sessionId) => {
      const forgetAt = revoked.get(sessionId.toLowerCase());
      return forgetAt !== undefined && forgetAt > now();
    },
    isFresh: () => !lastFailed && completeAt !== undefined && now() - completeAt < staleAfterMs,
  };
}
