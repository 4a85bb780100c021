/** The cookie the API sets on sign-in; the name users of the original design know. */
export const ACCESS_TOKEN_COOKIE = 'access_token';

/** The long-lived cookie that buys a new access token (POST /auth/refresh). */
export const REFRESH_TOKEN_COOKIE = 'refresh_token';

export type TokenCookie = typeof ACCESS_TOKEN_COOKIE | typeof REFRESH_TOKEN_COOKIE;

/** A cookie as the browser sent it: its real name (prefix included) and value. */
export interface NamedCookie {
  readonly name: string;
  readonly value: string;
}

/** What both Next's request cookies and `cookies()` from next/headers offer. */
export interface CookieReader {
  get(name: string): { readonly value: string } | undefined;
}

/**
 * Over HTTPS the API prefixes its cookie names so the browser enforces their attributes:
 * `__Host-` (Secure, Path=/, no Domain) where it can, `__Secure-` when a Domain is set or the
 * refresh cookie's path is not `/`. Development over http uses the plain names. Prefixed first:
 * a plain cookie alongside one can only be a leftover (or planted by a sibling subdomain).
 */
export const cookieNames = (base: TokenCookie): readonly string[] => [`__Host-${base}`, `__Secure-${base}`, base];

/** The token cookie under whichever name the API gave it, or undefined. */
export function findCookie(cookies: CookieReader, base: TokenCookie): NamedCookie | undefined {
  for (const name of cookieNames(base)) {
    const value = cookies.get(name)?.value;
    if (value) return { name, value };
  }
  return undefined;
}

/** True for every name the API may give one of its token cookies. */
export const isTokenCookieName = (name: string): boolean =>
  ([ACCESS_TOKEN_COOKIE, REFRESH_TOKEN_COOKIE] as const).some((base) => cookieNames(base).includes(name));

/**
 * The attributes that delete `name` as the browser stored it: a prefixed cookie is only
 * replaced by one that is Secure too (and `__Host-` needs Path=/). The API's own deleting
 * Set-Cookie headers are preferred wherever we have them, since only the API knows a
 * configured Domain or refresh path; this is the fallback.
 */
export function deletion(name: string) {
  return { name, value: '', path: '/', expires: new Date(0), httpOnly: true, sameSite: 'lax' as const, secure: name.startsWith('__') };
}
