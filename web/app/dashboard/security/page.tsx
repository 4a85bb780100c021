import type { Metadata } from 'next';
import Link from 'next/link';
import { getExternalProviders } from '@/lib/auth/external-server';
import { getLinkedLogins, getSecurityOverview, verifySession } from '@/lib/auth/session';
import { SecuritySettings } from './security-settings';

export const metadata: Metadata = { title: 'Security · Gatehouse' };

export default async function SecurityPage() {
  const user = await verifySession();
  const [overview, linked, providers] = await Promise.all([getSecurityOverview(), getLinkedLogins(), getExternalProviders()]);
  return (
    <>
      <div className="page-header">
        <h1>Security</h1>
        <p>Second factors keep your account safe even if someone learns your password.</p>
      </div>
      <SecuritySettings username={user.username} initial={overview} linked={linked} providers={providers} />
      <p className="aside">
        <Link href="/dashboard">Back to the dashboard</Link>
      </p>
    </>
  );
}
