'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, FormError, FormNotice, SubmitButton } from '@/components/field';
import { ResendVerification } from '@/components/resend-verification';
import { fromProblem, useFormSubmit } from '@/components/use-form-submit';
import { postJson } from '@/lib/api/client';
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
  /** `restarted`: why the password is asked again (the pending sign-in ended), until the next submit. */
  | { readonly kind: 'password'; readonly restarted: string | null }
  | { readonly kind: 'second-factor'; readonly methods: readonly SecondFactorMethod[] };

/**
 * `next`: the page to go to afterwards, when one was asked for; `notice`: why the visitor is here;
 * `emailEnabled`: whether the API sends mail (else no link here promises one).
 *
 * Two steps in one place: the password (or a passkey, from the button or the username field's
 * autofill), then, for an account with a second factor, its code or passkey. A live region says
 * when the second step appears, and focus moves into it.
 */
export function LogInForm({ next, notice, emailEnabled }: { next: string | null; notice: LogInNotice | null; emailEnabled: boolean }) {
  const router = useRouter();
  const passkeysHere = usePasskeysHere();
  const passkeyDeps = usePasskeyDeps();
  const [step, setStep] = useState<Step>({ kind: 'password', restarted: null });
  const [announcement, setAnnouncement] = useState('');

  const finish = () => router.replace(next ?? '/dashboard');
  const askSecondFactor = (methods: readonly SecondFactorMethod[]) => {
    setStep({ kind: 'second-factor', methods });
    setAnnouncement(`Password accepted. Two-step verification: ${STEP_LEADS[firstMode(methods, passkeysHere)]}`);
  };
  const restart = (message: string | null) => {
    setStep({ kind: 'password', restarted: message });
    setAnnouncement(message ? '' : 'Back to the password.');
  };

  return (
    <>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
      {step.kind === 'password' ? (
        <PasswordStep
          next={next}
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

  const continueTo = continueMessage(next);
  return (
    <div className="card">
      <h1>Log in</h1>
      {continueTo && <p className="form-lead">{continueTo}</p>}
      {notice && <FormNotice>{NOTICE_MESSAGES[notice]}</FormNotice>}
      <form {...formProps}>
        <FormError message={outcome.error ?? restarted} onRetry={outcome.retryable ? retry : undefined} />
        {unverified !== null && outcome.error && emailEnabled && <ResendVerification username={unverified} />}
        {/* "webauthn": the browser may offer this site's passkeys among the suggestions. */}
        <Field name="username" label="Username or email" autoComplete="username webauthn" required errors={outcome.fieldErrors.username} autoFocus />
        <Field name="password" label="Password" type="password" autoComplete="current-password" required errors={outcome.fieldErrors.password} />
        <SubmitButton busy={busy} label="Log in" busyLabel="Logging in…" />
      </form>
      {passkeysHere && (
        <>
          <p className="divider">or</p>
          <PasskeyButton label="Sign in with a passkey" busyLabel="Waiting for your passkey…" error={passkeyError} onError={setPasskeyError} run={passkeyDialog} />
        </>
      )}
      {emailEnabled && (
        <p className="aside">
          <Link href="/auth/forgot-password">Forgot password?</Link>
        </p>
      )}
      <p className="aside">
        No account? <Link href={withNext('/auth/sign-up', next)}>Sign up</Link>
      </p>
    </div>
  );
}
