import 'server-only';
import { cache } from 'react';
import { notFound, redirect } from 'next/navigation';
import type { z } from 'zod';
import { auditListSchema, meRolesSchema, userDetailSchema, userListSchema } from '@/lib/admin/schemas';
import type { AuditList, UserDetail, UserList } from '@/lib/admin/schemas';
import { toProblem } from '@/lib/api/problem';
import { isAdmin } from '@/lib/auth/roles';
import { getForPage, verifySession } from '@/lib/auth/session';
import type { SessionUser } from '@/lib/auth/session';

/**
 * The console's real check, for its layout and every page: signed in (verifySession()), and an
 * admin by the API's own answer (`/auth/me` `roles`), not only by the token the proxy read. Anyone
 * else goes to the dashboard before anything renders. One check per request (`cache()`).
 */
export const requireAdmin = cache(async (): Promise<SessionUser> => {
  const user = await verifySession();
  const me = meRolesSchema.parse(await (await getForPage('/auth/me')).json());
  if (!isAdmin(me.roles)) redirect('/dashboard');
  return user;
});

/**
 * GET from the admin API: 403 means the role went away since the page's check (to the dashboard),
 * 404 an unknown user (the not-found page); the answer is parsed before a page uses it.
 */
async function getAdmin<Schema extends z.ZodType>(path: string, schema: Schema): Promise<Answer<z.infer<Schema>>> {
  await requireAdmin();
  const response = await getForPage(path, [400, 403, 404]);
  if (response.status === 403) redirect('/dashboard');
  if (response.status === 404) notFound();
  // A filter or cursor the API refuses (an address edited by hand): the page says so.
  if (response.status === 400) return { ok: false, message: toProblem(400, await response.json().catch(() => null)).message };
  return { ok: true, data: schema.parse(await response.json()) };
}

/** The API's answer, or why it refused the query. */
export type Answer<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly message: string };

export const listUsers = (apiPath: string): Promise<Answer<UserList>> => getAdmin(apiPath, userListSchema);

export async function getUserDetail(id: string): Promise<UserDetail> {
  const answer = await getAdmin(`/admin/users/${encodeURIComponent(id)}`, userDetailSchema);
  // An id that is not one (400) is as unknown as one that does not exist.
  if (!answer.ok) notFound();
  return answer.data;
}

export const listAuditEvents = (apiPath: string): Promise<Answer<AuditList>> => getAdmin(apiPath, auditListSchema);
