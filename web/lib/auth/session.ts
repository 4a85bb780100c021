import 'server-only';
import { cache } from 'react';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { ACCESS_TOKEN_COOKIE } from '@/lib/auth/access-token';
import { REQUEST_PATH_HEADER } from '@/lib/auth/route-kinds';
import { settings } from '@/lib/config';
import { SignInServiceUnavailableError } from '@/lib/errors';
import { safeNextPath } from '@/lib/safe-next';
import { UNAVAILABLE_PATH } from '@/lib/unavailable-page';

/** What pages may know about the signed-in user; never the whole user record. */
export interface SessionUser {
  readonly userId: string;
  readonly username: string;
}

const meSchema = z.object({ userId: z.string(), username: z.string() });

/**
 * The authoritative check: asks the API's `/auth/me` with the visitor's cookie, so a session
 * revoked on the server ends here even while its JWT is unexpired. `cache()` makes it one call
 * per request however many components ask. Returns null when signed out; throws
 * SignInServiceUnavailableError when the API cannot answer, which is not the same as signed out.
 */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const token = (await cookies()).get(ACCESS_TOKEN_COOKIE)?.value;
  if (!token) return null;

  let response: Response;
  try {
    response = await fetch(new URL('/auth/me', settings().apiUrl), {
      headers: { Cookie: `${ACCESS_TOKEN_COOKIE}=${token}` },
      cache: 'no-store',
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    throw new SignInServiceUnavailableError(error);
  }
  if (response.status === 401) return null;
  if (!response.ok) throw new SignInServiceUnavailableError(`GET /auth/me answered ${response.status}`);

  // zod drops every other field of the record, so only the DTO goes on.
  return meSchema.parse(await response.json());
});

/**
 * For every protected page and Server Action: the signed-in user, or a redirect that clears the
 * dead cookie and goes to log-in (the cookie must go first, or the proxy would see a valid JWT
 * on /auth/log-in and send the visitor straight back).
 */
export async function verifySession(): Promise<SessionUser> {
  const user = await optionalSession();
  if (user) return user;
  const path = safeNextPath((await headers()).get(REQUEST_PATH_HEADER));
  redirect(`/auth/session-ended?next=${encodeURIComponent(path)}`);
}

/** For public pages that show who is signed in: the user or null. An outage goes to the proxy's 503 page, which links back here. */
export async function optionalSession(): Promise<SessionUser | null> {
  try {
    return await getCurrentUser();
  } catch (error) {
    if (!(error instanceof SignInServiceUnavailableError)) throw error;
    const path = (await headers()).get(REQUEST_PATH_HEADER) ?? '/';
    redirect(`${UNAVAILABLE_PATH}?next=${encodeURIComponent(safeNextPath(path, '/'))}`);
  }
}
