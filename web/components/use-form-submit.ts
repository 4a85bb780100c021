'use client';

import { useEffect, useRef, useState, useTransition } from 'react';
import type { FormEvent } from 'react';
import { formAlert, isRetryable } from '@/lib/api/problem';
import type { Problem } from '@/lib/api/problem';

export type FieldErrors = Readonly<Record<string, readonly string[]>>;

/** What a form shows after a submit. */
export interface FormOutcome {
  readonly error: string | null;
  readonly fieldErrors: FieldErrors;
  /** No answer, or none in time: the same form may well go through if sent again. */
  readonly retryable: boolean;
  readonly success: string | null;
}

export const CLEAN: FormOutcome = { error: null, fieldErrors: {}, retryable: false, success: null };

export const fromProblem = (problem: Problem): FormOutcome => ({
  error: formAlert(problem),
  fieldErrors: problem.fieldErrors,
  retryable: isRetryable(problem),
  success: null,
});

export const succeeded = (message: string): FormOutcome => ({ ...CLEAN, success: message });

/** A submit handler's result: what to show, or `leaving` once it has sent the browser elsewhere. */
export type SubmitResult = FormOutcome | 'leaving';

/** The messages of the required fields left empty, in the API's words; null when none is. */
export function missingFields(data: FormData, required: Readonly<Record<string, string>>): FieldErrors | null {
  const missing = Object.entries(required).filter(([name]) => String(data.get(name) ?? '') === '');
  return missing.length === 0 ? null : Object.fromEntries(missing.map(([name, message]) => [name, [message]]));
}

// React renders a form whose action is a function so that it cannot be sent before hydration (no
// password in a GET URL); onSubmit below prevents every submit, so this never runs, and React,
// running no action, never resets the fields. A submit made before hydration would be held and
// replayed into this action, and so wipe the form: SubmitButton stays disabled until then.
const NO_ACTION = () => undefined;

/**
 * The behaviour the forms share: required fields checked before anything is sent; the previous
 * errors cleared the moment the form is sent again; focus on the first field marked invalid; a
 * busy state (aria-busy, and aria-disabled on the button so it keeps focus) from submit until the
 * answer, or until the next page shows; and nothing the visitor typed is wiped.
 */
export function useFormSubmit(options: {
  readonly required: Readonly<Record<string, string>>;
  readonly submit: (data: FormData, form: HTMLFormElement) => Promise<SubmitResult>;
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const [outcome, setOutcome] = useState<FormOutcome>(CLEAN);
  const [pending, startTransition] = useTransition();
  const [leaving, setLeaving] = useState(false);
  // Bumped for each outcome with field errors, so focus moves even when they equal the last ones.
  const [marked, setMarked] = useState(0);
  const busy = pending || leaving;

  useEffect(() => {
    if (marked === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [marked]);

  const show = (next: FormOutcome) => {
    setOutcome(next);
    if (Object.keys(next.fieldErrors).length > 0) setMarked((count) => count + 1);
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const form = event.currentTarget;
    const data = new FormData(form);
    const missing = missingFields(data, options.required);
    if (missing) {
      show({ ...CLEAN, error: 'Please fix the fields marked below.', fieldErrors: missing });
      return;
    }
    setOutcome(CLEAN);
    startTransition(async () => {
      const result = await options.submit(data, form);
      if (result === 'leaving') setLeaving(true);
      else show(result);
    });
  };

  return {
    outcome,
    busy,
    /** Sends the form again as it stands (after a timeout). */
    retry: () => formRef.current?.requestSubmit(),
    formProps: { ref: formRef, action: NO_ACTION, onSubmit, noValidate: true, 'aria-busy': busy },
  };
}
