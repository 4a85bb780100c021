'use client';

import Link from 'next/link';
import { useState } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, fieldId, FormError, SubmitButton } from '@/components/field';
import { PasswordStrength, strengthIds } from '@/components/password-strength';
import { CLEAN, fromProblem, useFormSubmit } from '@/components/use-form-submit';
import { postJson } from '@/lib/api/client';
import { rememberNotice } from '@/lib/auth/log-in-notice';
import { isTokenCode, linkProblemMessage, mailProblemMessage } from '@/lib/email/messages';
import type { TokenCode } from '@/lib/email/messages';
import { confirmationErrors } from '@/lib/password/confirm';

/** `token`: the link's token, or null when the link is broken (then there is nothing to send). */
export function ResetPasswordForm({ token }: { token: string | null }) {
  const base = useApiBase();
  // The API refused the link: the form gives way to the reason and a way to a new one.
  const [refused, setRefused] = useState<TokenCode | null>(token === null ? 'token_invalid' : null);
  const [newPassword, setNewPassword] = useState('');
  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: { newPassword: 'Password is required.', confirmPassword: 'Please type the new password again.' },
    submit: async (data) => {
      const password = String(data.get('newPassword'));
      const mismatch = confirmationErrors(password, String(data.get('confirmPassword')));
      if (mismatch) return { ...CLEAN, error: 'Please fix the fields marked below.', fieldErrors: mismatch };
      const result = await postJson(base, '/auth/password/reset', { token, newPassword: password });
      if (!result.ok) {
        if (isTokenCode(result.problem.code)) {
          setRefused(result.problem.code);
          return CLEAN;
        }
        const mail = mailProblemMessage(result.problem);
        return mail ? { ...fromProblem(result.problem), error: mail } : fromProblem(result.problem);
      }
      // Every session of the account has ended; log-in says why the visitor is there. No automatic
      // sign-in: a second factor will join this path. A full load, so nothing of before stays cached.
      rememberNotice('password-reset');
      window.location.replace('/auth/log-in');
      return 'leaving';
    },
  });

  if (refused !== null) return <LinkRefused code={refused} />;

  const passwordId = fieldId('newPassword');
  const strength = strengthIds(passwordId);
  return (
    <form {...formProps} className="card">
      <h1>Choose a new password</h1>
      <p className="form-lead">Every device signed in to your account is signed out once you do.</p>
      <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
      <Field
        name="newPassword"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        errors={outcome.fieldErrors.newPassword}
        hint="At least 8 characters, and not a common password."
        autoFocus
        onChange={(event) => setNewPassword(event.target.value)}
        details={{
          content: <PasswordStrength fieldId={passwordId} password={newPassword} userInputs={[]} />,
          describedBy: [strength.verdict, strength.advice],
        }}
      />
      <Field name="confirmPassword" label="Confirm password" type="password" autoComplete="new-password" required errors={outcome.fieldErrors.confirmPassword} />
      <SubmitButton busy={busy} label="Reset password" busyLabel="Resetting password…" />
    </form>
  );
}

function LinkRefused({ code }: { code: TokenCode }) {
  return (
    <section className="card">
      <h1>Reset password</h1>
      <div role="alert" className="form-error">
        <p>{linkProblemMessage('reset', code)}</p>
      </div>
      <p className="actions">
        <Link href="/auth/forgot-password" className="button-link">
          Get a new link
        </Link>
      </p>
      <p className="aside">
        <Link href="/auth/log-in">Back to log in</Link>
      </p>
    </section>
  );
}
