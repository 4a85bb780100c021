'use client';

import { useEffect, useMemo, useRef, useState, useTransition } from 'react';
import { useApiBase } from '@/components/api-base';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { Field, FormError, SubmitButton } from '@/components/field';
import { useReauthentication } from '@/components/reauthentication';
import { CLEAN, fromProblem, useFormSubmit } from '@/components/use-form-submit';
import { deleteResource, postJson } from '@/lib/api/client';
import { groupKey, normalizeTotpCode } from '@/lib/mfa/codes';
import { qrShape } from '@/lib/mfa/qr';
import { recoveryCodesSchema, totpSetupSchema } from '@/lib/mfa/status';
import type { SectionProps } from './security-settings';

interface Setup {
  readonly secret: string;
  readonly otpauthUri: string;
}

/** The authenticator app: its state, "Set up" (QR code, key, a code to confirm) and "Turn off". */
export function AuthenticatorSection({ overview, reload, announce, showCodes }: SectionProps) {
  const base = useApiBase();
  const withReauthentication = useReauthentication();
  const [setup, setSetup] = useState<Setup | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmingOff, setConfirmingOff] = useState(false);
  const [pending, startTransition] = useTransition();
  const enabled = overview.mfa.totpEnabled;

  const start = () =>
    startTransition(async () => {
      setError(null);
      const result = await withReauthentication(() => postJson(base, '/auth/mfa/totp/setup'));
      if (!result.ok) {
        // Turned on meanwhile (another tab): the fresh state says so.
        if (result.problem.code === 'totp_already_enabled') await reload();
        setError(result.problem.message);
        return;
      }
      const parsed = totpSetupSchema.safeParse(result.body);
      if (!parsed.success) {
        setError('The sign-in service sent a setup this page cannot show. Please try again.');
        return;
      }
      setSetup(parsed.data);
    });

  const turnOff = () =>
    startTransition(async () => {
      setError(null);
      const result = await withReauthentication(() => deleteResource(base, '/auth/mfa/totp'));
      // 409: it was off already, which is what was asked for.
      if (!result.ok && result.problem.code !== 'totp_not_enabled') {
        setError(result.problem.message);
        return;
      }
      await reload();
      setConfirmingOff(false);
      announce('Authenticator app turned off. Logging in no longer asks for its code.');
    });

  return (
    <section className="panel security-section" aria-labelledby="totp-heading">
      <div className="section-head">
        <h2 id="totp-heading">Authenticator app</h2>
        <span className={enabled ? 'badge' : 'badge off'}>{enabled ? 'On' : 'Off'}</span>
      </div>
      <p>
        {enabled
          ? 'When you log in, Gatehouse asks for the 6-digit code your app shows.'
          : 'An app such as Google Authenticator, Microsoft Authenticator or 1Password shows a new 6-digit code every 30 seconds.'}
      </p>
      {!setup && <FormError message={confirmingOff ? null : error} />}
      {setup ? (
        <TotpSetup
          setup={setup}
          onCancel={() => {
            setSetup(null);
            announce('Setup cancelled. The authenticator app is still off.');
          }}
          onConfirmed={async (codes) => {
            setSetup(null);
            const shown = showCodes(codes);
            await reload();
            announce('Authenticator app turned on.', !shown);
          }}
        />
      ) : (
        <div className="actions">
          {enabled ? (
            <button type="button" className="danger-outline small" onClick={() => setConfirmingOff(true)} disabled={pending}>
              Turn off
            </button>
          ) : (
            <button type="button" className="small" onClick={start} disabled={pending}>
              {pending ? 'Starting…' : 'Set up'}
            </button>
          )}
        </div>
      )}
      <ConfirmDialog
        open={confirmingOff}
        title="Turn off the authenticator app?"
        confirmLabel="Turn off"
        pendingLabel="Turning off…"
        pending={pending}
        error={error}
        onConfirm={turnOff}
        onClose={() => setConfirmingOff(false)}
      >
        <p>
          Logging in will no longer ask for a code from your app.
          {overview.mfa.passkeyCount === 0 && ' Your password alone will then protect your account.'}
        </p>
      </ConfirmDialog>
    </section>
  );
}

/** Scan or type the key, then prove it works with the current code; only then is it turned on. */
function TotpSetup({ setup, onCancel, onConfirmed }: { setup: Setup; onCancel: () => void; onConfirmed: (codes: readonly string[]) => Promise<void> }) {
  const base = useApiBase();
  const withReauthentication = useReauthentication();
  const shape = useMemo(() => qrShape(setup.otpauthUri), [setup.otpauthUri]);
  const key = groupKey(setup.secret);
  const [copied, setCopied] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);

  // The setup replaced the button that had focus.
  useEffect(() => heading.current?.focus(), []);

  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: { totpCode: 'Enter the 6-digit code from your app.' },
    submit: async (data) => {
      const code = normalizeTotpCode(String(data.get('totpCode')));
      if (code.length !== 6) return { ...CLEAN, error: 'Please fix the fields marked below.', fieldErrors: { totpCode: ['The code has 6 digits.'] } };
      const result = await withReauthentication(() => postJson(base, '/auth/mfa/totp/confirm', { code }));
      if (!result.ok) {
        if (result.problem.code === 'code_invalid') {
          return {
            ...CLEAN,
            error: 'Please fix the fields marked below.',
            fieldErrors: { totpCode: ['That code is not right. Enter the code the app shows now; check that your phone’s clock is set automatically.'] },
          };
        }
        if (result.problem.code === 'totp_setup_missing') return { ...CLEAN, error: 'This setup has expired. Cancel and start again.' };
        return fromProblem(result.problem);
      }
      const parsed = recoveryCodesSchema.safeParse(result.body);
      await onConfirmed(parsed.success ? parsed.data.recoveryCodes : []);
      return CLEAN;
    },
  });

  const copyKey = async () => {
    try {
      await navigator.clipboard.writeText(setup.secret);
      setCopied('Key copied.');
    } catch {
      setCopied('Copying is blocked in this browser. Select the key and copy it, or type it.');
    }
  };

  return (
    <div className="totp-setup">
      <h3 ref={heading} tabIndex={-1}>
        Set up your authenticator app
      </h3>
      <ol className="steps">
        <li>
          <p>Scan this QR code with the app.</p>
          <div className="qr">
            {/* Dark on white in both themes, with the four-module quiet zone scanners expect. */}
            <svg role="img" aria-label="QR code of your authenticator key" viewBox={`-4 -4 ${shape.size + 8} ${shape.size + 8}`} shapeRendering="crispEdges">
              <rect x={-4} y={-4} width={shape.size + 8} height={shape.size + 8} fill="#fff" />
              <path d={shape.path} fill="#000" />
            </svg>
          </div>
        </li>
        <li>
          <p>Or, if you cannot scan it, type this key into the app:</p>
          <div className="key-row">
            <code className="secret" data-testid="totp-key">
              {key}
            </code>
            <button type="button" className="secondary small" onClick={() => void copyKey()}>
              Copy key
            </button>
          </div>
          <p role="status" className="hint">
            {copied}
          </p>
        </li>
        <li>
          <form {...formProps} className="code-form">
            <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
            <Field
              name="totpCode"
              label="Enter the 6-digit code the app shows"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              required
              errors={outcome.fieldErrors.totpCode}
            />
            <div className="actions">
              <SubmitButton busy={busy} label="Turn on" busyLabel="Checking…" />
              <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
                Cancel
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}
