'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { useApiBase } from '@/components/api-base';
import { FormError } from '@/components/field';
import { deleteResource, postJson } from '@/lib/api/client';

// A full page load, not router.replace(): it drops the client router's cache, so Back cannot
// show pages rendered for the signed-in user.
const leaveForLogIn = () => window.location.replace('/auth/log-in');

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

/** Ends every session of the account, this one included. */
export function SignOutEverywhereButton() {
  const base = useApiBase();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

  const signOutEverywhere = () =>
    startTransition(async () => {
      const result = await postJson(base, '/auth/logout-all');
      if (!result.ok) {
        setError(result.problem.message);
        return;
      }
      leaveForLogIn();
    });

  return (
    <>
      <button type="button" className="danger" onClick={signOutEverywhere} disabled={pending}>
        {pending ? 'Signing out everywhere…' : 'Sign out everywhere'}
      </button>
      <FormError message={error} />
    </>
  );
}
