import type { Metadata } from 'next';
import Link from 'next/link';
import { verifySession } from '@/lib/auth/session';
import { DeleteAccount, DownloadData } from './account-actions';

export const metadata: Metadata = { title: 'Account · Gatehouse' };

/** The account itself: a copy of what Gatehouse keeps about the user, and deleting it. */
export default async function AccountPage() {
  const user = await verifySession();
  return (
    <>
      <div className="page-header">
        <h1>Account</h1>
        <p>Your data, and the account itself.</p>
      </div>
      <div className="security-sections">
        <section className="panel" aria-labelledby="data-heading">
          <h2 id="data-heading">Your data</h2>
          <p>
            Download everything Gatehouse keeps about you as a JSON file: your profile, roles, sessions, linked logins, passkeys and
            the security events of your account.
          </p>
          <DownloadData username={user.username} />
        </section>
        <section className="danger-zone" aria-labelledby="delete-heading">
          <div>
            <h2 id="delete-heading">Delete your account</h2>
            <p>
              Deletes your account and your personal data, and signs you out everywhere. This cannot be undone. The security log keeps
              its records of your account’s events under an id that no longer leads to you.
            </p>
          </div>
          <DeleteAccount username={user.username} />
        </section>
      </div>
      <p className="aside">
        <Link href="/dashboard">Back to the dashboard</Link>
      </p>
    </>
  );
}
