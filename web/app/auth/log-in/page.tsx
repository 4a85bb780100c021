import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { getExternalProviders } from '@/lib/auth/external-server';
import { NOTICE_COOKIE, parseNotice } from '@/lib/auth/log-in-notice';
import { browserApiBase } from '@/lib/config';
import { getEmailConfig } from '@/lib/email/server-config';
import { requestedNext } from '@/lib/safe-next';
import { ExternalSignIn } from '../external-buttons';
import { LogInForm } from './log-in-form';

export const metadata: Metadata = { title: 'Log in · Gatehouse' };

export default async function LogInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { next: asked, mfa } = await searchParams;
  const next = requestedNext(asked);
  // Why the visitor is here (logged out, session ended), left by the page that sent them.
  const notice = parseNotice((await cookies()).get(NOTICE_COOKIE)?.value);
  const [{ emailEnabled }, providers] = await Promise.all([getEmailConfig(), getExternalProviders()]);
  return (
    <LogInForm
      next={next}
      notice={notice}
      emailEnabled={emailEnabled}
      // Back from a provider that signed the person in and a second factor is owed (the API's redirect).
      resumeMfa={mfa === '1'}
      external={providers.length > 0 ? <ExternalSignIn providers={providers} base={browserApiBase()} next={next} /> : null}
    />
  );
}
