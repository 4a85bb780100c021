import { describe, expect, it } from 'vitest';
import { adminActionMessage } from './actions';
import { auditListSchema, userDetailSchema, userListSchema } from './schemas';

const summary = {
  id: '7d1c3f0e-0000-4000-8000-000000000001',
  username: 'alice',
  email: 'alice@example.com',
  emailVerified: true,
  createdAt: '2026-12-01T08:00:00+00:00',
  lastSignInAt: null,
  locked: false,
  disabled: false,
  mfa: true,
  roles: ['admin'],
  // Fields the console does not read are dropped, not passed on.
  passwordHash: 'never shown',
};

const event = {
  id: 42,
  at: '2026-12-06T09:00:00Z',
  event: 'sign_in',
  outcome: 'success',
  userId: summary.id,
  actorId: null,
  sessionId: null,
  ipAddress: '127.0.0.1',
  userAgent: null,
  detail: null,
};

describe('admin answers', () => {
  it('parse a page of users, keeping only the summary fields', () => {
    const list = userListSchema.parse({ users: [summary], nextCursor: 'abc' });
    expect(list.nextCursor).toBe('abc');
    expect(list.users[0]).not.toHaveProperty('passwordHash');
    expect(list.users[0]).toMatchObject({ username: 'alice', mfa: true, roles: ['admin'] });
  });

  it('refuse a user summary missing a field the table shows', () => {
    const withoutLocked: Record<string, unknown> = { ...summary };
    delete withoutLocked.locked;
    expect(userListSchema.safeParse({ users: [withoutLocked], nextCursor: null }).success).toBe(false);
  });

  it('parse audit events, with numeric or string ids', () => {
    const list = auditListSchema.parse({ events: [event, { ...event, id: 'e-2' }], nextCursor: null });
    expect(list.events.map((parsed) => parsed.id)).toEqual(['42', 'e-2']);
  });

  it('parse a user detail, with or without a session last-seen time', () => {
    const detail = userDetailSchema.parse({
      user: summary,
      lockoutEnd: null,
      passwordResetRequired: false,
      hasPassword: true,
      factors: { totp: true, passkeys: 1, recoveryCodesRemaining: 8 },
      logins: [{ provider: 'local', displayName: 'Local provider' }],
      sessions: [
        { id: 's1', createdAt: '2026-12-06T08:00:00Z', lastSeenAt: '2026-12-06T08:30:00Z', userAgent: null, ipAddress: null, current: false },
        { id: 's2', createdAt: '2026-12-06T08:00:00Z', userAgent: 'Firefox', ipAddress: '::1', current: false },
      ],
      recentEvents: [event],
    });
    expect(detail.sessions.map((session) => session.lastSeenAt)).toEqual(['2026-12-06T08:30:00Z', null]);
    expect(detail.factors.passkeys).toBe(1);
  });

  it('refuse a moment that is not ISO 8601', () => {
    expect(userListSchema.safeParse({ users: [{ ...summary, createdAt: 'yesterday' }], nextCursor: null }).success).toBe(false);
  });
});

describe('refused admin actions', () => {
  const problem = (code: string | null, message = 'The API says so.') => ({ status: 409, code, message, fieldErrors: {} });

  it('explain the last admin in the console’s words, naming the user', () => {
    expect(adminActionMessage(problem('last_admin'), 'alice')).toBe('alice is the last admin. Make another account an admin first: Gatehouse must always have one.');
  });

  it('say an account that is gone is gone, and anything else as the API says it', () => {
    expect(adminActionMessage(problem('user_not_found'), 'bob')).toBe('The account bob no longer exists.');
    expect(adminActionMessage(problem('reauthentication_cancelled', 'Nothing was changed.'), 'bob')).toBe('Nothing was changed.');
  });
});
