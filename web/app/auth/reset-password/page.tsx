import type { Metadata } from 'next';
import { readLinkToken } from '@/lib/email/link-token';
import { ResetPasswordForm } from './reset-password-form';

// The token is in this page's address: no Referer carries it anywhere.
export const metadata: Metadata = { title: 'Reset password · Gatehouse', referrer: 'no-referrer' };

/** The page a reset mail links to. Opening it uses nothing up; only the form's POST spends the token. */
export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { token } = await searchParams;
  return <ResetPasswordForm token={readLinkToken(token)} />;
}
