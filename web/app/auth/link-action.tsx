'use client';

import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import { useApiBase } from '@/components/api-base';
import { Field, FormError, SubmitButton } from '@/components/field';
import { CLEAN, fromProblem, succeeded, useFormSubmit } from '@/components/use-form-submit';
import { postJson } from '@/lib/api/client';
import { isTokenCode, linkProblemMessage, mailProblemMessage, VERIFICATION_SENT_MESSAGE } from '@/lib/email/messages';
import type { TokenCode } from '@/lib/email/messages';

/** What each mailed link does when its button is pressed, and what the page says before and after. */
const ACTIONS = {
  verify: {
    path: '/auth/email/verify',
    title: 'Verify your email address',
    lead: 'Press the button to confirm that this address is yours.',
    button: 'Verify my email',
    busy: 'Verifying…',
    doneTitle: 'Email verified',
    done: (email: string) => `${email} is verified. You can use it to log in and to reset your password.`,
  },
  confirm: {
    path: '/auth/email/confirm',
    title: 'Confirm your new email address',
    lead: 'Press the button to make this address the one on your account.',
    button: 'Confirm my new email',
    busy: 'Confirming…',
    doneTitle: 'Email changed',
    done: (email: string) => `Your account's address is now ${email}.`,
  },
} as const;

export type LinkAction = keyof typeof ACTIONS;

const doneSchema = z.object({ email: z.string() });

type State = { readonly kind: 'ready' } | { readonly kind: 'done'; readonly email: string } | { readonly kind: 'refused'; readonly code: TokenCode };

/**
 * The page a verification or confirmation mail links to. Opening it changes nothing: mail scanners
 * follow every link, so only the button's POST spends the token. `token` is null for a broken link.
 */
export function LinkActionCard({ action, token, emailEnabled }: { action: LinkAction; token: string | null; emailEnabled: boolean }) {
  const base = useApiBase();
  const text = ACTIONS[action];
  const [state, setState] = useState<State>(token === null ? { kind: 'refused', code: 'token_invalid' } : { kind: 'ready' });
  const heading = useRef<HTMLHeadingElement>(null);
  const shownFirst = useRef(state.kind);

  // The card changes under the visitor: focus goes to its new heading, which says what happened.
  useEffect(() => {
    if (state.kind !== shownFirst.current) heading.current?.focus();
  }, [state.kind]);

  // A form of one button, so it has the forms' busy state and retry; nothing else sends the token.
  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: {},
    submit: async () => {
      const result = await postJson(base, text.path, { token });
      if (result.ok) {
        setState({ kind: 'done', email: doneSchema.safeParse(result.body).data?.email ?? 'Your address' });
        return CLEAN;
      }
      if (isTokenCode(result.problem.code)) {
        setState({ kind: 'refused', code: result.problem.code });
        return CLEAN;
      }
      const mail = mailProblemMessage(result.problem);
      return mail ? { ...fromProblem(result.problem), error: mail } : fromProblem(result.problem);
    },
  });

  if (state.kind === 'done') {
    return (
      <section className="card">
        <h1 ref={heading} tabIndex={-1}>
          {text.doneTitle}
        </h1>
        <p role="status">{text.done(state.email)}</p>
        <p className="actions">
          {/* A full page load: the session may differ from when this page loaded (signed out here, the
              dashboard sends to log-in and back), and the router must not reuse a redirect it prefetched. */}
          <a href="/dashboard" className="button-link">
            Continue
          </a>
        </p>
      </section>
    );
  }

  if (state.kind === 'refused') {
    return (
      <section className="card">
        <h1 ref={heading} tabIndex={-1}>
          {text.title}
        </h1>
        <div role="alert" className="form-error">
          <p>{linkProblemMessage(action, state.code)}</p>
        </div>
        {action === 'verify' ? (
          emailEnabled && state.code !== 'token_used' && <ResendForm />
        ) : (
          <p>To change your address, ask again from your account: a new link goes to the new address.</p>
        )}
        <p className="aside">
          {action === 'verify' ? <Link href="/auth/log-in">Log in</Link> : <Link href="/dashboard/email">Change your email address</Link>}
        </p>
      </section>
    );
  }

  return (
    <form {...formProps} className="card">
      <h1>{text.title}</h1>
      <p className="form-lead">{text.lead}</p>
      <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
      <SubmitButton busy={busy} label={text.button} busyLabel={text.busy} />
    </form>
  );
}

/** A new verification link for a name or address, when the one in hand cannot be used. */
function ResendForm() {
  const base = useApiBase();
  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: { username: 'Username or email is required.' },
    submit: async (data) => {
      const result = await postJson(base, '/auth/email/verification', { username: String(data.get('username')).trim() });
      if (!result.ok) {
        const mail = mailProblemMessage(result.problem);
        return mail ? { ...fromProblem(result.problem), error: mail } : fromProblem(result.problem);
      }
      return succeeded(VERIFICATION_SENT_MESSAGE);
    },
  });
  return (
    <form {...formProps} aria-labelledby="resend-heading">
      <h2 id="resend-heading">Get a new link</h2>
      <p role="status" className={outcome.success ? 'form-status form-success' : 'form-status'}>
        {outcome.success}
      </p>
      <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
      <Field name="username" label="Username or email" autoComplete="username" required errors={outcome.fieldErrors.username} />
      <SubmitButton busy={busy} label="Send a new link" busyLabel="Sending…" />
    </form>
  );
}
