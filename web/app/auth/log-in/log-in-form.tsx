'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, FormError, FormNotice, SubmitButton } from '@/components/field';
import { ResendVerification } from '@/components/resend-verification';
import { fromProblem, useFormSubmit } from '@/components/use-form-submit';
import { postJson } from '@/lib/api/client';
import { continueMessage, forgetNotice, NOTICE_MESSAGES } from '@/lib/auth/log-in-notice';
import type { LogInNotice } from '@/lib/auth/log-in-notice';
import { UNVERIFIED_MESSAGE } from '@/lib/email/messages';
import { withNext } from '@/lib/safe-next';

/**
 * `next`: the page to go to afterwards, when one was asked for; `notice`: why the visitor is here;
 * `emailEnabled`: whether the API sends mail (else no link here promises one).
 */
export function LogInForm({ next, notice, emailEnabled }: { next: string | null; notice: LogInNotice | null; emailEnabled: boolean }) {
  const base = useApiBase();
  const router = useRouter();
  // The name the API refused as unverified, for the "Send a new link" button; null otherwise.
  const [unverified, setUnverified] = useState<string | null>(null);
  const { outcome, busy, retry, formProps } = useFormSubmit({
    // In the API's words: it would answer the same, one round trip later.
    required: { username: 'Username is required.', password: 'Password is required.' },
    submit: async (data) => {
      const username = String(data.get('username'));
      setUnverified(null);
      const result = await postJson(base, '/auth/login', { username, password: String(data.get('password')) });
      if (!result.ok) {
        // The right password for an address not yet verified (only when the API requires it).
        if (result.problem.code === 'email_unverified') {
          setUnverified(username);
          return { ...fromProblem(result.problem), error: UNVERIFIED_MESSAGE };
        }
        return fromProblem(result.problem);
      }
      router.replace(next ?? '/dashboard');
      return 'leaving';
    },
  });

  // Shown once: a reload of this page does not say it again.
  useEffect(() => {
    if (notice) forgetNotice();
  }, [notice]);

  const continueTo = continueMessage(next);
  return (
    <form {...formProps} className="card">
      <h1>Log in</h1>
      {continueTo && <p className="form-lead">{continueTo}</p>}
      {notice && <FormNotice>{NOTICE_MESSAGES[notice]}</FormNotice>}
      <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
      {unverified !== null && outcome.error && emailEnabled && <ResendVerification username={unverified} />}
      <Field name="username" label="Username or email" autoComplete="username" required errors={outcome.fieldErrors.username} autoFocus />
      <Field name="password" label="Password" type="password" autoComplete="current-password" required errors={outcome.fieldErrors.password} />
      <SubmitButton busy={busy} label="Log in" busyLabel="Logging in…" />
      {emailEnabled && (
        <p className="aside">
          <Link href="/auth/forgot-password">Forgot password?</Link>
        </p>
      )}
      <p className="aside">
        No account? <Link href={withNext('/auth/sign-up', next)}>Sign up</Link>
      </p>
    </form>
  );
}
