import type { Metadata } from 'next';
import Link from 'next/link';
import { listSessions, verifySession } from '@/lib/auth/session';
import { deviceName } from '@/lib/device-name';
import type { SessionInfo } from '@/lib/auth/session';
import { SessionList } from './session-actions';
import type { SessionRow } from './session-actions';

export const metadata: Metadata = { title: 'Sessions · Gatehouse' };

/** This device first (it is the one the viewer came to check), then the most recently used. */
const byCurrentThenRecent = (a: SessionInfo, b: SessionInfo) =>
  Number(b.current) - Number(a.current) || b.lastUsedAt.getTime() - a.lastUsedAt.getTime();

export default async function SessionsPage() {
  await verifySession();
  const sessions = await listSessions();
  // Only what the list shows goes to the client; dates as ISO strings for <time dateTime>.
  const rows: SessionRow[] = [...sessions].sort(byCurrentThenRecent).map((session) => ({
    id: session.id,
    device: deviceName(session.userAgent),
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
