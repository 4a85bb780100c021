'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { z } from 'zod';
import { useApiBase } from '@/components/api-base';
import { Field, fieldId, FormError, SubmitButton } from '@/components/field';
import { PasswordStrength, strengthIds } from '@/components/password-strength';
import { CLEAN, fromProblem, useFormSubmit } from '@/components/use-form-submit';
import { postJson } from '@/lib/api/client';
import { continueMessage } from '@/lib/auth/log-in-notice';
import { withNext } from '@/lib/safe-next';

// 202 from /auth/register: the account waits for its address to be verified (RequireVerifiedEmail).
// The API gives the same answer when the address is already registered, so this page can say no more.
const verificationSentSchema = z.object({ verificationSent: z.literal(true) });

/**
 * `next`: the page to go to once signed up, when one was asked for (carried from log-in);
 * `requireEmail`: the API refuses a sign-up without an address; `emailEnabled`: it sends mail;
 * `external`: the "Continue with …" links (null: no provider).
 */
export function SignUpForm({
  next,
  requireEmail,
  emailEnabled,
  external = null,
}: {
  next: string | null;
  requireEmail: boolean;
  emailEnabled: boolean;
  external?: ReactNode;
}) {
  const base = useApiBase();
  const router = useRouter();
  // Read as they are typed, for the strength meter: a password built on the username is weak.
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // The address a verification mail went to, once the API said so; the form gives way to "check your mail".
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: { username: 'Username is required.', ...(requireEmail ? { email: 'Email is required.' } : {}), password: 'Password is required.' },
    submit: async (data) => {
      const username = String(data.get('username'));
      const email = String(data.get('email')).trim();
      const password = String(data.get('password'));
      const registered = await postJson(base, '/auth/register', { username, password, email: email || undefined });
      if (!registered.ok) return fromProblem(registered.problem);
      if (verificationSentSchema.safeParse(registered.body).success) {
        setSentTo(email);
        return CLEAN;
      }

      // Registering does not sign in; logging in with the same details does.
      const loggedIn = await postJson(base, '/auth/login', { username, password });
      if (!loggedIn.ok) {
        return { ...fromProblem(loggedIn.problem), error: `Your account was created, but logging in failed: ${loggedIn.problem.message}`, retryable: false };
      }
      router.replace(next ?? '/dashboard');
      return 'leaving';
    },
  });

  if (sentTo !== null) return <CheckYourMail email={sentTo} next={next} />;

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
        label={requireEmail ? 'Email' : 'Email (optional)'}
        type="email"
        autoComplete="email"
        required={requireEmail}
        errors={outcome.fieldErrors.email}
        hint={emailEnabled ? 'We send a link to verify it; it also lets you reset a forgotten password.' : undefined}
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
      {external && (
        <>
          <p className="divider">or</p>
          {external}
        </>
      )}
      <p className="aside">
        Have an account? <Link href={withNext('/auth/log-in', next)}>Log in</Link>
      </p>
    </form>
  );
}

/** In place of the form once the mail is sent; focus moves to its heading so the change is announced. */
function CheckYourMail({ email, next }: { email: string; next: string | null }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="card" aria-labelledby="check-mail-heading">
      <h1 id="check-mail-heading" ref={heading} tabIndex={-1}>
        Check your mail
      </h1>
      <p role="status">
        We sent a message to <strong>{email}</strong>. Open the link in it to verify your address, then log in.
      </p>
      <p className="hint">No mail after a few minutes? Look in your spam folder, or log in to ask for a new link.</p>
      <p className="aside">
        <Link href={withNext('/auth/log-in', next)}>Log in</Link>
      </p>
    </section>
  );
}
