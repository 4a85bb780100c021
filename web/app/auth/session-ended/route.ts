import { NextResponse } from 'next/server';
import type { NextRequest } from 'next/server';
import { ACCESS_TOKEN_COOKIE } from '@/lib/auth/access-token';
import { getCurrentUser } from '@/lib/auth/session';
import { logInPath, safeNextPath } from '@/lib/safe-next';

/**
 * Where verifySession() sends a visitor whose session the API no longer accepts. It clears the
 * cookie and goes to log-in. It asks the API first, so a link from another site cannot use it
 * to sign anyone out.
 */
export async function GET(request: NextRequest) {
  const next = safeNextPath(request.nextUrl.searchParams.get('next'));
  const signedIn = await getCurrentUser().then(
    (user) => user !== null,
    () => true, // API unreachable: keep the cookie; the page will say the service is down.
  );
  if (signedIn) return seeOther(next);

  const response = seeOther(logInPath(next));
  response.cookies.delete(ACCESS_TOKEN_COOKIE);
  return response;
}

// A relative Location: request.url carries the address Next listens on (127.0.0.1), not the
// host the browser used, and the cookie belongs to the latter.
const seeOther = (path: string) => new NextResponse(null, { status: 303, headers: { Location: path } });
