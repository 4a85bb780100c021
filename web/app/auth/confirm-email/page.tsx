import type { Metadata } from 'next';
import { readLinkToken } from '@/lib/email/link-token';
import { getEmailConfig } from '@/lib/email/server-config';
import { LinkActionCard } from '../link-action';

// The token is in this page's address: no Referer carries it anywhere.
export const metadata: Metadata = { title: 'Confirm email · Gatehouse', referrer: 'no-referrer' };

/** The page an email-change mail links to (at the new address): a button, because a GET must spend nothing. */
export default async function ConfirmEmailPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { token } = await searchParams;
  const { emailEnabled } = await getEmailConfig();
  return <LinkActionCard action="confirm" token={readLinkToken(token)} emailEnabled={emailEnabled} />;
}
