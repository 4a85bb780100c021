import { z } from 'zod';

/**
 * The admin API's answers (docs/api.md, "Administration"), parsed before a page uses them: a
 * field that is missing or of the wrong type fails here, not halfway through rendering. Moments
 * stay ISO strings, for <time dateTime> and LocalTime on the client.
 */
const moment = z.iso.datetime({ offset: true });

export const userSummarySchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  emailVerified: z.boolean(),
  createdAt: moment,
  lastSignInAt: moment.nullable(),
  locked: z.boolean(),
  disabled: z.boolean(),
  mfa: z.boolean(),
  roles: z.array(z.string()),
});
export type UserSummary = z.infer<typeof userSummarySchema>;

export const userListSchema = z.object({ users: z.array(userSummarySchema), nextCursor: z.string().nullable() });
export type UserList = z.infer<typeof userListSchema>;

export const auditEventSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  at: moment,
  event: z.string(),
  outcome: z.string(),
  userId: z.string().nullable(),
  actorId: z.string().nullable(),
  sessionId: z.string().nullable(),
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  detail: z.string().nullable(),
});
export type AuditEventView = z.infer<typeof auditEventSchema>;

export const auditListSchema = z.object({ events: z.array(auditEventSchema), nextCursor: z.string().nullable() });
export type AuditList = z.infer<typeof auditListSchema>;

const adminSessionSchema = z.object({
  id: z.string(),
  createdAt: moment,
  lastSeenAt: moment.nullable().optional().transform((value) => value ?? null),
  userAgent: z.string().nullable(),
  ipAddress: z.string().nullable(),
});
export type AdminSession = z.infer<typeof adminSessionSchema>;

export const userDetailSchema = z.object({
  user: userSummarySchema,
  lockoutEnd: moment.nullable(),
  passwordResetRequired: z.boolean(),
  hasPassword: z.boolean(),
  factors: z.object({ totp: z.boolean(), passkeys: z.number().int().nonnegative(), recoveryCodesRemaining: z.number().int().nonnegative() }),
  logins: z.array(z.object({ provider: z.string(), displayName: z.string() })),
  sessions: z.array(adminSessionSchema),
  recentEvents: z.array(auditEventSchema),
});
export type UserDetail = z.infer<typeof userDetailSchema>;

/** The part of `/auth/me` the console's own check reads. */
export const meRolesSchema = z.object({ roles: z.array(z.string()) });
