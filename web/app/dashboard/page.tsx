import type { Metadata } from 'next';
import Link from 'next/link';
import { verifySession } from '@/lib/auth/session';
import { LogOutButton } from './log-out-button';

export const metadata: Metadata = { title: 'Dashboard · Gatehouse' };

export default async function DashboardPage() {
  const user = await verifySession();
  return (
    <section className="card">
      <h1>Dashboard</h1>
      <p>This page is protected.</p>
      <p>
        Signed in as <strong data-testid="username">{user.username}</strong>
      </p>
      <nav aria-label="Account">
        <ul className="links">
          <li>
            <Link href="/dashboard/sessions">Sessions</Link>
          </li>
          <li>
            <Link href="/dashboard/password">Change password</Link>
          </li>
        </ul>
      </nav>
      <LogOutButton />
    </section>
  );
}
