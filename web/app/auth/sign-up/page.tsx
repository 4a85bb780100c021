import type { Metadata } from 'next';
import { getExternalProviders } from '@/lib/auth/external-server';
import { browserApiBase } from '@/lib/config';
import { getEmailConfig } from '@/lib/email/server-config';
import { requestedNext } from '@/lib/safe-next';
import { ExternalSignIn } from '../external-buttons';
import { SignUpForm } from './sign-up-form';

export const metadata: Metadata = { title: 'Sign up · Gatehouse' };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { next: asked } = await searchParams;
  const next = requestedNext(asked);
  const [{ requireEmail, emailEnabled }, providers] = await Promise.all([getEmailConfig(), getExternalProviders()]);
  return (
    <SignUpForm
      next={next}
      requireEmail={requireEmail}
      emailEnabled={emailEnabled}
      // A provider's sign-in makes the account when there is none: the same links as on log-in.
      external={providers.length > 0 ? <ExternalSignIn providers={providers} base={browserApiBase()} next={next} /> : null}
    />
  );
}
