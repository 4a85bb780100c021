import type { Metadata } from 'next';
import Link from 'next/link';
import { userAgentFromString } from 'next/server';
import { listSessions, verifySession } from '@/lib/auth/session';
import type { SessionInfo } from '@/lib/auth/session';
import { SessionList } from './session-actions';
import type { SessionRow } from './session-actions';

export const metadata: Metadata = { title: 'Sessions · Gatehouse' };

/** "Chrome 140 on Linux" from a user agent string; the full string stays in the title. */
function device(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const { browser, os } = userAgentFromString(userAgent);
  const name = [browser.name, browser.version?.split('.', 1)[0]].filter(Boolean).join(' ');
  if (!name) return 'Unknown browser';
  return os.name ? `${name} on ${os.name}` : name;
}

/** This device first (it is the one the viewer came to check), then the most recently used. */
const byCurrentThenRecent = (a: SessionInfo, b: SessionInfo) =>
  Number(b.current) - Number(a.current) || b.lastUsedAt.getTime() - a.lastUsedAt.getTime();

export default async function SessionsPage() {
  await verifySession();
  const sessions = await listSessions();
  // Only what the list shows goes to the client; dates as ISO strings for <time dateTime>.
  const rows: SessionRow[] = [...sessions].sort(byCurrentThenRecent).map((session) => ({
    id: session.id,
    device: device(session.userAgent),
    userAgent: session.userAgent,
    ipAddress: session.ipAddress,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    current: session.current,
  }));
  return (
    <>
      <div className="page-header">
        <h1>Sessions</h1>
        <p>Where your account is signed in. If you see a device you do not recognise, revoke it and change your password.</p>
      </div>
      <SessionList sessions={rows} />
      <p className="aside">
        <Link href="/dashboard">Back to the dashboard</Link>
      </p>
    </>
  );
}
