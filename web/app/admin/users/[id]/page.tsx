import type { Metadata } from 'next';
import Link from 'next/link';
import { LocalTime } from '@/components/local-time';
import { getUserDetail, requireAdmin } from '@/lib/admin/server';
import { deviceName } from '@/lib/device-name';
import { AuditTable } from '../../audit-table';
import { StatusBadges } from '../../status-badges';
import { UserAdministration } from './user-actions';
import type { AdminSessionRow } from './user-actions';

export const metadata: Metadata = { title: 'User · Admin · Gatehouse' };

/** One account as an admin sees it: who, how they sign in, where they are signed in, what happened lately; and what can be done. */
export default async function AdminUserPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id } = await params;
  const detail = await getUserDetail(id);
  const { user, factors } = detail;
  const sessions: AdminSessionRow[] = detail.sessions.map((session) => ({
    id: session.id,
    device: deviceName(session.userAgent),
    userAgent: session.userAgent,
    ipAddress: session.ipAddress,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
  }));
  return (
    <>
      <div className="page-header">
        <p className="eyebrow">User</p>
        <h1>{user.username}</h1>
        <p>
          <StatusBadges user={user} />
        </p>
      </div>
      <div className="panels">
        <section className="panel" aria-labelledby="profile-heading">
          <h2 id="profile-heading">Profile</h2>
          <dl className="facts">
            <dt>Email</dt>
            <dd>
              {user.email ?? 'none'} {user.email && <span className={user.emailVerified ? 'badge' : 'badge plain'}>{user.emailVerified ? 'verified' : 'unverified'}</span>}
            </dd>
            <dt>Created</dt>
            <dd>
              <LocalTime iso={user.createdAt} />
            </dd>
            <dt>Last sign-in</dt>
            <dd>{user.lastSignInAt ? <LocalTime iso={user.lastSignInAt} /> : 'never'}</dd>
            <dt>Password</dt>
            <dd>{detail.hasPassword ? (detail.passwordResetRequired ? 'set; a reset is required' : 'set') : 'none'}</dd>
            {detail.lockoutEnd && (
              <>
                <dt>Locked until</dt>
                <dd>
                  <LocalTime iso={detail.lockoutEnd} />
                </dd>
              </>
            )}
            <dt>User id</dt>
            <dd>
              <code>{user.id}</code>
            </dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="factors-heading">
          <h2 id="factors-heading">Sign-in methods</h2>
          <dl className="facts">
            <dt>Authenticator app</dt>
            <dd>{factors.totp ? 'on' : 'off'}</dd>
            <dt>Passkeys</dt>
            <dd>{factors.passkeys}</dd>
            <dt>Recovery codes left</dt>
            <dd>{factors.recoveryCodesRemaining}</dd>
            <dt>Linked logins</dt>
            <dd>{detail.logins.length === 0 ? 'none' : detail.logins.map((login) => login.displayName).join(', ')}</dd>
          </dl>
        </section>
      </div>
      <UserAdministration
        user={{ id: user.id, username: user.username, locked: user.locked, disabled: user.disabled, roles: user.roles }}
        sessions={sessions}
      />
      <section className="admin-section" aria-labelledby="events-heading">
        <div className="section-head">
          <h2 id="events-heading">Recent events</h2>
          <Link href={`/admin/audit?userId=${encodeURIComponent(user.id)}`}>All events of {user.username}</Link>
        </div>
        <AuditTable events={detail.recentEvents} caption={`Recent events of ${user.username}`} showUser={false} />
      </section>
    </>
  );
}
