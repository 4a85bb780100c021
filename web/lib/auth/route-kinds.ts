/**
 * `open`: anyone, no check (`/`, the page that clears a dead cookie, and the pages mailed links
 * lead to).
 * `guest-only`: the log-in and sign-up pages; a signed-in visitor is sent to the dashboard.
 * `protected`: everything else; a signed-out visitor is sent to log-in.
 */
export type RouteKind = 'open' | 'guest-only' | 'protected';

/**
 * The pages of mailed links, and the page that sends the reset link. A link is opened wherever
 * the mail is read, signed in or not: verifying or confirming an address is often done while
 * signed in (right after sign-up, or from the email page), and a reset is for whoever holds the link.
 */
const MAIL_PAGES: ReadonlySet<string> = new Set(['/auth/forgot-password', '/auth/reset-password', '/auth/verify-email', '/auth/confirm-email']);

export function routeKind(pathname: string): RouteKind {
  if (pathname === '/' || pathname === '/auth/session-ended' || MAIL_PAGES.has(pathname)) return 'open';
  if (pathname === '/auth' || pathname.startsWith('/auth/')) return 'guest-only';
  return 'protected';
}

/** The header the proxy sets on a protected request so the page knows where to return after log-in. */
export const REQUEST_PATH_HEADER = 'x-gatehouse-path';
