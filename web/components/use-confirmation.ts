'use client';

import { useRef, useState, useTransition } from 'react';

/**
 * What a confirmed action came to: an error to show in the dialog, the message for the live region,
 * or that message with `leaving` once it has sent the browser elsewhere (the dialog stays open then:
 * nothing on this page is left to act on).
 */
export type ConfirmationOutcome = { readonly error: string } | { readonly done: string; readonly leaving?: true };

/**
 * The behaviour the ask-first actions share: the action waiting in a ConfirmDialog, its error and
 * busy state, and once done a message in a live region that takes focus, since the button that
 * had it may be gone. Spread `dialog` into the ConfirmDialog; put `status` on the live region.
 */
export function useConfirmation<A>(perform: (action: A) => Promise<ConfirmationOutcome>) {
  const [confirming, setConfirming] = useState<A | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const [pending, startTransition] = useTransition();
  const status = useRef<HTMLParagraphElement>(null);

  const ask = (action: A) => {
    setError(null);
    setConfirming(action);
  };

  const confirm = () => {
    if (confirming === null) return;
    const action = confirming;
    startTransition(async () => {
      const outcome = await perform(action);
      if ('error' in outcome) {
        setError(outcome.error);
        return;
      }
      setMessage(outcome.done);
      if (outcome.leaving) return;
      setConfirming(null);
      status.current?.focus();
    });
  };

  return {
    confirming,
    ask,
    pending,
    message,
    status,
    dialog: { open: confirming !== null, pending, error, onConfirm: confirm, onClose: () => setConfirming(null) },
  };
}
