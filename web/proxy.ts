import { NextResponse } from 'next/server';
import type { NextRequest } from 'next/server';
import { ACCESS_TOKEN_COOKIE, createTokenVerifier } from '@/lib/auth/access-token';
import type { TokenVerdict, TokenVerifier } from '@/lib/auth/access-token';
import { REQUEST_PATH_HEADER, routeKind } from '@/lib/auth/route-kinds';
import { settings } from '@/lib/config';
import { logInPath } from '@/lib/safe-next';
import { UNAVAILABLE_PATH, unavailableResponse } from '@/lib/unavailable-page';

let verifier: TokenVerifier | undefined;

/**
 * The fast check before a page renders: the JWT in the cookie, verified locally. It keeps
 * signed-out visitors off protected pages and signed-in ones off the log-in and sign-up pages.
 * Pages still call verifySession() (lib/auth/session.ts), which asks the API and so also
 * catches a session revoked while its JWT is unexpired.
 */
export async function proxy(request: NextRequest): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl;
  if (pathname.startsWith('/api/')) return toApi(request);
  if (pathname === UNAVAILABLE_PATH) return unavailableResponse(request.nextUrl.searchParams.get('next') ?? '/');
  const kind = routeKind(pathname);
  // Pages read where they are from this header (set here, never trusted from the browser).
  const forwarded = new Headers(request.headers);
  forwarded.set(REQUEST_PATH_HEADER, `${pathname}${search}`);
  const proceed = () => NextResponse.next({ request: { headers: forwarded } });
  if (kind === 'open') return proceed();

  const token = request.cookies.get(ACCESS_TOKEN_COOKIE)?.value;
  verifier ??= createTokenVerifier(settings());
  const verdict = token ? await verifier(token) : 'absent';

  // The API is down: say so, rather than pretend the visitor is signed out.
  if (verdict === 'unverifiable') return unavailableResponse(`${pathname}${search}`);

  if (kind === 'guest-only') {
    if (verdict === 'valid') return NextResponse.redirect(new URL('/dashboard', request.url));
    return withoutDeadCookie(proceed(), verdict);
  }
  if (verdict === 'valid') return proceed();
  return withoutDeadCookie(NextResponse.redirect(new URL(logInPath(`${pathname}${search}`), request.url)), verdict);
}

/**
 * Same-origin mode: /api/* goes to the API, so the browser sees one origin and the cookie is
 * first-party. A rewrite here rather than in next.config.ts, whose rewrites are fixed at build
 * time: the API address is read when the server starts.
 */
function toApi(request: NextRequest): NextResponse {
  const { pathname, search } = request.nextUrl;
  // Set the parts on the API's URL rather than resolve a relative one: "//evil.example" must
  // stay a path on the API, never become another host.
  const target = new URL(settings().apiUrl);
  target.pathname = pathname.slice('/api'.length);
  target.search = search;
  return NextResponse.rewrite(target);
}

// An expired or forged token is of no use to anyone; dropping it saves checking it again.
function withoutDeadCookie(response: NextResponse, verdict: TokenVerdict | 'absent'): NextResponse {
  if (verdict === 'invalid') response.cookies.delete(ACCESS_TOKEN_COOKIE);
  return response;
}

export const config = {
  // Every page and /api/*; not Next's own assets or static files from public/.
  matcher: ['/((?!_next/static|_next/image|favicon\\.ico|.*\\.(?:svg|png|jpe?g|gif|webp|ico|css|js|map|txt|woff2?)$).*)'],
};
