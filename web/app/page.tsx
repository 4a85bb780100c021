import Link from 'next/link';
import { PublicFrame } from '@/components/page-frame';
import { optionalSession } from '@/lib/auth/session';
import { getEmailConfig } from '@/lib/email/server-config';
import { AccountMenu } from './dashboard/account-menu';

export default async function HomePage() {
  const user = await optionalSession();
  // Asked only for a signed-in visitor: the menu is the one place here that links to a mail page.
  const emailEnabled = user ? (await getEmailConfig()).emailEnabled : false;
  return (
    <PublicFrame headerEnd={user ? <AccountMenu username={user.username} emailEnabled={emailEnabled} /> : undefined}>
      <section className="card">
        <h1>Gatehouse</h1>
        {user ? (
          <>
            <p>
              Signed in as <strong data-testid="username">{user.username}</strong>
            </p>
            <p className="actions">
              <Link href="/dashboard" className="button-link">
                Dashboard
              </Link>
            </p>
          </>
        ) : (
          <>
            <p className="lead">Sign-in for your apps: accounts, sessions you can see and revoke, and tokens your own APIs can trust.</p>
            <p className="actions">
              <Link href="/auth/log-in" className="button-link">
                Log in
              </Link>
              <Link href="/auth/sign-up" className="button-link secondary">
                Sign up
              </Link>
            </p>
          </>
        )}
      </section>
    </PublicFrame>
  );
}
