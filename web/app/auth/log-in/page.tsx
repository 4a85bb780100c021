import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { NOTICE_COOKIE, parseNotice } from '@/lib/auth/log-in-notice';
import { getEmailConfig } from '@/lib/email/server-config';
import { requestedNext } from '@/lib/safe-next';
import { LogInForm } from './log-in-form';

export const metadata: Metadata = { title: 'Log in · Gatehouse' };

export default async function LogInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { next } = await searchParams;
  // Why the visitor is here (logged out, session ended), left by the page that sent them.
  const notice = parseNotice((await cookies()).get(NOTICE_COOKIE)?.value);
  const { emailEnabled } = await getEmailConfig();
  return <LogInForm next={requestedNext(next)} notice={notice} emailEnabled={emailEnabled} />;
}
