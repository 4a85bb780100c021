'use client';

import { useApiBase } from '@/components/api-base';
import { Field, FormError, SubmitButton } from '@/components/field';
import { useReauthentication } from '@/components/reauthentication';
import { fromProblem, succeeded, useFormSubmit } from '@/components/use-form-submit';
import { postJson } from '@/lib/api/client';
import { forEmailChange } from '@/lib/email/messages';

/** Asks for a link at the new address; the account's address changes only once it is opened. */
export function EmailForm({ username }: { username: string }) {
  const base = useApiBase();
  const withReauthentication = useReauthentication();
  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: { newEmail: 'New email address is required.', currentPassword: 'Current password is required.' },
    submit: async (data, form) => {
      const newEmail = String(data.get('newEmail')).trim();
      const body = { newEmail, currentPassword: String(data.get('currentPassword')) };
      // An old sign-in: the dialog asks who it is, then the change goes on.
      const result = await withReauthentication(() => postJson(base, '/auth/email', body));
      // A failure keeps both fields as typed.
      if (!result.ok) return fromProblem(forEmailChange(result.problem));
      // Done: the password does not stay in the page.
      form.reset();
      return succeeded(`We sent a link to ${newEmail}. Open it to confirm the change; until then your address stays as it is.`);
    },
  });

  return (
    <form {...formProps}>
      <h2>Change your address</h2>
      <p role="status" className={outcome.success ? 'form-status form-success' : 'form-status'}>
        {outcome.success}
      </p>
      <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
      {/* For password managers: which account the password belongs to. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <Field name="newEmail" label="New email address" type="email" autoComplete="email" required errors={outcome.fieldErrors.newEmail} />
      <Field name="currentPassword" label="Current password" type="password" autoComplete="current-password" required errors={outcome.fieldErrors.currentPassword} />
      <SubmitButton busy={busy} label="Send confirmation link" busyLabel="Sending…" />
    </form>
  );
}
