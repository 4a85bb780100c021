import { RequestCookies, ResponseCookies } from 'next/dist/compiled/@edge-runtime/cookies';
import type { NextResponse } from 'next/server';
import { deletion } from '@/lib/auth/cookies';
import type { NamedCookie } from '@/lib/auth/cookies';
import { postAsBrowser } from '@/lib/auth/upstream';

/**
 * `refreshed`: the API rotated the session; `setCookies` carries both new cookies.
 * `rejected`: the refresh cookie is dead (401); `setCookies` deletes both.
 * `unavailable`: no usable answer (network, 5xx, 429, a refused Origin): says nothing about the
 * visitor, so it must not sign them out.
 */
export type RefreshOutcome =
  | { readonly kind: 'refreshed'; readonly setCookies: readonly string[] }
  | { readonly kind: 'rejected'; readonly setCookies: readonly string[] }
  | { readonly kind: 'unavailable' };

export interface RefreshRequest {
  readonly cookie: NamedCookie;
  /** The browser's request headers: Host and X-Forwarded-Proto for the Origin, User-Agent, X-Forwarded-For. */
  readonly incoming: Headers;
  readonly protocol: string;
}

export type Refresher = (request: RefreshRequest) => Promise<RefreshOutcome>;

/**
 * The proxy's `POST /auth/refresh`. A page and its prefetches often arrive together, all with
 * the same expired session; they share one call per refresh token here. (Across servers, or
 * moments apart, the API's reuse grace window hands every racer the same successor.)
 */
export function createRefresher(apiUrl: URL, fetchImpl: typeof fetch = fetch): Refresher {
  const inFlight = new Map<string, Promise<RefreshOutcome>>();

  const refresh = async ({ cookie, incoming, protocol }: RefreshRequest): Promise<RefreshOutcome> => {
    let response: Response;
    try {
      response = await postAsBrowser({ apiUrl, path: '/auth/refresh', cookies: [cookie], incoming, protocol, fetchImpl });
    } catch {
      return { kind: 'unavailable' };
    }
    await response.body?.cancel(); // the cookies are all this needs
    const setCookies = response.headers.getSetCookie();
    if (response.ok) return { kind: 'refreshed', setCookies };
    if (response.status === 401) return { kind: 'rejected', setCookies };
    if (response.status === 403 || response.status === 400 || response.status === 415) {
      // Not the visitor's fault: most likely this web app's origin is missing from FRONTEND_URL.
      console.error(`gatehouse: POST /auth/refresh answered ${response.status}; check that the API's FRONTEND_URL lists this web app's origin.`);
    }
    return { kind: 'unavailable' };
  };

  return (request) => {
    const key = `${request.cookie.name}=${request.cookie.value}`;
    const pending = inFlight.get(key);
    if (pending) return pending;
    const started = refresh(request).finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}

/**
 * Makes the request that continues to the page carry the cookies the API just set (or deleted),
 * so server components and getCurrentUser() see the new access token in this very request.
 * Parsed with Next's own cookie classes; the Set-Cookie lines themselves go to the browser verbatim.
 */
export function applyToRequest(requestHeaders: Headers, setCookies: readonly string[]): void {
  const requestCookies = new RequestCookies(requestHeaders);
  const now = Date.now();
  for (const cookie of parseSetCookies(setCookies)) {
    // Next's parser drops empty values and `Max-Age=0`, so a deletion shows as no value or a past date.
    const expires = cookie.expires === undefined ? undefined : new Date(cookie.expires).getTime();
    const deleted = !cookie.value || (expires !== undefined && expires <= now) || (cookie.maxAge !== undefined && cookie.maxAge <= 0);
    if (deleted) requestCookies.delete(cookie.name);
    else requestCookies.set(cookie.name, cookie.value);
  }
}

/** Takes dead cookies off the request that continues to the page, so it renders signed out. */
export function dropFromRequest(requestHeaders: Headers, names: readonly string[]): void {
  if (names.length > 0) new RequestCookies(requestHeaders).delete([...names]);
}

/**
 * Passes the API's Set-Cookie lines to the browser verbatim (only the API knows the cookies'
 * Domain and Path), then deletes here any dead cookie those lines do not cover.
 */
export function passOnCookies(response: NextResponse, setCookies: readonly string[], dead: readonly NamedCookie[]): void {
  const covered = new Set(parseSetCookies(setCookies).map((cookie) => cookie.name));
  // Deletions first: response.cookies.set() rewrites every Set-Cookie header from its own map,
  // which knows nothing of lines appended to the headers, so it would drop the API's.
  for (const cookie of dead) if (!covered.has(cookie.name)) response.cookies.set(deletion(cookie.name));
  for (const line of setCookies) response.headers.append('set-cookie', line);
}

/** Set-Cookie lines parsed with Next's own cookie classes. */
function parseSetCookies(setCookies: readonly string[]) {
  const parsed = new Headers();
  for (const line of setCookies) parsed.append('set-cookie', line);
  return new ResponseCookies(parsed).getAll();
}
