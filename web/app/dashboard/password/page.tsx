import type { Metadata } from 'next';
import Link from 'next/link';
import { verifySession } from '@/lib/auth/session';
import { PasswordForm } from './password-form';

export const metadata: Metadata = { title: 'Change password · Gatehouse' };

export default async function PasswordPage() {
  const user = await verifySession();
  return (
    <section className="card">
      <PasswordForm username={user.username} />
      <p className="aside">
        <Link href="/dashboard">Back to the dashboard</Link>
      </p>
    </section>
  );
}
