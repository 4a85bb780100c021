'use client';

import { useState, useTransition } from 'react';
import { useApiBase } from '@/components/api-base';
import { FormError } from '@/components/field';
import { postJson } from '@/lib/api/client';

export function LogOutButton() {
  const base = useApiBase();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

  const logOut = () =>
    startTransition(async () => {
      // The API revokes the session and deletes the cookie; only then is leaving honest.
      const result = await postJson(base, '/auth/logout');
      if (!result.ok) {
        setError(result.problem.message);
        return;
      }
      // A full page load, not router.replace(): it drops the client router's cache, so Back
      // cannot show pages rendered for the signed-in user.
      window.location.replace('/auth/log-in');
    });

  return (
    <>
      <button type="button" onClick={logOut} disabled={pending}>
        {pending ? 'Logging out…' : 'Log out'}
      </button>
      <FormError message={error} />
    </>
  );
}
