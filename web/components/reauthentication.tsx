'use client';

import { createContext, useCallback, useContext, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { useApiBase } from '@/components/api-base';
import { Field, FormError } from '@/components/field';
import { getJson, postJson } from '@/lib/api/client';
import type { ApiResult } from '@/lib/api/client';
import { createReauthenticator } from '@/lib/auth/reauthentication';
import type { WithReauthentication } from '@/lib/auth/reauthentication';
import { normalizeTotpCode } from '@/lib/mfa/codes';
import { ceremonySchema, mfaStatusSchema } from '@/lib/mfa/status';
import { getPasskey, passkeysSupported, wasCancelled } from '@/lib/passkeys/browser';

// Outside a provider (a page that never meets the step-up) calls go as they are.
const ReauthenticationContext = createContext<WithReauthentication>((call) => call());

/**
 * `const withReauthentication = useReauthentication(); await withReauthentication(() => postJson(…))`:
 * when the API answers `reauthentication_required`, the dialog asks who it is, and the call is made
 * again once they have confirmed. The result is the repeated call's, or a "cancelled" problem.
 */
export function useReauthentication(): WithReauthentication {
  return useContext(ReauthenticationContext);
}

/**
 * Holds the one "Confirm it's you" dialog of the signed-in pages (in the dashboard layout), and
 * hands every action a wrapper that opens it (lib/auth/reauthentication.ts has the retry rules).
 */
export function ReauthenticationProvider({ children }: { children: ReactNode }) {
  const [asking, setAsking] = useState<((confirmed: boolean) => void) | null>(null);
  const [withReauthentication] = useState(() =>
    createReauthenticator(() => new Promise<boolean>((resolve) => setAsking(() => resolve))),
  );

  const finish = useCallback(
    (confirmed: boolean) => {
      asking?.(confirmed);
      setAsking(null);
    },
    [asking],
  );

  return (
    <ReauthenticationContext value={withReauthentication}>
      {children}
      <ReauthenticationDialog open={asking !== null} onDone={finish} />
    </ReauthenticationContext>
  );
}

type Way = 'password' | 'code';

// The API's words for "that was not it"; any other refusal (a session that ended meanwhile) is said as the API says it.
const WRONG_ANSWER = new Set(['invalid_credentials', 'code_invalid', 'recovery_code_invalid']);

/** What the dialog offers besides the password, learnt from `GET /auth/mfa` when it opens. */
interface Factors {
  readonly totp: boolean;
  readonly passkey: boolean;
}

/**
 * A native modal <dialog> (the browser makes the page behind it inert and returns focus to the
 * opener on close), as components/confirm-dialog.tsx. Escape and Cancel give up; the action is
 * then not done. The form exists only while the dialog is open, so no second password field sits
 * in the page for password managers and `getByLabel` to trip over.
 */
function ReauthenticationDialog({ open, onDone }: { open: boolean; onDone: (confirmed: boolean) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();

  // A layout effect: it runs before the form's own effects, so the form can focus its field in an open dialog.
  useLayoutEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    else if (!open && element.open) element.close();
  }, [open]);

  return (
    <dialog ref={dialog} className="confirm reauth" aria-labelledby={titleId} aria-describedby={bodyId} onCancel={(event) => event.preventDefault()}
      // Closed by the browser itself (a second Escape may not be refused): the same as Cancel.
      onClose={() => {
        if (open) onDone(false);
      }}
    >
      {open && <ReauthenticationForm titleId={titleId} bodyId={bodyId} onDone={onDone} />}
    </dialog>
  );
}

function ReauthenticationForm({ titleId, bodyId, onDone }: { titleId: string; bodyId: string; onDone: (confirmed: boolean) => void }) {
  const base = useApiBase();
  const [way, setWay] = useState<Way>('password');
  const [factors, setFactors] = useState<Factors>({ totp: false, passkey: false });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    let live = true;
    void getJson(base, '/auth/mfa').then((result) => {
      const status = result.ok ? mfaStatusSchema.safeParse(result.body) : null;
      if (live && status?.success) setFactors({ totp: status.data.totpEnabled, passkey: status.data.passkeyCount > 0 && passkeysSupported() });
    });
    return () => {
      live = false;
    };
  }, [base]);

  // The field of the chosen way gets focus: on open, and after switching.
  useEffect(() => {
    form.current?.querySelector<HTMLInputElement>('input:not([type="hidden"])')?.focus();
  }, [way]);

  // Escape on the dialog: the handler sits here, where `busy` is known (a running check is not abandoned halfway).
  useEffect(() => {
    const element = form.current?.closest('dialog');
    if (!element) return;
    const onCancel = () => {
      if (!busy) onDone(false);
    };
    element.addEventListener('cancel', onCancel);
    return () => element.removeEventListener('cancel', onCancel);
  }, [busy, onDone]);

  const settle = (result: ApiResult, wrong: string) => {
    if (result.ok) {
      onDone(true);
      return;
    }
    if (WRONG_ANSWER.has(result.problem.code ?? '')) {
      setFieldError(wrong);
      form.current?.querySelector<HTMLInputElement>('input:not([type="hidden"])')?.focus();
    } else {
      setError(result.problem.message);
    }
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const value = String(new FormData(event.currentTarget).get(way === 'password' ? 'reauthPassword' : 'reauthCode') ?? '');
    const code = normalizeTotpCode(value);
    setError(null);
    if (way === 'password' ? value === '' : code.length !== 6) {
      setFieldError(way === 'password' ? 'Enter your password.' : 'Enter the 6-digit code from your authenticator app.');
      form.current?.querySelector<HTMLInputElement>('input:not([type="hidden"])')?.focus();
      return;
    }
    setFieldError(null);
    setBusy(true);
    try {
      const result = await postJson(base, '/auth/reauthenticate', way === 'password' ? { password: value } : { code });
      settle(result, way === 'password' ? 'That password is not right.' : 'That code is not right, or it was already used. Wait for the next one.');
    } finally {
      setBusy(false);
    }
  };

  const confirmWithPasskey = async () => {
    if (busy) return;
    setError(null);
    setFieldError(null);
    setBusy(true);
    try {
      const options = await postJson(base, '/auth/passkeys/reauthenticate/options');
      const ceremony = options.ok ? ceremonySchema.safeParse(options.body) : null;
      if (!options.ok || !ceremony?.success) {
        setError(options.ok ? 'The sign-in service sent options this browser cannot use.' : options.problem.message);
        return;
      }
      let credential: unknown;
      try {
        credential = await getPasskey(ceremony.data.options);
      } catch (failure) {
        setError(wasCancelled(failure) ? 'No passkey was used. Try again, or use your password.' : 'This passkey could not be used. Try again, or use your password.');
        return;
      }
      const result = await postJson(base, '/auth/reauthenticate', { passkey: { ceremonyId: ceremony.data.ceremonyId, credential } });
      if (result.ok) onDone(true);
      else setError(result.problem.code === 'passkey_failed' ? 'That passkey was not accepted. Try another, or use your password.' : result.problem.message);
    } finally {
      setBusy(false);
    }
  };

  const switchTo = (next: Way) => {
    setFieldError(null);
    setError(null);
    setWay(next);
  };

  return (
    <form ref={form} onSubmit={submit} noValidate aria-busy={busy}>
      <h2 id={titleId}>Confirm it’s you</h2>
      <p id={bodyId}>
        {way === 'password'
          ? 'This change needs a recent sign-in. Enter your password to go on.'
          : 'This change needs a recent sign-in. Enter the code your authenticator app shows now.'}
      </p>
      <FormError message={error} />
      {way === 'password' ? (
        <Field
          key="password"
          name="reauthPassword"
          label="Your password"
          type="password"
          autoComplete="current-password"
          required
          errors={fieldError ? [fieldError] : []}
        />
      ) : (
        <Field
          key="code"
          name="reauthCode"
          label="Authenticator code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          required
          errors={fieldError ? [fieldError] : []}
        />
      )}
      {(factors.totp || factors.passkey) && (
        <div className="reauth-ways">
          {factors.totp && (
            <button type="button" className="link-button" onClick={() => switchTo(way === 'password' ? 'code' : 'password')} disabled={busy}>
              {way === 'password' ? 'Use a code from your authenticator app' : 'Use your password'}
            </button>
          )}
          {factors.passkey && (
            <button type="button" className="secondary small" onClick={() => void confirmWithPasskey()} disabled={busy}>
              Use a passkey
            </button>
          )}
        </div>
      )}
      <div className="actions">
        <button type="button" className="secondary" onClick={() => onDone(false)} disabled={busy}>
          Cancel
        </button>
        <button type="submit" aria-disabled={busy || undefined}>
          {busy ? 'Checking…' : 'Confirm'}
        </button>
      </div>
    </form>
  );
}
