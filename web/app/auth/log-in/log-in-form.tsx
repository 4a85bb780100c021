'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useActionState } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, FormError } from '@/components/field';
import { postJson } from '@/lib/api/client';

interface LogInState {
  readonly username: string;
  readonly error: string | null;
}

export function LogInForm({ next }: { next: string }) {
  const base = useApiBase();
  const router = useRouter();
  const [state, logIn, pending] = useActionState(async (_previous: LogInState, form: FormData): Promise<LogInState> => {
    const username = String(form.get('username') ?? '');
    const password = String(form.get('password') ?? '');
    const result = await postJson(base, '/auth/login', { username, password });
    if (!result.ok) return { username, error: result.problem.message };
    // Part of this action's transition: the button stays disabled until the next page shows.
    router.replace(next);
    return { username, error: null };
  }, { username: '', error: null });

  return (
    // React resets the form after the action; the username comes back through defaultValue, the
    // password does not, so a failed attempt keeps one and clears the other.
    <form action={logIn} className="card" noValidate>
      <h1>Log in</h1>
      <FormError message={state.error} />
      <Field name="username" label="Username" autoComplete="username" required defaultValue={state.username} autoFocus />
      <Field name="password" label="Password" type="password" autoComplete="current-password" required />
      <button type="submit" disabled={pending}>
        {pending ? 'Logging in…' : 'Log in'}
      </button>
      <p className="aside">
        No account? <Link href="/auth/sign-up">Sign up</Link>
      </p>
    </form>
  );
}
