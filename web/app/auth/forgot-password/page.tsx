import type { Metadata } from 'next';
import Link from 'next/link';
import { getEmailConfig } from '@/lib/email/server-config';
import { ForgotPasswordForm } from './forgot-password-form';

export const metadata: Metadata = { title: 'Forgot password · Gatehouse' };

export default async function ForgotPasswordPage() {
  const { emailEnabled } = await getEmailConfig();
  if (emailEnabled) return <ForgotPasswordForm />;
  // Reached by a bookmark while mail is off: say so rather than offer a mail that cannot come.
  return (
    <section className="card">
      <h1>Forgot password</h1>
      <p>This server does not send mail, so a password cannot be reset by email. Ask its administrator for help.</p>
      <p className="aside">
        <Link href="/auth/log-in">Back to log in</Link>
      </p>
    </section>
  );
}
