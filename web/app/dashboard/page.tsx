import type { Metadata } from 'next';
import Link from 'next/link';
import { verifySession } from '@/lib/auth/session';
import { getEmailConfig } from '@/lib/email/server-config';
import { EmailBanner } from './email-banner';
import { EnrollmentCheck } from './enrollment-check';
import { LogOutButton } from './log-out-button';

export const metadata: Metadata = { title: 'Dashboard · Gatehouse' };

export default async function DashboardPage() {
  const [user, { emailEnabled }] = await Promise.all([verifySession(), getEmailConfig()]);
  return (
    <>
      <div className="page-header">
        <h1>Dashboard</h1>
        <p>Your account at a glance.</p>
      </div>
      <EnrollmentCheck />
      {emailEnabled && <EmailBanner />}
      <div className="panels">
        <section className="panel" aria-labelledby="account-heading">
          <h2 id="account-heading">Your account</h2>
          <div className="identity">
            <span className="avatar large" aria-hidden="true">
              {user.username.slice(0, 1)}
            </span>
            <p>
              Signed in as <strong data-testid="username">{user.username}</strong>
            </p>
          </div>
          <p>You are signed in on this device until you log out or the session is revoked.</p>
          <div className="actions">
            <LogOutButton className="secondary small" />
          </div>
        </section>
        <section className="panel" aria-labelledby="sessions-heading">
          <h2 id="sessions-heading">Devices</h2>
          <p>See every browser where your account is signed in, and sign out the ones you do not recognise.</p>
          <p>
            <Link href="/dashboard/sessions" className="panel-link">
              Manage sessions
            </Link>
          </p>
        </section>
        <section className="panel" aria-labelledby="security-heading">
          <h2 id="security-heading">Security</h2>
          <p>Add an authenticator app or a passkey, so a stolen password alone cannot open your account.</p>
          <p>
            <Link href="/dashboard/security" className="panel-link">
              Manage second factors
            </Link>
          </p>
        </section>
        <section className="panel" aria-labelledby="password-heading">
          <h2 id="password-heading">Password</h2>
          <p>Choose a new password. Your other sessions are signed out when you do.</p>
          <p>
            <Link href="/dashboard/password" className="panel-link">
              Change password
            </Link>
          </p>
        </section>
        {emailEnabled && (
          <section className="panel" aria-labelledby="email-heading">
            <h2 id="email-heading">Email address</h2>
            <p>Where password reset links and security notices go. A new address counts once you open the link we mail to it.</p>
            <p>
              <Link href="/dashboard/email" className="panel-link">
                Change email address
              </Link>
            </p>
          </section>
        )}
      </div>
      <section className="panel note" aria-labelledby="protected-heading">
        <h2 id="protected-heading">About this page</h2>
        <p>
          This page is protected: only a signed-in user can see it. Gatehouse checks your session on every request, so a session revoked
          on another device ends here within seconds.
        </p>
      </section>
    </>
  );
}
