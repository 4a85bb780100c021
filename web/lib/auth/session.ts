import 'server-only';
import { cache } from 'react';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { ACCESS_TOKEN_COOKIE, findCookie } from '@/lib/auth/cookies';
import { linkedLoginsSchema } from '@/lib/auth/external';
import type { LinkedLogins } from '@/lib/auth/external';
import { localSessionCheck } from '@/lib/auth/local-session';
import type { SessionUser } from '@/lib/auth/local-session';
import { REQUEST_PATH_HEADER } from '@/lib/auth/route-kinds';
import { settings } from '@/lib/config';
import { SignInServiceUnavailableError } from '@/lib/errors';
import { mfaStatusSchema, passkeyListSchema } from '@/lib/mfa/status';
import type { SecurityOverview } from '@/lib/mfa/status';
import { safeNextPath } from '@/lib/safe-next';
import { UNAVAILABLE_PATH } from '@/lib/unavailable-page';

export type { SessionUser };

const meSchema = z.object({ userId: z.string(), username: z.string(), roles: z.array(z.string()).default([]) });

const isoDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

/** One signed-in device, as the sessions page shows it. */
const sessionSchema = z.object({
  id: z.string(),
  createdAt: isoDate,
  lastUsedAt: isoDate,
  userAgent: z.string().nullable(),
  ipAddress: z.string().nullable(),
  current: z.boolean(),
});
const sessionListSchema = z.object({ sessions: z.array(sessionSchema) });

export type SessionInfo = z.infer<typeof sessionSchema>;

/**
 * GET from the API with the visitor's access cookie, under the name the browser sent it (the API
 * reads the prefixed name over HTTPS). Null without a cookie, i.e. signed out; throws
 * SignInServiceUnavailableError when the API cannot be reached.
 */
async function getWithSession(path: string): Promise<Response | null> {
  const access = findCookie(await cookies(), ACCESS_TOKEN_COOKIE);
  if (!access) return null;
  try {
    return await fetch(new URL(path, settings().apiUrl), {
      headers: { Cookie: `${access.name}=${access.value}`, Accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    throw new SignInServiceUnavailableError(error);
  }
}

/**
 * The authoritative check: asks the API's `/auth/me` with the visitor's cookie. Returns null when
 * signed out; throws SignInServiceUnavailableError when the API cannot answer, which is not the
 * same as signed out.
 */
export async function getUserFromApi(): Promise<SessionUser | null> {
  const response = await getWithSession('/auth/me');
  if (!response || response.status === 401) return null;
  if (!response.ok) throw new SignInServiceUnavailableError(`GET /auth/me answered ${response.status}`);

  // zod drops every other field of the record, so only the DTO goes on.
  return meSchema.parse(await response.json());
}

const accountEmailSchema = z.object({ email: z.string().nullable().optional(), emailVerified: z.boolean().optional() });

export interface AccountEmail {
  readonly email: string | null;
  readonly verified: boolean;
}

/**
 * The signed-in user's address and whether it is verified, from `/auth/me`, for a page that has
 * called verifySession(). A session revoked in between goes the way verifySession() sends it; an
 * outage to the 503 page.
 */
export async function getAccountEmail(): Promise<AccountEmail> {
  let response: Response | null;
  try {
    response = await getWithSession('/auth/me');
  } catch (error) {
    if (error instanceof SignInServiceUnavailableError) return toUnavailablePage();
    throw error;
  }
  if (!response || response.status === 401) return toSessionEnded();
  if (!response.ok) return toUnavailablePage();
  const me = accountEmailSchema.parse(await response.json());
  return { email: me.email ?? null, verified: me.emailVerified ?? false };
}

/**
 * The signed-in user, for pages. In `local` mode without a call to the API: the access cookie is
 * verified here as the proxy verifies it (remembered until its exp), and its session must not be
 * among those the API's revocation feed lists, so a session revoked elsewhere ends here within
 * about a second (lib/auth/local-session.ts). Whenever this server cannot tell (the feed has not
 * answered for a while, a token without the username, `remote` mode, an HS256 token without the
 * secret) it asks `/auth/me`. `cache()` makes it one check per request however many components
 * ask. Null when signed out; throws SignInServiceUnavailableError when the API cannot answer.
 */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const current = settings();
  if (current.sessionCheck === 'local') {
    const access = findCookie(await cookies(), ACCESS_TOKEN_COOKIE);
    if (!access) return null;
    const verdict = await localSessionCheck(current)(access.value);
    if (verdict.kind === 'user') return verdict.user;
    if (verdict.kind === 'signed-out') return null;
  }
  return getUserFromApi();
});

/**
 * GET `path` from the API for a page that has called verifySession(): the response when it is
 * 2xx or one of the `handled` statuses, which the caller answers itself. A session revoked in
 * between goes the way verifySession() sends it; an outage or any other answer to the 503 page.
 */
export async function getForPage(path: string, handled: readonly number[] = []): Promise<Response> {
  let response: Response | null;
  try {
    response = await getWithSession(path);
  } catch (error) {
    if (error instanceof SignInServiceUnavailableError) return toUnavailablePage();
    throw error;
  }
  if (!response || response.status === 401) return toSessionEnded();
  if (!response.ok && !handled.includes(response.status)) return toUnavailablePage();
  return response;
}

/**
 * The signed-in user's live sessions, newest first, for a page that has called verifySession().
 * A session revoked in between goes the way verifySession() sends it; an outage to the 503 page.
 */
export async function listSessions(): Promise<readonly SessionInfo[]> {
  let response: Response | null;
  try {
    response = await getWithSession('/auth/sessions');
  } catch (error) {
    if (error instanceof SignInServiceUnavailableError) return toUnavailablePage();
    throw error;
  }
  if (!response || response.status === 401) return toSessionEnded();
  if (!response.ok) return toUnavailablePage();
  return sessionListSchema.parse(await response.json()).sessions;
}

/**
 * The account's second factors and passkeys, for the security page (which has called
 * verifySession()). Only the parsed DTOs go on to the client. A session revoked in between goes
 * the way verifySession() sends it; an outage to the 503 page.
 */
export async function getSecurityOverview(): Promise<SecurityOverview> {
  let responses: [Response | null, Response | null];
  try {
    responses = await Promise.all([getWithSession('/auth/mfa'), getWithSession('/auth/passkeys')]);
  } catch (error) {
    if (error instanceof SignInServiceUnavailableError) return toUnavailablePage();
    throw error;
  }
  const [mfa, passkeys] = responses;
  if (!mfa || !passkeys || mfa.status === 401 || passkeys.status === 401) return toSessionEnded();
  if (!mfa.ok || !passkeys.ok) return toUnavailablePage();
  return {
    mfa: mfaStatusSchema.parse(await mfa.json()),
    passkeys: passkeyListSchema.parse(await passkeys.json()).passkeys,
  };
}

/**
 * The account's linked identity-provider logins and its other ways in, for the security page (which
 * has called verifySession()). Null when the API cannot list them (an older API, or an error): the
 * page still shows the second factors, and its "Linked accounts" section says it could not load.
 */
export async function getLinkedLogins(): Promise<LinkedLogins | null> {
  try {
    const response = await getWithSession('/auth/external/logins');
    if (!response?.ok) {
      await response?.body?.cancel();
      return null;
    }
    return linkedLoginsSchema.safeParse(await response.json()).data ?? null;
  } catch {
    return null;
  }
}

/**
 * For every protected page and Server Action: the signed-in user, or a redirect that clears the
 * dead cookies and goes to log-in (the cookies must go first, or the proxy would see a valid JWT
 * on /auth/log-in and send the visitor straight back).
 */
export async function verifySession(): Promise<SessionUser> {
  const user = await optionalSession();
  return user ?? toSessionEnded();
}

/** For public pages that show who is signed in: the user or null. An outage goes to the proxy's 503 page, which links back here. */
export async function optionalSession(): Promise<SessionUser | null> {
  try {
    return await getCurrentUser();
  } catch (error) {
    if (!(error instanceof SignInServiceUnavailableError)) throw error;
    return toUnavailablePage();
  }
}

async function toSessionEnded(): Promise<never> {
  const path = safeNextPath((await headers()).get(REQUEST_PATH_HEADER));
  redirect(`/auth/session-ended?next=${encodeURIComponent(path)}`);
}

async function toUnavailablePage(): Promise<never> {
  const path = (await headers()).get(REQUEST_PATH_HEADER) ?? '/';
  redirect(`${UNAVAILABLE_PATH}?next=${encodeURIComponent(safeNextPath(path, '/'))}`);
}
