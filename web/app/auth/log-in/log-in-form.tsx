'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, FormError, FormNotice, SubmitButton } from '@/components/field';
import { ResendVerification } from '@/components/resend-verification';
import { fromProblem, useFormSubmit } from '@/components/use-form-submit';
import { getJson, postJson } from '@/lib/api/client';
import { LINK_MESSAGES } from '@/lib/auth/external';
import { continueMessage, forgetNotice, NOTICE_MESSAGES } from '@/lib/auth/log-in-notice';
import type { LogInNotice } from '@/lib/auth/log-in-notice';
import { firstMode, passkeyProblem, readSignInAnswer } from '@/lib/auth/second-factor';
import type { SecondFactorMethod } from '@/lib/auth/second-factor';
import { UNVERIFIED_MESSAGE } from '@/lib/email/messages';
import { signInWithPasskey } from '@/lib/passkeys/sign-in';
import type { PasskeySignIn, PasskeySignInDeps } from '@/lib/passkeys/sign-in';
import { withNext } from '@/lib/safe-next';
import { PasskeyButton, useConditionalPasskey, usePasskeyDeps, usePasskeysHere } from './passkey-sign-in';
import { SecondFactorStep, STEP_LEADS } from './second-factor-step';

type Step =
  /** Back from an identity provider that signed the person in: asking the API which second factors it waits for. */
  | { readonly kind: 'resuming' }
  /** `restarted`: why the password is asked again (the pending sign-in ended), until the next submit. */
  | { readonly kind: 'password'; readonly restarted: string | null }
  | { readonly kind: 'second-factor'; readonly methods: readonly SecondFactorMethod[] };

/** What a page that signs in for another purpose (linking a provider) changes in the form. */
export interface SignInPurpose {
  readonly title: string;
  readonly lead: ReactNode;
  /** Runs once signed in, in place of going to `next`. */
  readonly onSignedIn: () => void;
}

/**
 * `next`: the page to go to afterwards, when one was asked for; `notice`: why the visitor is here;
 * `emailEnabled`: whether the API sends mail (else no link here promises one); `external`: the
 * "Continue with …" links (null: no provider); `resumeMfa`: back from a provider with a second
 * factor owed (`?mfa=1`), so the page starts at the code step; `purpose`: another page's use of it.
 *
 * Two steps in one place: the password (or a passkey, from the button or the username field's
 * autofill), then, for an account with a second factor, its code or passkey. A live region says
 * when the second step appears, and focus moves into it.
 */
export function LogInForm({
  next,
  notice,
  emailEnabled,
  external = null,
  resumeMfa = false,
  purpose,
}: {
  next: string | null;
  notice: LogInNotice | null;
  emailEnabled: boolean;
  external?: ReactNode;
  resumeMfa?: boolean;
  purpose?: SignInPurpose;
}) {
  const router = useRouter();
  const base = useApiBase();
  const passkeysHere = usePasskeysHere();
  const passkeyDeps = usePasskeyDeps();
  const [step, setStep] = useState<Step>(resumeMfa ? { kind: 'resuming' } : { kind: 'password', restarted: null });
  const [announcement, setAnnouncement] = useState('');

  const finish = purpose?.onSignedIn ?? (() => router.replace(next ?? '/dashboard'));
  const askSecondFactor = (methods: readonly SecondFactorMethod[], first = 'Password accepted.') => {
    setStep({ kind: 'second-factor', methods });
    setAnnouncement(`${first} Two-step verification: ${STEP_LEADS[firstMode(methods, passkeysHere)]}`);
  };

  // Back from a provider that owes a second factor: the pending sign-in is in an httpOnly cookie,
  // so the API says which methods it waits for. Without it (expired, used up) the password step
  // says so. The address loses `mfa=1`, so a reload starts a plain log-in.
  useEffect(() => {
    if (!resumeMfa) return;
    let live = true;
    void getJson(base, '/auth/login/mfa').then((result) => {
      if (!live) return;
      window.history.replaceState(null, '', withNext('/auth/log-in', next));
      const answer = result.ok ? readSignInAnswer(result.body) : null;
      if (answer?.kind === 'second-factor') {
        askSecondFactor(answer.methods, 'Signed in with your provider.');
        return;
      }
      const expired = result.ok || result.problem.status === 401 || result.problem.status === 404;
      setStep({ kind: 'password', restarted: expired ? LINK_MESSAGES.signInExpired : result.problem.message });
    });
    return () => {
      live = false;
    };
    // Once, when the page opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const restart = (message: string | null) => {
    setStep({ kind: 'password', restarted: message });
    setAnnouncement(message ? '' : 'Back to the password.');
  };

  return (
    <>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
      {step.kind === 'resuming' ? (
        <div className="card" aria-busy="true">
          <h1>{purpose?.title ?? 'Log in'}</h1>
          <p className="form-lead">Finishing your sign-in…</p>
        </div>
      ) : step.kind === 'password' ? (
        <PasswordStep
          next={next}
          external={external}
          purpose={purpose}
          notice={notice}
          emailEnabled={emailEnabled}
          restarted={step.restarted}
          onRestartSeen={() => setStep({ kind: 'password', restarted: null })}
          passkeysHere={passkeysHere}
          passkeyDeps={passkeyDeps}
          onSignedIn={finish}
          onSecondFactor={askSecondFactor}
        />
      ) : (
        <SecondFactorStep methods={step.methods} passkeysHere={passkeysHere} passkeyDeps={passkeyDeps} onSignedIn={finish} onRestart={restart} />
      )}
    </>
  );
}

function PasswordStep({
  next,
  external,
  purpose,
  notice,
  emailEnabled,
  restarted,
  onRestartSeen,
  passkeysHere,
  passkeyDeps,
  onSignedIn,
  onSecondFactor,
}: {
  next: string | null;
  external: ReactNode;
  purpose: SignInPurpose | undefined;
  notice: LogInNotice | null;
  emailEnabled: boolean;
  restarted: string | null;
  onRestartSeen: () => void;
  passkeysHere: boolean;
  passkeyDeps: PasskeySignInDeps;
  onSignedIn: () => void;
  onSecondFactor: (methods: readonly SecondFactorMethod[]) => void;
}) {
  const base = useApiBase();
  // The name the API refused as unverified, for the "Send a new link" button; null otherwise.
  const [unverified, setUnverified] = useState<string | null>(null);
  const [passkeyError, setPasskeyError] = useState<string | null>(null);

  /** What a passkey sign-in came to, as the message to show (null: none); `leaving` once signed in. */
  const afterPasskey = (result: PasskeySignIn): string | null | 'leaving' => {
    switch (result.kind) {
      case 'signed-in':
        onSignedIn();
        return 'leaving';
      case 'second-factor':
        onSecondFactor(result.methods);
        return null;
      case 'cancelled':
        return null;
      case 'failed':
        return passkeyProblem(result.problem).message;
    }
  };

  // Autofill: the username field offers the browser's passkeys while this step shows.
  const autofill = useConditionalPasskey(passkeysHere, passkeyDeps, (result) => {
    const message = afterPasskey(result);
    if (message !== 'leaving') setPasskeyError(message);
  });

  const { outcome, busy, retry, formProps } = useFormSubmit({
    // In the API's words: it would answer the same, one round trip later.
    required: { username: 'Username is required.', password: 'Password is required.' },
    submit: async (data) => {
      const username = String(data.get('username'));
      setUnverified(null);
      setPasskeyError(null);
      if (restarted) onRestartSeen();
      const result = await postJson(base, '/auth/login', { username, password: String(data.get('password')) });
      if (!result.ok) {
        // The right password for an address not yet verified (only when the API requires it).
        if (result.problem.code === 'email_unverified') {
          setUnverified(username);
          return { ...fromProblem(result.problem), error: UNVERIFIED_MESSAGE };
        }
        return fromProblem(result.problem);
      }
      const answer = readSignInAnswer(result.body);
      if (answer.kind === 'second-factor') {
        onSecondFactor(answer.methods);
        return 'leaving';
      }
      onSignedIn();
      return 'leaving';
    },
  });

  // A dialog of its own: the autofill's wait ends first (one passkey request at a time), and
  // starts again when the dialog closed without a sign-in.
  const passkeyDialog = async (): Promise<string | null | 'leaving'> => {
    autofill.stop();
    const outcome = afterPasskey(await signInWithPasskey(passkeyDeps));
    if (outcome !== 'leaving') autofill.restart();
    return outcome;
  };

  // Shown once: a reload of this page does not say it again.
  useEffect(() => {
    if (notice) forgetNotice();
  }, [notice]);

  const lead = purpose ? purpose.lead : continueMessage(next);
  return (
    <div className="card">
      <h1>{purpose?.title ?? 'Log in'}</h1>
      {lead && <p className="form-lead">{lead}</p>}
      {notice && <FormNotice>{NOTICE_MESSAGES[notice]}</FormNotice>}
      <form {...formProps}>
        <FormError message={outcome.error ?? restarted} onRetry={outcome.retryable ? retry : undefined} />
        {unverified !== null && outcome.error && emailEnabled && <ResendVerification username={unverified} />}
        {/* "webauthn": the browser may offer this site's passkeys among the suggestions. */}
        <Field name="username" label="Username or email" autoComplete="username webauthn" required errors={outcome.fieldErrors.username} autoFocus />
        <Field name="password" label="Password" type="password" autoComplete="current-password" required errors={outcome.fieldErrors.password} />
        <SubmitButton busy={busy} label="Log in" busyLabel="Logging in…" />
      </form>
      {(passkeysHere || external) && <p className="divider">or</p>}
      {passkeysHere && (
        <PasskeyButton label="Sign in with a passkey" busyLabel="Waiting for your passkey…" error={passkeyError} onError={setPasskeyError} run={passkeyDialog} />
      )}
      {external}
      {emailEnabled && (
        <p className="aside">
          <Link href="/auth/forgot-password">Forgot password?</Link>
        </p>
      )}
      {!purpose && (
        <p className="aside">
          No account? <Link href={withNext('/auth/sign-up', next)}>Sign up</Link>
        </p>
      )}
    </div>
  );
}
