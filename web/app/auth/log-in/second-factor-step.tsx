'use client';

import { useEffect, useRef, useState } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, FormError, SubmitButton } from '@/components/field';
import { CLEAN, fromProblem, useFormSubmit } from '@/components/use-form-submit';
import { postJson } from '@/lib/api/client';
import { firstMode, MESSAGES, normaliseCode, normaliseRecoveryCode, offersPasskey, otherModes, secondFactorVerdict } from '@/lib/auth/second-factor';
import type { CodeMode, SecondFactorMethod } from '@/lib/auth/second-factor';
import { signInWithPasskey } from '@/lib/passkeys/sign-in';
import type { PasskeySignInDeps } from '@/lib/passkeys/sign-in';
import { PasskeyButton } from './passkey-sign-in';

/** What the step asks for, per field it shows; also what the page announces when the step appears. */
export const STEP_LEADS: Record<CodeMode, string> = {
  totp: 'Enter the 6-digit code from your authenticator app.',
  recovery_code: 'Enter one of the recovery codes you saved when you set up two-step verification.',
  none: 'Use your passkey to finish signing in.',
};

const SWITCH_LABELS: Record<'totp' | 'recovery_code', string> = {
  totp: 'Use your authenticator app',
  recovery_code: 'Use a recovery code',
};

/**
 * The second step of a sign-in, after a right password on an account with a second factor: the
 * authenticator app's code, a recovery code, or a passkey. The pending sign-in lives in an httpOnly
 * cookie the API set; this step only sends what the person proves. `onRestart` goes back to the
 * password when the pending sign-in is gone, with the reason (null: the person chose to).
 */
export function SecondFactorStep({
  methods,
  passkeysHere,
  passkeyDeps,
  onSignedIn,
  onRestart,
}: {
  methods: readonly SecondFactorMethod[];
  passkeysHere: boolean;
  passkeyDeps: PasskeySignInDeps;
  onSignedIn: () => void;
  onRestart: (message: string | null) => void;
}) {
  const [mode, setMode] = useState<CodeMode>(() => firstMode(methods, passkeysHere));
  const [passkeyError, setPasskeyError] = useState<string | null>(null);
  const passkey = offersPasskey(methods, passkeysHere);
  const heading = useRef<HTMLHeadingElement>(null);

  // With a field, autoFocus puts the person in it; with only a passkey button, the heading gets focus,
  // so a screen reader starts reading the new step rather than from the top of the page.
  useEffect(() => {
    if (!heading.current?.closest('.card')?.querySelector('input')) heading.current?.focus();
  }, []);

  const tryPasskey = async (): Promise<string | null | 'leaving'> => {
    const result = await signInWithPasskey(passkeyDeps);
    if (result.kind === 'signed-in') {
      onSignedIn();
      return 'leaving';
    }
    if (result.kind === 'cancelled') return null;
    // The API asks for a second factor only after a first one; a passkey is never that first here.
    if (result.kind === 'second-factor') return MESSAGES.passkeyFailed;
    const verdict = secondFactorVerdict(result.problem);
    if (verdict.kind === 'restart') {
      onRestart(verdict.message);
      return null;
    }
    return verdict.problem.message;
  };

  return (
    <div className="card">
      <h1 ref={heading} tabIndex={-1}>
        Two-step verification
      </h1>
      <p className="form-lead">{STEP_LEADS[mode]}</p>
      {mode !== 'none' && <CodeForm key={mode} mode={mode} onSignedIn={onSignedIn} onRestart={onRestart} />}
      {passkey && (
        <PasskeyButton
          label="Use a passkey"
          busyLabel="Waiting for your passkey…"
          primary={mode === 'none'}
          error={passkeyError}
          onError={setPasskeyError}
          run={tryPasskey}
        />
      )}
      <ul className="step-links">
        {otherModes(methods, mode).map((other) => (
          <li key={other}>
            <button type="button" className="text-button" onClick={() => setMode(other)}>
              {SWITCH_LABELS[other]}
            </button>
          </li>
        ))}
        <li>
          <button type="button" className="text-button" onClick={() => onRestart(null)}>
            Start over
          </button>
        </li>
      </ul>
    </div>
  );
}

/** The code's form: the app's six digits (`code`) or a recovery code (`recoveryCode`) → `POST /auth/login/mfa`. */
function CodeForm({ mode, onSignedIn, onRestart }: { mode: 'totp' | 'recovery_code'; onSignedIn: () => void; onRestart: (message: string | null) => void }) {
  const base = useApiBase();
  const field = mode === 'totp' ? 'code' : 'recoveryCode';
  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: { [field]: mode === 'totp' ? 'Enter the code from your authenticator app.' : 'Enter one of your recovery codes.' },
    submit: async (data) => {
      const typed = String(data.get(field));
      let body: { code: string } | { recoveryCode: string };
      if (mode === 'totp') {
        const code = normaliseCode(typed);
        // Not six digits: caught here, so a typo does not cost one of the pending sign-in's attempts.
        if (code === null) return { ...CLEAN, error: 'Please fix the fields marked below.', fieldErrors: { code: [MESSAGES.codeFormat] } };
        body = { code };
      } else {
        body = { recoveryCode: normaliseRecoveryCode(typed) };
      }
      const result = await postJson(base, '/auth/login/mfa', body);
      if (result.ok) {
        onSignedIn();
        return 'leaving';
      }
      const verdict = secondFactorVerdict(result.problem);
      if (verdict.kind === 'restart') {
        onRestart(verdict.message);
        return CLEAN;
      }
      return fromProblem(verdict.problem);
    },
  });
  return (
    <form {...formProps}>
      <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
      {mode === 'totp' ? (
        <Field
          name="code"
          label="Authentication code"
          inputMode="numeric"
          autoComplete="one-time-code"
          spellCheck={false}
          required
          errors={outcome.fieldErrors.code}
          autoFocus
        />
      ) : (
        <Field
          name="recoveryCode"
          label="Recovery code"
          autoComplete="off"
          autoCapitalize="none"
          autoCorrect="off"
          spellCheck={false}
          required
          errors={outcome.fieldErrors.recoveryCode}
          autoFocus
        />
      )}
      <SubmitButton busy={busy} label="Verify" busyLabel="Verifying…" />
    </form>
  );
}
