export interface PublicConfigReaderOptions {
  readonly apiUrl: URL;
  readonly fetchImpl?: typeof fetch;
  /** Milliseconds; tests move it. */
  readonly now?: () => number;
  /** How long an answer is reused: the API's public settings change only when it restarts. */
  readonly ttlMs?: number;
  /** How long to wait before asking again after no answer, so an outage does not slow every page. */
  readonly retryMs?: number;
  /** A page waits no longer than this for the answer. */
  readonly timeoutMs?: number;
}

/** One of the API's public, anonymous settings documents and how to read it. */
export interface PublicConfigSource<T> {
  /** The API's path, e.g. `/auth/config`. */
  readonly path: string;
  /** The validated value, or null for an answer that is not one. */
  readonly parse: (body: unknown) => T | null;
  /** What the pages assume before the API has ever answered. */
  readonly unknown: T;
}

/**
 * Reads one of the API's public settings for server-rendered pages, remembered briefly: every
 * log-in page needs them, and asking the API for each render would add a round trip. Calls made
 * while one is in flight share it. Never throws: an API that does not answer (down, slow, or older
 * than the path) gives the last value it had, or `source.unknown`.
 */
export function createPublicConfigReader<T>(source: PublicConfigSource<T>, options: PublicConfigReaderOptions): () => Promise<T> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 60_000;
  const retryMs = options.retryMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  let known: { readonly value: T; readonly until: number } | null = null;
  let asking: Promise<T> | null = null;

  const ask = async (): Promise<T> => {
    let value: T | null = null;
    try {
      const response = await fetchImpl(new URL(source.path, options.apiUrl), {
        headers: { Accept: 'application/json' },
        cache: 'no-store',
        signal: AbortSignal.timeout(timeoutMs),
      });
      value = response.ok ? source.parse(await response.json()) : null;
      if (!response.ok) await response.body?.cancel();
    } catch {
      value = null; // unreachable, slow, or not JSON: the same as no answer
    }
    known = value !== null ? { value, until: now() + ttlMs } : { value: known?.value ?? source.unknown, until: now() + retryMs };
    return known.value;
  };

  return async () => {
    if (known && now() < known.until) return known.value;
    asking ??= ask().finally(() => (asking = null));
    return asking;
  };
}
