import type { Metadata } from 'next';
import { safeNextPath } from '@/lib/safe-next';
import { LogInForm } from './log-in-form';

export const metadata: Metadata = { title: 'Log in · Gatehouse' };

export default async function LogInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { next } = await searchParams;
  return <LogInForm next={safeNextPath(next)} />;
}
