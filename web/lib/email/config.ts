import { z } from 'zod';

/** The API's `GET /auth/config`: which mail features this deployment has. */
const configSchema = z.object({
  emailEnabled: z.boolean(),
  requireEmail: z.boolean(),
  requireVerifiedEmail: z.boolean(),
});

export type EmailConfig = z.infer<typeof configSchema>;

/**
 * What the pages assume when the API cannot say (down, slow, or older than `/auth/config`): the
 * behaviour from before mail existed. No link to a mail that may never come, an optional address
 * field; the API still refuses what it must (`email_required`), and the form shows its answer.
 */
export const MAIL_UNKNOWN: EmailConfig = { emailEnabled: false, requireEmail: false, requireVerifiedEmail: false };

export const parseEmailConfig = (body: unknown): EmailConfig | null => configSchema.safeParse(body).data ?? null;

export interface ConfigReaderOptions {
  readonly apiUrl: URL;
  readonly fetchImpl?: typeof fetch;
  /** Milliseconds; tests move it. */
  readonly now?: () => number;
  /** How long an answer is reused: the settings change only when the API restarts. */
  readonly ttlMs?: number;
  /** How long to wait before asking again after no answer, so an outage does not slow every page. */
  readonly retryMs?: number;
  /** A page waits no longer than this for the answer. */
  readonly timeoutMs?: number;
}

/**
 * Reads the API's mail settings for server-rendered pages, remembered briefly: every log-in page
 * needs them, and asking the API for each would add a round trip to each render. Calls made while
 * one is in flight share it. Never throws: without an answer it returns MAIL_UNKNOWN.
 */
export function createConfigReader(options: ConfigReaderOptions): () => Promise<EmailConfig> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 60_000;
  const retryMs = options.retryMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  let known: { readonly config: EmailConfig; readonly until: number } | null = null;
  let asking: Promise<EmailConfig> | null = null;

  const ask = async (): Promise<EmailConfig> => {
    let config: EmailConfig | null = null;
    try {
      const response = await fetchImpl(new URL('/auth/config', options.apiUrl), {
        headers: { Accept: 'application/json' },
        cache: 'no-store',
        signal: AbortSignal.timeout(timeoutMs),
      });
      config = response.ok ? parseEmailConfig(await response.json()) : null;
      if (!response.ok) await response.body?.cancel();
    } catch {
      config = null; // unreachable, slow, or not JSON: the same as no answer
    }
    known = config ? { config, until: now() + ttlMs } : { config: known?.config ?? MAIL_UNKNOWN, until: now() + retryMs };
    return known.config;
  };

  return async () => {
    if (known && now() < known.until) return known.config;
    asking ??= ask().finally(() => (asking = null));
    return asking;
  };
}
