'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { useApiBase } from '@/components/api-base';
import { FormError } from '@/components/field';
import { deleteResource } from '@/lib/api/client';
import { leaveForLogIn } from '../log-out-button';

/** Revokes one session. Another device's: the list is fetched again. This device's: it is a log out. */
/** `describedBy`: the id of the element naming the session, so a screen reader says which one. */
export function RevokeButton({ sessionId, current, describedBy }: { sessionId: string; current: boolean; describedBy: string }) {
  const base = useApiBase();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

  const revoke = () =>
    startTransition(async () => {
      const result = await deleteResource(base, `/auth/sessions/${encodeURIComponent(sessionId)}`);
      // 404: revoked meanwhile (elsewhere, or it expired); the fresh list shows that.
      if (!result.ok && result.problem.status !== 404) {
        setError(result.problem.message);
        return;
      }
      if (current) leaveForLogIn();
      else router.refresh();
    });

  return (
    <>
      <button type="button" className="secondary" onClick={revoke} disabled={pending} aria-describedby={describedBy}>
        {pending ? 'Revoking…' : 'Revoke'}
      </button>
      <FormError message={error} />
    </>
  );
}
