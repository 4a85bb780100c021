'use client';

import { useState } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, fieldId, FormError, SubmitButton } from '@/components/field';
import { PasswordStrength, strengthIds } from '@/components/password-strength';
import { useReauthentication } from '@/components/reauthentication';
import { fromProblem, succeeded, useFormSubmit } from '@/components/use-form-submit';
import { postJson } from '@/lib/api/client';

export function PasswordForm({ username }: { username: string }) {
  const base = useApiBase();
  const withReauthentication = useReauthentication();
  // Read as they are typed, for the strength meter (the API refuses the current password again).
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: { currentPassword: 'Current password is required.', newPassword: 'Password is required.' },
    submit: async (data, form) => {
      const body = { currentPassword: String(data.get('currentPassword')), newPassword: String(data.get('newPassword')) };
      // An old sign-in: the dialog asks who it is, then the change goes on.
      const result = await withReauthentication(() => postJson(base, '/auth/password', body));
      // A failure keeps both fields as typed (a wrong current password is fixed, not retyped with the new one).
      if (!result.ok) return fromProblem(result.problem);
      // Done: neither password stays in the page.
      form.reset();
      setCurrentPassword('');
      setNewPassword('');
      return succeeded('Password changed. Your other sessions were signed out.');
    },
  });

  const newPasswordId = fieldId('newPassword');
  const strength = strengthIds(newPasswordId);
  return (
    <form {...formProps}>
      <h1>Change password</h1>
      {outcome.success && (
        <p role="status" className="form-success">
          {outcome.success}
        </p>
      )}
      <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
      {/* For password managers: which account this new password belongs to. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <Field
        name="currentPassword"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        errors={outcome.fieldErrors.currentPassword}
        onChange={(event) => setCurrentPassword(event.target.value)}
      />
      <Field
        name="newPassword"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        errors={outcome.fieldErrors.newPassword}
        hint="At least 8 characters, and not a common password."
        onChange={(event) => setNewPassword(event.target.value)}
        details={{
          content: <PasswordStrength fieldId={newPasswordId} password={newPassword} userInputs={[username]} current={currentPassword} />,
          describedBy: [strength.verdict, strength.advice],
        }}
      />
      <SubmitButton busy={busy} label="Change password" busyLabel="Changing password…" />
    </form>
  );
}
