/**
 * `open`: anyone, no check (`/`, and the page that clears a dead cookie).
 * `guest-only`: the log-in and sign-up pages; a signed-in visitor is sent to the dashboard.
 * `protected`: everything else; a signed-out visitor is sent to log-in.
 */
export type RouteKind = 'open' | 'guest-only' | 'protected';

export function routeKind(pathname: string): RouteKind {
  if (pathname === '/' || pathname === '/auth/session-ended') return 'open';
  if (pathname === '/auth' || pathname.startsWith('/auth/')) return 'guest-only';
  return 'protected';
}

/** The header the proxy sets on a protected request so the page knows where to return after log-in. */
export const REQUEST_PATH_HEADER = 'x-gatehouse-path';
