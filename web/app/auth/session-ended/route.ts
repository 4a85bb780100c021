import { NextResponse } from 'next/server';
import type { NextRequest } from 'next/server';
import { ACCESS_TOKEN_COOKIE, REFRESH_TOKEN_COOKIE, findCookie } from '@/lib/auth/cookies';
import type { NamedCookie } from '@/lib/auth/cookies';
import { noticeSetCookie } from '@/lib/auth/log-in-notice';
import { passOnCookies } from '@/lib/auth/refresh';
import { getUserFromApi } from '@/lib/auth/session';
import { postAsBrowser } from '@/lib/auth/upstream';
import { settings } from '@/lib/config';
import { logInPath, safeNextPath } from '@/lib/safe-next';

/**
 * Where verifySession() sends a visitor whose session the API no longer accepts. It ends the
 * session with the API (POST /auth/logout, which deletes both cookies with the Domain and Path
 * it gave them) and goes to log-in. It asks the API first (`/auth/me`, not the pages' local
 * check), so a link from another site cannot use it to sign anyone out.
 */
export async function GET(request: NextRequest) {
  const next = safeNextPath(request.nextUrl.searchParams.get('next'));
  const signedIn = await getUserFromApi().then(
    (user) => user !== null,
    () => true, // API unreachable: keep the cookies; the page will say the service is down.
  );
  if (signedIn) return seeOther(next);

  const access = findCookie(request.cookies, ACCESS_TOKEN_COOKIE);
  const refresh = findCookie(request.cookies, REFRESH_TOKEN_COOKIE);
  // No access token to blame, only a refresh cookie: nothing here shows the session is dead (a
  // crafted link, or a token the browser dropped at expiry). The page renews it or sends to log-in.
  if (!access && refresh) return seeOther(next);

  const cookies = [access, refresh].filter((cookie): cookie is NamedCookie => cookie !== undefined);
  const response = seeOther(logInPath(next));
  // Whatever the API did not delete (it was unreachable, or named them differently) is deleted here.
  passOnCookies(response, await logOut(request, cookies), cookies);
  // The log-in page says why the visitor is there (a line appended last, as in proxy.ts).
  response.headers.append('set-cookie', noticeSetCookie('session-ended', request.nextUrl.protocol === 'https:'));
  return response;
}

/** The API's deleting Set-Cookie lines; none when it could not be asked. */
async function logOut(request: NextRequest, cookies: readonly NamedCookie[]): Promise<string[]> {
  if (cookies.length === 0) return [];
  try {
    const response = await postAsBrowser({
      apiUrl: settings().apiUrl,
      path: '/auth/logout',
      cookies,
      incoming: request.headers,
      protocol: request.nextUrl.protocol,
    });
    await response.body?.cancel();
    return response.ok ? response.headers.getSetCookie() : [];
  } catch {
    return [];
  }
}

// A relative Location: request.url carries the address Next listens on (127.0.0.1), not the
// host the browser used, and the cookie belongs to the latter.
const seeOther = (path: string) => new NextResponse(null, { status: 303, headers: { Location: path } });
