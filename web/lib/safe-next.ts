const PROBE_ORIGIN = 'http://gatehouse.invalid';

/**
 * Returns `next` when it is a path on this site, else `fallback`. The `next` query parameter
 * comes from a link anyone can craft, so it must not become an open redirect: anything that
 * would leave this origin (`//evil.example`, `https://evil.example`, `/\evil.example`,
 * control characters the URL parser strips) is refused.
 */
export function safeNextPath(next: unknown, fallback = '/dashboard'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//')) return fallback;
  if (next.includes('\\') || /[\u0000-\u001f\u007f]/.test(next)) return fallback;

  let url: URL;
  try {
    url = new URL(next, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE_ORIGIN) return fallback;

  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can normalise into a protocol-relative path: "/.//evil.example" → "//evil.example".
  return path.startsWith('//') ? fallback : path;
}

/** The log-in page's address that returns to `path` afterwards. */
export function logInPath(path: string): string {
  return `/auth/log-in?next=${encodeURIComponent(safeNextPath(path))}`;
}

/** The `next` a visitor asked for, when it is safe to go to; null when missing or refused. */
export function requestedNext(next: unknown): string | null {
  return safeNextPath(next, '') || null;
}

/** `path` with `?next=` when there is a next page to carry on to (log-in ↔ sign-up). */
export function withNext(path: string, next: string | null): string {
  return next === null ? path : `${path}?next=${encodeURIComponent(next)}`;
}
