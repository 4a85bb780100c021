import { decodeJwt } from 'jose';
import { z } from 'zod';

/** The built-in role of the people who run Gatehouse (Users/Role.cs on the API). */
export const ADMIN_ROLE = 'admin';

// The API writes one `role` claim per role; a JWT library may write a single one as a plain string.
const roleClaimSchema = z.union([z.string(), z.array(z.string())]).optional();

/** The roles a token's payload names in its `role` claim(s); none when the claim is missing or malformed. */
export function rolesOf(payload: Record<string, unknown>): readonly string[] {
  const parsed = roleClaimSchema.safeParse(payload.role);
  if (!parsed.success || parsed.data === undefined) return [];
  return typeof parsed.data === 'string' ? [parsed.data] : parsed.data;
}

export const isAdmin = (roles: readonly string[]): boolean => roles.includes(ADMIN_ROLE);

/**
 * The roles in an access token that was verified moments ago in the same request (the proxy's
 * check, or a token the API itself just issued on refresh). Read, not verified again: only ever
 * called after the signature check, so the payload is the API's.
 */
export function rolesOfVerifiedToken(token: string): readonly string[] {
  try {
    return rolesOf(decodeJwt(token));
  } catch {
    return [];
  }
}

/** `/admin` and the pages below it: the console, for admins only. */
export const isAdminPath = (pathname: string): boolean => pathname === '/admin' || pathname.startsWith('/admin/');
