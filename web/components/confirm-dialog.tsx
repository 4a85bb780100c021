'use client';

import { useEffect, useId, useRef } from 'react';
import type { ReactNode } from 'react';
import { FormError } from '@/components/field';

export interface ConfirmDialogProps {
  readonly open: boolean;
  readonly title: string;
  readonly children: ReactNode;
  readonly confirmLabel: string;
  readonly pendingLabel: string;
  readonly pending: boolean;
  readonly error: string | null;
  readonly onConfirm: () => void;
  /** Cancel, Escape, or the action done: the parent sets `open` to false. */
  readonly onClose: () => void;
}

/**
 * Asks before an action that cannot be undone. A native modal <dialog>: the browser makes the
 * rest of the page inert, traps focus inside and returns it to the opener on close. Focus starts
 * on Cancel, so Enter pressed out of habit does nothing harmful. Escape cancels, except while the
 * action runs.
 */
export function ConfirmDialog({ open, title, children, confirmLabel, pendingLabel, pending, error, onConfirm, onClose }: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      element.showModal();
      cancel.current?.focus();
    } else if (!open && element.open) {
      element.close();
    }
  }, [open]);

  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        event.preventDefault(); // the parent closes it, so `open` and the element agree
        if (!pending) onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div id={bodyId}>{children}</div>
      <FormError message={error} />
      <div className="actions">
        <button ref={cancel} type="button" className="secondary" onClick={onClose} disabled={pending}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={onConfirm} disabled={pending}>
          {pending ? pendingLabel : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
