import type { Metadata } from 'next';
import { readLinkToken } from '@/lib/email/link-token';
import { getEmailConfig } from '@/lib/email/server-config';
import { LinkActionCard } from '../link-action';

// The token is in this page's address: no Referer carries it anywhere.
export const metadata: Metadata = { title: 'Verify email · Gatehouse', referrer: 'no-referrer' };

/** The page a verification mail links to: a button, because a GET must spend nothing (mail scanners follow links). */
export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { token } = await searchParams;
  const { emailEnabled } = await getEmailConfig();
  return <LinkActionCard action="verify" token={readLinkToken(token)} emailEnabled={emailEnabled} />;
}
