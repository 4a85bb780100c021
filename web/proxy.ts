import { RequestCookies } from 'next/dist/compiled/@edge-runtime/cookies';
import { NextResponse } from 'next/server';
import type { NextRequest } from 'next/server';
import { createTokenVerifier } from '@/lib/auth/access-token';
import type { TokenVerifier } from '@/lib/auth/access-token';
import { ACCESS_TOKEN_COOKIE, REFRESH_TOKEN_COOKIE, findCookie } from '@/lib/auth/cookies';
import type { NamedCookie } from '@/lib/auth/cookies';
import { noticeSetCookie } from '@/lib/auth/log-in-notice';
import { applyToRequest, createRefresher, dropFromRequest, passOnCookies } from '@/lib/auth/refresh';
import type { Refresher } from '@/lib/auth/refresh';
import { isAdmin, rolesOfVerifiedToken } from '@/lib/auth/roles';
import { REQUEST_PATH_HEADER, routeKind } from '@/lib/auth/route-kinds';
import { refuseBeforeBuffering } from '@/lib/body-limit';
import { settings } from '@/lib/config';
import { logInPath } from '@/lib/safe-next';
import { contentSecurityPolicy, newNonce, pageSecurityHeaders, servedOverHttps } from '@/lib/security-headers';
import { UNAVAILABLE_PATH, unavailableResponse } from '@/lib/unavailable-page';

let verifier: TokenVerifier | undefined;
let refresher: Refresher | undefined;

/** Where the visitor stands after the proxy's check, and the cookie changes owed to the browser. */
type Standing =
  | { readonly signedIn: true; readonly setCookies: readonly string[]; readonly token: string }
  | { readonly signedIn: false; readonly setCookies: readonly string[]; readonly dead: readonly NamedCookie[] }
  | { readonly unavailable: true };

/**
 * The fast check before a page renders: the JWT in the cookie, verified locally. It keeps
 * signed-out visitors off protected pages and signed-in ones off the log-in and sign-up pages.
 * When the access token is missing or expired and a refresh cookie is present, it renews the
 * session with the API first, so an expiry never shows as a trip to log-in. It checks the
 * signature, not the session: pages still call verifySession() (lib/auth/session.ts), which
 * in `local` mode checks the same token with the same checker (remembered until its exp, so
 * it costs a lookup) and refuses a session that the API's revocation feed lists, so a session
 * revoked while its JWT is unexpired ends within about a second; in `remote` mode, and while
 * the feed is stale, pages ask the API's /auth/me instead.
 */
export async function proxy(request: NextRequest): Promise<NextResponse> {
  // A body over the API's limit (or of unknown length) is refused before anything reads it;
  // next.config.ts caps what Next itself buffers for this function at the same size.
  const refused = refuseBeforeBuffering(request.headers);
  if (refused) return new NextResponse(refused.body, refused);
  const nonce = newNonce();
  const csp = contentSecurityPolicy({ nonce, apiOrigin: settings().publicBackendUrl, development: process.env.NODE_ENV === 'development' });
  const response = await route(request, csp);
  for (const [name, value] of pageSecurityHeaders({ csp, https: servedOverHttps(request.nextUrl, request.headers) })) {
    response.headers.set(name, value);
  }
  return response;
}

async function route(request: NextRequest, csp: string): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl;
  if (pathname === UNAVAILABLE_PATH) return unavailableResponse(request.nextUrl.searchParams.get('next') ?? '/');
  const kind = routeKind(pathname);
  // Pages read where they are from this header (set here, never trusted from the browser).
  const forwarded = new Headers(request.headers);
  forwarded.set(REQUEST_PATH_HEADER, `${pathname}${search}`);
  // Next reads the nonce for its own scripts from the request's policy.
  forwarded.set('Content-Security-Policy', csp);
  const proceed = () => NextResponse.next({ request: { headers: forwarded } });
  // The page that clears a dead session must see the cookies as they are; renewing there would fight it.
  if (pathname === '/auth/session-ended') return proceed();

  const standing = await check(request, forwarded);
  // The API is down: say so, rather than pretend the visitor is signed out.
  if ('unavailable' in standing) return unavailableResponse(`${pathname}${search}`);

  // Next turns these into relative Locations (same origin as the request), so the browser stays on its host.
  const redirect = (path: string) => NextResponse.redirect(new URL(path, request.url));
  let response: NextResponse;
  if (kind === 'open') response = proceed();
  else if (kind === 'guest-only') response = standing.signedIn ? redirect('/dashboard') : proceed();
  else if (!standing.signedIn) response = redirect(logInPath(`${pathname}${search}`));
  // The console is for admins. A redirect, not a 404: /admin is no secret (the API documents it),
  // and the dashboard is a useful place to land. The page asks the API again before rendering.
  else if (kind === 'admin' && !isAdmin(rolesOfVerifiedToken(standing.token))) response = redirect('/dashboard');
  else response = proceed();
  withCookies(response, standing);
  // Cookies that no longer work (revoked elsewhere, expired): log-in says the session ended.
  // Appended last, as a line: response.cookies.set() would rewrite the API's lines added above.
  if (kind !== 'open' && kind !== 'guest-only' && !standing.signedIn && standing.dead.length > 0) {
    response.headers.append('set-cookie', noticeSetCookie('session-ended', request.nextUrl.protocol === 'https:'));
  }
  return response;
}

async function check(request: NextRequest, forwarded: Headers): Promise<Standing> {
  const access = findCookie(request.cookies, ACCESS_TOKEN_COOKIE);
  const refresh = findCookie(request.cookies, REFRESH_TOKEN_COOKIE);
  verifier ??= createTokenVerifier(settings());
  const verdict = access ? await verifier(access.value, { strictExpiry: refresh !== undefined }) : 'absent';
  if (verdict === 'unverifiable') return { unavailable: true };
  if (access && verdict === 'valid') return { signedIn: true, setCookies: [], token: access.value };

  // Only page loads renew: GET and HEAD are navigations, RSC fetches and prefetches. A Server
  // Action's POST with a dead token is signed out like before; the page it came from renews.
  const renewable = (verdict === 'absent' || verdict === 'expired') && (request.method === 'GET' || request.method === 'HEAD');
  if (refresh && renewable) {
    refresher ??= createRefresher(settings().apiUrl);
    const outcome = await refresher({ cookie: refresh, incoming: request.headers, protocol: request.nextUrl.protocol });
    if (outcome.kind === 'unavailable') return { unavailable: true };
    // The page rendered after this sees the cookies the browser will hold from now on.
    applyToRequest(forwarded, outcome.setCookies);
    if (outcome.kind === 'refreshed') {
      // The token the API has just issued, as the page will see it.
      const renewed = findCookie(new RequestCookies(forwarded), ACCESS_TOKEN_COOKIE);
      return { signedIn: true, setCookies: outcome.setCookies, token: renewed?.value ?? '' };
    }
    const dead = [...(access ? [access] : []), refresh];
    dropFromRequest(forwarded, dead.map((cookie) => cookie.name));
    return { signedIn: false, setCookies: outcome.setCookies, dead };
  }

  // An expired or forged token is of no use to anyone, and a refresh cookie beside a forged
  // token must go too: kept, it would sign the visitor straight back in on the log-in page.
  const dead = [...(access ? [access] : []), ...(refresh && verdict === 'invalid' ? [refresh] : [])];
  dropFromRequest(forwarded, dead.map((cookie) => cookie.name));
  return { signedIn: false, setCookies: [], dead };
}

/** The cookie changes owed to the browser: the API's, and deletions of dead cookies it did not cover. */
function withCookies(response: NextResponse, standing: Standing): NextResponse {
  if ('unavailable' in standing) return response;
  passOnCookies(response, standing.setCookies, standing.signedIn ? [] : standing.dead);
  return response;
}

export const config = {
  // Every page; not /api/* (app/api/[...path]/route.ts forwards it to the API), the public
  // /.well-known/ documents (no session, and never a redirect), Next's own assets or static
  // files from public/.
  matcher: ['/((?!api/|\\.well-known/|_next/static|_next/image|favicon\\.ico|.*\\.(?:svg|png|jpe?g|gif|webp|ico|css|js|map|txt|woff2?)$).*)'],
};
