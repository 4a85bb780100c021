import type { Metadata } from 'next';
import Link from 'next/link';
import { userAgentFromString } from 'next/server';
import { listSessions, verifySession } from '@/lib/auth/session';
import type { SessionInfo } from '@/lib/auth/session';
import { LogOutButton } from '../log-out-button';
import { RevokeButton } from './session-actions';

export const metadata: Metadata = { title: 'Sessions · Gatehouse' };

// Server-rendered, so one zone for everyone; labelled so nobody mistakes it for local time.
const when = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** "Chrome 140 on Linux" from a user agent string; the full string stays in the title. */
function device(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const { browser, os } = userAgentFromString(userAgent);
  const name = [browser.name, browser.version?.split('.', 1)[0]].filter(Boolean).join(' ');
  if (!name) return 'Unknown browser';
  return os.name ? `${name} on ${os.name}` : name;
}

function SessionItem({ session }: { session: SessionInfo }) {
  const nameId = `session-${session.id}`;
  return (
    <li className="session">
      <div id={nameId}>
        <strong title={session.userAgent ?? undefined}>{device(session.userAgent)}</strong>
        {session.current && <span className="badge">This device</span>}
      </div>
      <dl>
        <dt>IP address</dt>
        <dd>{session.ipAddress ?? 'unknown'}</dd>
        <dt>Signed in</dt>
        <dd>
          <time dateTime={session.createdAt.toISOString()}>{when.format(session.createdAt)} UTC</time>
        </dd>
        <dt>Last used</dt>
        <dd>
          <time dateTime={session.lastUsedAt.toISOString()}>{when.format(session.lastUsedAt)} UTC</time>
        </dd>
      </dl>
      <RevokeButton sessionId={session.id} current={session.current} describedBy={nameId} />
    </li>
  );
}

export default async function SessionsPage() {
  await verifySession();
  const sessions = await listSessions();
  return (
    <section className="card wide">
      <h1>Sessions</h1>
      <p>Where your account is signed in. Revoke any you do not recognise.</p>
      <ul className="sessions" aria-label="Signed-in sessions">
        {sessions.map((session) => (
          <SessionItem key={session.id} session={session} />
        ))}
      </ul>
      <LogOutButton everywhere />
      <p className="aside">
        <Link href="/dashboard">Back to the dashboard</Link>
      </p>
      <LogOutButton />
    </section>
  );
}
