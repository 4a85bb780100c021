import { isAdminPath } from '@/lib/auth/roles';

/**
 * `open`: anyone, no check (`/`, the page that clears a dead cookie, the pages mailed links
 * lead to, and the pages an identity provider's sign-in returns to).
 * `guest-only`: the log-in and sign-up pages; a signed-in visitor is sent to the dashboard.
 * `protected`: everything else; a signed-out visitor is sent to log-in.
 * `admin`: the console (`/admin` and below): protected, and a signed-in visitor whose token has
 * no `admin` role is sent to the dashboard. The pages ask the API again before rendering.
 */
export type RouteKind = 'open' | 'guest-only' | 'protected' | 'admin';

/**
 * The pages of mailed links, and the page that sends the reset link. A link is opened wherever
 * the mail is read, signed in or not: verifying or confirming an address is often done while
 * signed in (right after sign-up, or from the email page), and a reset is for whoever holds the link.
 */
const MAIL_PAGES: ReadonlySet<string> = new Set(['/auth/forgot-password', '/auth/reset-password', '/auth/verify-email', '/auth/confirm-email']);

/**
 * The pages an identity provider's sign-in comes back to. Public, but never guest-only: linking a
 * provider from the security page returns here signed in (an error, or a link to confirm), and the
 * link page is where a signed-in person confirms the link, so sending them to the dashboard would
 * lose the pending link.
 */
const EXTERNAL_PAGES: ReadonlySet<string> = new Set(['/auth/link-account', '/auth/external-error']);

export function routeKind(pathname: string): RouteKind {
  if (pathname === '/' || pathname === '/auth/session-ended' || MAIL_PAGES.has(pathname) || EXTERNAL_PAGES.has(pathname)) return 'open';
  if (pathname === '/auth' || pathname.startsWith('/auth/')) return 'guest-only';
  if (isAdminPath(pathname)) return 'admin';
  return 'protected';
}

/** The header the proxy sets on a protected request so the page knows where to return after log-in. */
export const REQUEST_PATH_HEADER = 'x-gatehouse-path';
