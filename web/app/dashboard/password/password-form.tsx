'use client';

import { useActionState } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, FormError } from '@/components/field';
import { postJson } from '@/lib/api/client';
import { formAlert } from '@/lib/api/problem';

interface PasswordState {
  readonly changed: boolean;
  readonly error: string | null;
  readonly fieldErrors: Readonly<Record<string, readonly string[]>>;
}

const initial: PasswordState = { changed: false, error: null, fieldErrors: {} };

export function PasswordForm({ username }: { username: string }) {
  const base = useApiBase();
  const [state, changePassword, pending] = useActionState(async (_previous: PasswordState, form: FormData): Promise<PasswordState> => {
    const currentPassword = String(form.get('currentPassword') ?? '');
    const newPassword = String(form.get('newPassword') ?? '');
    const result = await postJson(base, '/auth/password', { currentPassword, newPassword });
    if (result.ok) return { changed: true, error: null, fieldErrors: {} };
    return { changed: false, fieldErrors: result.problem.fieldErrors, error: formAlert(result.problem) };
  }, initial);

  return (
    // React resets the form after the action, so neither password stays in the page.
    <form action={changePassword} noValidate>
      <h1>Change password</h1>
      {state.changed && (
        <p role="status" className="form-success">
          Password changed. Your other sessions were signed out.
        </p>
      )}
      <FormError message={state.error} />
      {/* For password managers: which account this new password belongs to. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <Field name="currentPassword" label="Current password" type="password" autoComplete="current-password" required errors={state.fieldErrors.currentPassword} />
      <Field
        name="newPassword"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        errors={state.fieldErrors.newPassword}
        hint="At least 8 characters, and not a common password."
      />
      <button type="submit" disabled={pending}>
        {pending ? 'Changing password…' : 'Change password'}
      </button>
    </form>
  );
}
