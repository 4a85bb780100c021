'use client';

import { useState, useTransition } from 'react';
import { useApiBase } from '@/components/api-base';
import { FormError } from '@/components/field';
import { postJson } from '@/lib/api/client';
import { mailProblemMessage } from '@/lib/email/messages';

/**
 * A button that asks for a new verification mail: for `username` (a name or address, the log-in
 * page after `email_unverified`), or, without one, for the signed-in user's own address. The
 * API answers alike whether or not a mail went out, so the status line says no more than it.
 * The status paragraph is always in the page, so screen readers announce its change.
 */
export function ResendVerification({ username, label = 'Send a new link', className = 'secondary small' }: { username?: string; label?: string; className?: string }) {
  const base = useApiBase();
  const [pending, startTransition] = useTransition();
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const resend = () =>
    startTransition(async () => {
      setSent(null);
      setError(null);
      // Signed in, the API ignores the body and mails the account's own address.
      const result = await postJson(base, '/auth/email/verification', username === undefined ? {} : { username });
      if (!result.ok) {
        setError(mailProblemMessage(result.problem) ?? result.problem.message);
        return;
      }
      setSent('A new link is on its way. Check your mail, and your spam folder too.');
    });

  return (
    <div className="resend">
      <button type="button" className={className} onClick={resend} disabled={pending}>
        {pending ? 'Sending…' : label}
      </button>
      <p role="status" className="resend-status">
        {sent}
      </p>
      <FormError message={error} />
    </div>
  );
}
