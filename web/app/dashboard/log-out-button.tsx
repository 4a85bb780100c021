'use client';

import { useState, useTransition } from 'react';
import { useApiBase } from '@/components/api-base';
import { FormError } from '@/components/field';
import { rememberNotice } from '@/lib/auth/log-in-notice';
import { postJson } from '@/lib/api/client';

/**
 * A full page load, not router.replace(): it drops the client router's cache, so Back cannot
 * show pages rendered for the signed-in user. The log-in page then says "You have logged out."
 */
export const leaveForLogIn = () => {
  rememberNotice('signed-out');
  window.location.replace('/auth/log-in');
};

/** Logs out this session. */
export function LogOutButton({ className }: { className?: string }) {
  const base = useApiBase();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

  const logOut = () =>
    startTransition(async () => {
      // The API revokes the session and deletes the cookies; only then is leaving honest.
      const result = await postJson(base, '/auth/logout');
      if (!result.ok) {
        setError(result.problem.message);
        return;
      }
      leaveForLogIn();
    });

  return (
    <>
      <button type="button" className={className} onClick={logOut} disabled={pending}>
        {pending ? 'Logging out…' : 'Log out'}
      </button>
      <FormError message={error} />
    </>
  );
}
