import { SESSION_ENDED, TIMED_OUT, toProblem, UNREACHABLE } from '@/lib/api/problem';
import type { Problem } from '@/lib/api/problem';
import { rememberNotice } from '@/lib/auth/log-in-notice';
import { logInPath } from '@/lib/safe-next';

export type ApiResult = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly problem: Problem };

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How long a call may go unanswered. An API that accepts the connection and never answers would
 * otherwise leave "Logging in…" spinning until the browser or the web server's proxy gives up
 * (30 s and more); a password hash takes well under a second even when the API is busy.
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/** What the client needs from the browser; tests pass their own. */
export interface ClientEnvironment {
  readonly fetch: typeof fetch;
  /** Runs `work` while holding a lock every tab of this site shares; undefined where Web Locks are missing. */
  readonly crossTabLock: (<T>(work: () => Promise<T>) => Promise<T>) | undefined;
  /** Storage every tab shares (localStorage), for the time of the last renewal; undefined when blocked. */
  readonly storage: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  readonly now: () => number;
  /** Gives up on a call that has not been answered after this long (REQUEST_TIMEOUT_MS in browsers). */
  readonly timeoutMs: number;
  /** The session cannot be renewed: leave for log-in. */
  readonly sessionEnded: () => void;
}

export interface ApiClient {
  request(base: string, method: Method, path: string, body?: unknown): Promise<ApiResult>;
}

// A 401 from these means what it says (wrong password or code, dead refresh cookie, a passkey that
// failed), not "renew me".
const NO_RENEWAL = new Set([
  '/auth/login',
  '/auth/login/mfa',
  '/auth/passkeys/login',
  // Anonymous: a 401 here is no session to renew, and on the log-in page "session ended" would loop.
  '/auth/passkeys/login/options',
  '/auth/reauthenticate',
  '/auth/register',
  '/auth/refresh',
  '/auth/logout',
]);
const RENEWED_AT_KEY = 'gatehouse:session-renewed-at';
// Calls that end this tab's session on purpose; the page that made one decides where to go next.
const SIGNING_OUT = new Set(['/auth/logout', '/auth/logout-all']);

type Renewal = 'renewed' | 'ended' | 'unavailable';

/** Why a call got no response: no connection, or no answer in time. */
type Failure = 'unreachable' | 'timeout';

/**
 * Calls the API from the browser. `base` is `/api` (same-origin: Next rewrites it to the API, so
 * the cookie is first-party) or the API's origin (direct: CORS with credentials). The cookies are
 * httpOnly, so this code never sees them; `credentials: 'include'` lets the browser send and store them.
 *
 * An access token lives minutes; when a call gets 401 the client renews the session once
 * (POST /auth/refresh) and repeats the call once. Calls failing together in one tab share one
 * renewal. Tabs take turns through a Web Lock, and a tab that gets the lock after another tab
 * renewed (it reads the time of that renewal in localStorage) repeats its call with the cookie
 * the other tab obtained instead of renewing again.
 */
export function createApiClient(env: ClientEnvironment): ApiClient {
  let renewing: Promise<Renewal> | null = null;
  // This tab's own record, for when localStorage is blocked.
  let renewedHere = 0;
  // Log-outs in flight, and when the last one succeeded. A call that was under way when this tab
  // logged out (the dashboard's own requests, a second after it showed) then fails to renew; sending
  // the tab to log-in with "your session has ended" would race the log-out's "you have logged out".
  let signingOut = 0;
  let signedOutAt = -Infinity;

  const send = async (base: string, method: Method, path: string, body: unknown): Promise<Response | Failure> => {
    try {
      return await env.fetch(`${base}${path}`, {
        method,
        credentials: 'include',
        cache: 'no-store',
        headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        // Covers reading the body too: a response whose body never ends times out the same way.
        signal: AbortSignal.timeout(env.timeoutMs),
      });
    } catch (error) {
      return error instanceof DOMException && error.name === 'TimeoutError' ? 'timeout' : 'unreachable';
    }
  };

  const lastRenewal = (): number => {
    let shared = 0;
    try {
      shared = Number(env.storage?.getItem(RENEWED_AT_KEY) ?? 0) || 0;
    } catch {
      // storage blocked: this tab's record is all there is
    }
    return Math.max(shared, renewedHere);
  };

  const recordRenewal = () => {
    renewedHere = env.now();
    try {
      env.storage?.setItem(RENEWED_AT_KEY, String(renewedHere));
    } catch {
      // storage blocked or full: other tabs renew for themselves, and the API's grace window copes
    }
  };

  const renewNow = async (base: string, failedCallSentAt: number): Promise<Renewal> => {
    // Renewed (by any tab) after the failed call left: its cookie was the old one, so just repeat it.
    if (lastRenewal() > failedCallSentAt) return 'renewed';
    const response = await send(base, 'POST', '/auth/refresh', undefined);
    if (typeof response === 'string') return 'unavailable';
    await response.body?.cancel();
    if (response.ok) {
      recordRenewal();
      return 'renewed';
    }
    return response.status === 401 ? 'ended' : 'unavailable';
  };

  const renew = (base: string, failedCallSentAt: number): Promise<Renewal> => {
    const attempt = () => renewNow(base, failedCallSentAt);
    renewing ??= (env.crossTabLock ? env.crossTabLock(attempt) : attempt())
      // A lock the browser refuses (e.g. in a sandboxed frame) is no answer about the session.
      .catch((): Renewal => 'unavailable')
      .finally(() => (renewing = null));
    return renewing;
  };

  return {
    async request(base, method, path, body) {
      const endsSession = SIGNING_OUT.has(path);
      if (endsSession) signingOut++;
      try {
        const sentAt = env.now();
        let response = await send(base, method, path, body);
        if (typeof response !== 'string' && response.status === 401 && !NO_RENEWAL.has(path)) {
          const renewal = await renew(base, sentAt);
          if (renewal === 'unavailable') return { ok: false, problem: UNREACHABLE };
          if (renewal === 'ended') {
            if (endsSession || (signingOut === 0 && sentAt > signedOutAt)) env.sessionEnded();
            return { ok: false, problem: SESSION_ENDED };
          }
          response = await send(base, method, path, body);
        }
        const result = await toResult(response);
        if (endsSession && result.ok) signedOutAt = env.now();
        return result;
      } finally {
        if (endsSession) signingOut--;
      }
    },
  };
}

async function toResult(response: Response | Failure): Promise<ApiResult> {
  if (response === 'timeout') return { ok: false, problem: TIMED_OUT };
  if (response === 'unreachable') return { ok: false, problem: UNREACHABLE };
  let payload: unknown = null;
  try {
    payload = await response.json();
  } catch (error) {
    // The headers came in time, the body did not.
    if (error instanceof DOMException && error.name === 'TimeoutError') return { ok: false, problem: TIMED_OUT };
  }
  if (response.ok) return { ok: true, body: payload };
  // A proxy in front of a stopped API answers 5xx without problem+json; that is "unreachable".
  if (response.status >= 500 && payload === null) return { ok: false, problem: { ...UNREACHABLE, status: response.status } };
  return { ok: false, problem: toProblem(response.status, payload, response.headers.get('Retry-After')) };
}

function browserEnvironment(): ClientEnvironment {
  let storage: Storage | undefined;
  try {
    storage = window.localStorage;
  } catch {
    storage = undefined; // blocked by the browser's settings
  }
  // Web Locks exist only in secure contexts (https, or http://localhost).
  const locks = 'locks' in navigator ? navigator.locks : undefined;
  return {
    fetch: (input, init) => fetch(input, init),
    crossTabLock: locks ? async (work) => await locks.request('gatehouse-refresh', () => work()) : undefined,
    storage,
    now: () => Date.now(),
    timeoutMs: REQUEST_TIMEOUT_MS,
    // A full page load, so nothing rendered for the signed-in user stays in the router's cache.
    sessionEnded: () => {
      rememberNotice('session-ended');
      window.location.assign(logInPath(`${window.location.pathname}${window.location.search}`));
    },
  };
}

let browserClient: ApiClient | undefined;
const client = () => (browserClient ??= createApiClient(browserEnvironment()));

export const postJson = (base: string, path: string, body?: unknown): Promise<ApiResult> => client().request(base, 'POST', path, body);

export const getJson = (base: string, path: string): Promise<ApiResult> => client().request(base, 'GET', path);

/** DELETE; with `body` for the endpoints that take one (`DELETE /auth/account` takes `{}`). */
export const deleteResource = (base: string, path: string, body?: unknown): Promise<ApiResult> => client().request(base, 'DELETE', path, body);

export const putJson = (base: string, path: string, body?: unknown): Promise<ApiResult> => client().request(base, 'PUT', path, body);

export const patchJson = (base: string, path: string, body?: unknown): Promise<ApiResult> => client().request(base, 'PATCH', path, body);
