import type { Metadata } from 'next';
import { optionalSession } from '@/lib/auth/session';
import { getEmailConfig } from '@/lib/email/server-config';
import { requestedNext } from '@/lib/safe-next';
import { LinkAccount } from './link-account';

export const metadata: Metadata = { title: 'Link your account · Gatehouse' };

/**
 * Where the API sends a provider's sign-in whose verified email belongs to an existing account
 * with no link yet: the person proves the account is theirs by signing in to it the usual way
 * before the provider is linked. Open to signed-in visitors too (lib/auth/route-kinds.ts).
 */
export default async function LinkAccountPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { next } = await searchParams;
  const [user, { emailEnabled }] = await Promise.all([optionalSession(), getEmailConfig()]);
  return <LinkAccount next={requestedNext(next)} signedInAs={user?.username ?? null} emailEnabled={emailEnabled} />;
}
