import type { Metadata } from 'next';
import Link from 'next/link';
import { getAccountEmail, verifySession } from '@/lib/auth/session';
import { getEmailConfig } from '@/lib/email/server-config';
import { EmailForm } from './email-form';

export const metadata: Metadata = { title: 'Email address · Gatehouse' };

export default async function EmailPage() {
  const user = await verifySession();
  const [account, { emailEnabled }] = await Promise.all([getAccountEmail(), getEmailConfig()]);
  return (
    <section className="card">
      <h1>Email address</h1>
      <p>
        {account.email ? (
          <>
            Your address is <strong>{account.email}</strong> ({account.verified ? 'verified' : 'not verified yet'}).
          </>
        ) : (
          'Your account has no email address yet.'
        )}
      </p>
      {emailEnabled ? (
        <EmailForm username={user.username} />
      ) : (
        <p>This server does not send mail, so the address cannot be changed here. Ask its administrator for help.</p>
      )}
      <p className="aside">
        <Link href="/dashboard">Back to the dashboard</Link>
      </p>
    </section>
  );
}
