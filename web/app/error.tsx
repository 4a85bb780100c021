'use client';

import { useRouter } from 'next/navigation';
import { startTransition } from 'react';
import { ServiceUnavailable } from '@/components/service-unavailable';
import { SIGN_IN_SERVICE_UNAVAILABLE } from '@/lib/errors';

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  // Render the page again from the server, not just this boundary.
  const retry = () =>
    startTransition(() => {
      router.refresh();
      reset();
    });
  const tryAgain = (
    <button type="button" onClick={retry}>
      Try again
    </button>
  );

  if (error.digest === SIGN_IN_SERVICE_UNAVAILABLE) return <ServiceUnavailable action={tryAgain} />;
  return (
    <section className="card" role="alert">
      <h1>Something went wrong</h1>
      <p>This page could not be shown. Please try again.</p>
      {tryAgain}
    </section>
  );
}
