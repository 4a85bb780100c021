'use client';

import { useEffect, useRef, useState, useTransition } from 'react';
import { useApiBase } from '@/components/api-base';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { FormError } from '@/components/field';
import { useReauthentication } from '@/components/reauthentication';
import { postJson } from '@/lib/api/client';
import { RECOVERY_CODES_FILE, recoveryCodesText } from '@/lib/mfa/codes';
import { recoveryCodesSchema } from '@/lib/mfa/status';
import type { SectionProps } from './security-settings';

/** Codes the API has just issued; they exist in this page's memory only until dismissed. */
export interface IssuedCodes {
  readonly codes: readonly string[];
  readonly createdAt: Date;
}

// Fewer than this many unused codes: the section suggests making new ones.
const LOW = 3;

/** How many recovery codes are left, and "Make new codes" (the old ones stop working). */
export function RecoveryCodesSection({ overview, reload, announce, showCodes }: SectionProps) {
  const base = useApiBase();
  const withReauthentication = useReauthentication();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const { totpEnabled, passkeyCount, recoveryCodesRemaining: left } = overview.mfa;
  const hasFactor = totpEnabled || passkeyCount > 0;

  const replace = () =>
    startTransition(async () => {
      setError(null);
      const result = await withReauthentication(() => postJson(base, '/auth/mfa/recovery-codes'));
      const parsed = result.ok ? recoveryCodesSchema.safeParse(result.body) : null;
      if (!result.ok || !parsed?.success) {
        setError(result.ok ? 'The sign-in service sent codes this page cannot show. Please try again.' : result.problem.message);
        return;
      }
      setConfirming(false);
      const shown = showCodes(parsed.data.recoveryCodes);
      await reload();
      announce('New recovery codes made. The old ones no longer work.', !shown);
    });

  return (
    <section className="panel security-section" aria-labelledby="recovery-heading">
      <div className="section-head">
        <h2 id="recovery-heading">Recovery codes</h2>
        {hasFactor && <span className={left > LOW ? 'badge' : 'badge warn'}>{left === 1 ? '1 left' : `${left} left`}</span>}
      </div>
      {hasFactor ? (
        <>
          <p>
            Each code lets you log in once when you cannot use your authenticator app or passkey.{' '}
            {left === 0 ? 'You have used them all: make new ones now.' : left <= LOW ? 'You are running low: make new ones soon.' : ''}
          </p>
          <div className="actions">
            <button type="button" className="secondary small" onClick={() => setConfirming(true)} disabled={pending}>
              Make new codes
            </button>
          </div>
        </>
      ) : (
        <p>You get ten recovery codes when you set up your first second factor.</p>
      )}
      <ConfirmDialog
        open={confirming}
        title="Make new recovery codes?"
        confirmLabel="Make new codes"
        pendingLabel="Making codes…"
        pending={pending}
        error={error}
        onConfirm={replace}
        onClose={() => setConfirming(false)}
      >
        <p>Your current recovery codes stop working at once, including any you have saved or printed.</p>
      </ConfirmDialog>
    </section>
  );
}

/**
 * The codes, shown once: a list to read, Copy, and Download as text. They are not kept anywhere
 * but this component's props, so leaving the page or "I have saved them" ends them here.
 */
export function RecoveryCodesPanel({ issued, username, onDone }: { issued: IssuedCodes; username: string; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);

  // It appears where the person was not looking: take them to it.
  useEffect(() => heading.current?.focus(), [issued]);

  const text = () => recoveryCodesText(issued.codes, { username, createdAt: issued.createdAt });

  const copy = async () => {
    setError(null);
    try {
      await navigator.clipboard.writeText(issued.codes.join('\n'));
      setStatus('Codes copied.');
    } catch {
      setError('Copying is blocked in this browser. Download the codes, or write them down.');
    }
  };

  const download = () => {
    const url = URL.createObjectURL(new Blob([text()], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = RECOVERY_CODES_FILE;
    link.click();
    // After the click has handed the file to the browser.
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
    setStatus(`Saved as ${RECOVERY_CODES_FILE}.`);
  };

  return (
    <section className="panel codes-panel" aria-labelledby="codes-heading">
      <h2 id="codes-heading" ref={heading} tabIndex={-1}>
        Save your recovery codes
      </h2>
      <p className="codes-warning">
        <strong>You will not see these again.</strong> Each code logs you in once if you lose your authenticator app or passkey. Keep them
        somewhere safe, apart from your password.
      </p>
      <ol className="recovery-codes" aria-label="Recovery codes">
        {issued.codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <FormError message={error} />
      <div className="actions">
        <button type="button" className="secondary small" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="secondary small" onClick={download}>
          Download as text
        </button>
        <button type="button" className="small" onClick={onDone}>
          I have saved them
        </button>
      </div>
      <p role="status" className="hint">
        {status}
      </p>
    </section>
  );
}
