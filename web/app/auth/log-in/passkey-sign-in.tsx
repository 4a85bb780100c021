'use client';

import { useEffect, useMemo, useRef, useState, useTransition } from 'react';
import { useApiBase } from '@/components/api-base';
import { FormError } from '@/components/field';
import { useClientValue } from '@/components/use-client-value';
import { postJson } from '@/lib/api/client';
import { autofillSupported, getPasskey, passkeysSupported } from '@/lib/passkeys/browser';
import { signInWithPasskey } from '@/lib/passkeys/sign-in';
import type { PasskeySignIn, PasskeySignInDeps } from '@/lib/passkeys/sign-in';

/** Whether this browser can use passkeys; false on the server and before hydration, so nothing mismatches. */
export function usePasskeysHere(): boolean {
  return useClientValue(passkeysSupported, false);
}

/** The ceremony's calls to the API at this page's base (same-origin `/api` or the API's origin). */
export function usePasskeyDeps(): PasskeySignInDeps {
  const base = useApiBase();
  return useMemo((): PasskeySignInDeps => ({ post: (path, body) => postJson(base, path, body), getPasskey }), [base]);
}

/**
 * Passkey autofill: while `enabled` and where the browser offers it, a conditional request waits for
 * the person to pick a passkey in the username field's suggestions. `stop()` ends the wait at once (a
 * browser takes one passkey request at a time, so before a dialog); `restart()` waits again. Leaving
 * the page ends it too.
 */
export function useConditionalPasskey(enabled: boolean, deps: PasskeySignInDeps, onResult: (result: PasskeySignIn) => void) {
  const [round, setRound] = useState(0);
  const controller = useRef<AbortController | null>(null);
  const latest = useRef(onResult);
  useEffect(() => {
    latest.current = onResult;
  });

  useEffect(() => {
    if (!enabled) return;
    const current = new AbortController();
    controller.current = current;
    void (async () => {
      if (!(await autofillSupported()) || current.signal.aborted) return;
      const result = await signInWithPasskey(deps, { conditional: true, signal: current.signal });
      if (current.signal.aborted || result.kind === 'cancelled') return;
      // Options the API would not give: no autofill this time; the button and the password remain.
      if (result.kind === 'failed' && !result.chosen) return;
      latest.current(result);
      // A passkey the API refused: offer the suggestions again, for another one.
      if (result.kind === 'failed') setRound((count) => count + 1);
    })();
    return () => current.abort();
  }, [enabled, deps, round]);

  return {
    stop: () => controller.current?.abort(),
    restart: () => setRound((count) => count + 1),
  };
}

/**
 * A button that runs a passkey ceremony, with its own busy state and the message above it when it
 * failed (`error`, kept by the step so autofill can report there too). `run` answers the message to
 * show, null for none, or `leaving` once the browser is on its way to the next page.
 */
export function PasskeyButton({
  label,
  busyLabel,
  primary = false,
  error,
  onError,
  run,
}: {
  label: string;
  busyLabel: string;
  primary?: boolean;
  error: string | null;
  onError: (message: string | null) => void;
  run: () => Promise<string | null | 'leaving'>;
}) {
  const [pending, startTransition] = useTransition();
  const [leaving, setLeaving] = useState(false);
  const busy = pending || leaving;
  const click = () => {
    if (busy) return;
    onError(null);
    startTransition(async () => {
      const result = await run();
      if (result === 'leaving') setLeaving(true);
      else onError(result);
    });
  };
  return (
    <div className="other-way" aria-busy={busy}>
      <FormError message={error} />
      {/* aria-disabled, not disabled, while busy: it keeps focus, and clicks meanwhile do nothing. */}
      <button type="button" className={primary ? undefined : 'secondary'} aria-disabled={busy || undefined} onClick={click}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}
