'use client';

import Link from 'next/link';
import { useApiBase } from '@/components/api-base';
import { Field, FormError, SubmitButton } from '@/components/field';
import { fromProblem, succeeded, useFormSubmit } from '@/components/use-form-submit';
import { postJson } from '@/lib/api/client';
import { FORGOT_SENT_MESSAGE, mailProblemMessage } from '@/lib/email/messages';

/** Asks for a reset link. The answer is the same whether or not the account exists. */
export function ForgotPasswordForm() {
  const base = useApiBase();
  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: { username: 'Username or email is required.' },
    submit: async (data) => {
      const result = await postJson(base, '/auth/password/forgot', { username: String(data.get('username')).trim() });
      if (!result.ok) {
        const mail = mailProblemMessage(result.problem);
        return mail ? { ...fromProblem(result.problem), error: mail } : fromProblem(result.problem);
      }
      return succeeded(FORGOT_SENT_MESSAGE);
    },
  });

  return (
    <form {...formProps} className="card">
      <h1>Forgot password</h1>
      <p className="form-lead">Enter your username or email address, and we will mail you a link to choose a new password.</p>
      <p role="status" className={outcome.success ? 'form-status form-success' : 'form-status'}>
        {outcome.success}
      </p>
      <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
      <Field name="username" label="Username or email" autoComplete="username" required errors={outcome.fieldErrors.username} autoFocus />
      <SubmitButton busy={busy} label="Send reset link" busyLabel="Sending…" />
      <p className="aside">
        Remembered it? <Link href="/auth/log-in">Log in</Link>
      </p>
    </form>
  );
}
