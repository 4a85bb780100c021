'use client';

import { useRouter } from 'next/navigation';
import { startTransition } from 'react';
import { PublicFrame } from '@/components/page-frame';

/**
 * An unexpected error while rendering. (An unreachable API is not one: pages send that to the
 * proxy's 503 page, see lib/auth/session.ts.) A client component cannot export metadata, so the
 * title is React's hoisted <title>.
 */
export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  // Render the page again from the server, not just this boundary.
  const retry = () =>
    startTransition(() => {
      router.refresh();
      reset();
    });
  return (
    <PublicFrame>
      <title>Something went wrong · Gatehouse</title>
      <section className="card" role="alert">
        <h1>Something went wrong</h1>
        <p className="lead">This page could not be shown. Please try again.</p>
        <button type="button" onClick={retry}>
          Try again
        </button>
      </section>
    </PublicFrame>
  );
}
