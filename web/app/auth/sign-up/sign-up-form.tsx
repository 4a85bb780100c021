'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useActionState } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, FormError } from '@/components/field';
import { postJson } from '@/lib/api/client';
import { formAlert } from '@/lib/api/problem';

interface SignUpState {
  readonly username: string;
  readonly email: string;
  readonly error: string | null;
  readonly fieldErrors: Readonly<Record<string, readonly string[]>>;
}

const initial: SignUpState = { username: '', email: '', error: null, fieldErrors: {} };

export function SignUpForm() {
  const base = useApiBase();
  const router = useRouter();
  const [state, signUp, pending] = useActionState(async (_previous: SignUpState, form: FormData): Promise<SignUpState> => {
    const username = String(form.get('username') ?? '');
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');

    const registered = await postJson(base, '/auth/register', { username, password, email: email || undefined });
    if (!registered.ok) {
      return { username, email, fieldErrors: registered.problem.fieldErrors, error: formAlert(registered.problem) };
    }

    // Registering does not sign in; logging in with the same details does.
    const loggedIn = await postJson(base, '/auth/login', { username, password });
    if (!loggedIn.ok) {
      return { username, email, fieldErrors: {}, error: `Your account was created, but logging in failed: ${loggedIn.problem.message}` };
    }
    router.replace('/dashboard');
    return { username, email, fieldErrors: {}, error: null };
  }, initial);

  return (
    <form action={signUp} className="card" noValidate>
      <h1>Sign up</h1>
      <FormError message={state.error} />
      <Field
        name="username"
        label="Username"
        autoComplete="username"
        required
        defaultValue={state.username}
        errors={state.fieldErrors.username}
        hint="3 to 64 letters, digits, '.', '_' or '-'."
        autoFocus
      />
      <Field name="email" label="Email (optional)" type="email" autoComplete="email" defaultValue={state.email} errors={state.fieldErrors.email} />
      <Field
        name="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        errors={state.fieldErrors.password}
        hint="At least 8 characters, and not a common password."
      />
      <button type="submit" disabled={pending}>
        {pending ? 'Signing up…' : 'Sign up'}
      </button>
      <p className="aside">
        Have an account? <Link href="/auth/log-in">Log in</Link>
      </p>
    </form>
  );
}
