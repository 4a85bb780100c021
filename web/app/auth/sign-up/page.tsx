import type { Metadata } from 'next';
import { getEmailConfig } from '@/lib/email/server-config';
import { requestedNext } from '@/lib/safe-next';
import { SignUpForm } from './sign-up-form';

export const metadata: Metadata = { title: 'Sign up · Gatehouse' };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { next } = await searchParams;
  const { requireEmail, emailEnabled } = await getEmailConfig();
  return <SignUpForm next={requestedNext(next)} requireEmail={requireEmail} emailEnabled={emailEnabled} />;
}
