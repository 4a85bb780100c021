'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, fieldId, FormError, SubmitButton } from '@/components/field';
import { PasswordStrength, strengthIds } from '@/components/password-strength';
import { fromProblem, useFormSubmit } from '@/components/use-form-submit';
import { postJson } from '@/lib/api/client';
import { continueMessage } from '@/lib/auth/log-in-notice';
import { withNext } from '@/lib/safe-next';

/** `next`: the page to go to once signed up, when one was asked for (carried from log-in). */
export function SignUpForm({ next }: { next: string | null }) {
  const base = useApiBase();
  const router = useRouter();
  // Read as they are typed, for the strength meter: a password built on the username is weak.
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: { username: 'Username is required.', password: 'Password is required.' },
    submit: async (data) => {
      const username = String(data.get('username'));
      const email = String(data.get('email')).trim();
      const password = String(data.get('password'));
      const registered = await postJson(base, '/auth/register', { username, password, email: email || undefined });
      if (!registered.ok) return fromProblem(registered.problem);

      // Registering does not sign in; logging in with the same details does.
      const loggedIn = await postJson(base, '/auth/login', { username, password });
      if (!loggedIn.ok) {
        return { ...fromProblem(loggedIn.problem), error: `Your account was created, but logging in failed: ${loggedIn.problem.message}`, retryable: false };
      }
      router.replace(next ?? '/dashboard');
      return 'leaving';
    },
  });

  const passwordId = fieldId('password');
  const strength = strengthIds(passwordId);
  const continueTo = continueMessage(next, 'Sign up');
  return (
    <form {...formProps} className="card">
      <h1>Sign up</h1>
      {continueTo && <p className="form-lead">{continueTo}</p>}
      <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
      <Field
        name="username"
        label="Username"
        autoComplete="username"
        required
        errors={outcome.fieldErrors.username}
        hint="3 to 64 letters, digits, '.', '_' or '-'."
        autoFocus
        onChange={(event) => setUsername(event.target.value)}
      />
      <Field
        name="email"
        label="Email (optional)"
        type="email"
        autoComplete="email"
        errors={outcome.fieldErrors.email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <Field
        name="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        errors={outcome.fieldErrors.password}
        hint="At least 8 characters, and not a common password."
        onChange={(event) => setPassword(event.target.value)}
        details={{
          content: <PasswordStrength fieldId={passwordId} password={password} userInputs={[username, email]} />,
          describedBy: [strength.verdict, strength.advice],
        }}
      />
      <SubmitButton busy={busy} label="Sign up" busyLabel="Signing up…" />
      <p className="aside">
        Have an account? <Link href={withNext('/auth/log-in', next)}>Log in</Link>
      </p>
    </form>
  );
}
