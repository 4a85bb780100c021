import type { Metadata } from 'next';
import Link from 'next/link';
import { externalStartAddress, parseReason, reasonMessage } from '@/lib/auth/external';
import { getExternalProviders } from '@/lib/auth/external-server';
import { browserApiBase } from '@/lib/config';

export const metadata: Metadata = { title: 'Sign-in not completed · Gatehouse' };

/**
 * Where the API sends a provider's sign-in that did not end in a session: what happened, in one
 * sentence per reason, and the way to try again. Both come from the address, so only known reasons
 * and configured providers are named; anything else gets the generic message and no retry link.
 */
export default async function ExternalErrorPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { reason, provider: providerId } = await searchParams;
  const providers = await getExternalProviders();
  const provider = providers.find((candidate) => candidate.id === providerId) ?? null;
  const { title, message } = reasonMessage(parseReason(reason), provider?.displayName ?? null);
  return (
    <section className="card">
      <h1>{title}</h1>
      <div role="alert" className="form-error">
        <p>{message}</p>
      </div>
      <div className="actions">
        {provider && (
          // A top-level navigation, as "Continue with …" is: the API redirects to the provider.
          <a className="button-link" href={externalStartAddress(browserApiBase(), provider.id, null)}>
            Try again
          </a>
        )}
        <Link className={provider ? 'button-link secondary' : 'button-link'} href="/auth/log-in">
          Back to log in
        </Link>
      </div>
    </section>
  );
}
