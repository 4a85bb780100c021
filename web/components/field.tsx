'use client';

import { useEffect, useRef, useState } from 'react';
import type { InputHTMLAttributes, ReactNode } from 'react';
import { useClientValue } from './use-client-value';
import './forms.css';

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'aria-describedby' | 'aria-invalid' | 'id' | 'children'> & {
  readonly name: string;
  readonly label: string;
  readonly type?: 'text' | 'email' | 'password';
  readonly hint?: string;
  /** Every message the API or the form has for this field; all of them are shown. */
  readonly errors?: readonly string[];
  /** More content about the input, under it (a strength meter), with the ids that describe it. */
  readonly details?: { readonly content: ReactNode; readonly describedBy: readonly string[] };
};

/** The id of a field's input, for labels and tests; `${fieldId(name)}-…` for what describes it. */
export const fieldId = (name: string) => `field-${name}`;

/**
 * A labelled input whose hint, details and errors are tied to it with aria-describedby. A
 * password field gets a show/hide button. Uncontrolled: what the visitor typed stays until the
 * form clears it, whatever the API answered.
 */
export function Field({ name, label, type = 'text', hint, errors = [], details, ...input }: FieldProps) {
  const id = fieldId(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors.length > 0 ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId, ...(details?.describedBy ?? [])].filter(Boolean).join(' ') || undefined;
  const control = {
    id,
    name,
    'aria-invalid': errors.length > 0 || undefined,
    'aria-describedby': describedBy,
    ...input,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {type === 'password' ? <PasswordInput {...control} /> : <input type={type} {...control} />}
      {errorId && (
        // One line per message: a field can break several rules at once.
        <div id={errorId} className="field-errors">
          {errors.map((message, index) => (
            <p key={`${index}:${message}`} className="field-error">
              {message}
            </p>
          ))}
        </div>
      )}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {details?.content}
    </div>
  );
}

type PasswordInputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'type'> & { readonly id: string };

/**
 * A password input and a toggle button that shows it as text. The button's name stays "Show
 * password" and aria-pressed says whether it is on (one state, announced once). It is text in
 * the button, not aria-label, so getByLabel('Password') and the like still find only the input.
 */
function PasswordInput(props: PasswordInputProps) {
  const [shown, setShown] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  // Hidden again on every submit, so the browser never keeps the password as plain text in a
  // form history, and a shoulder does not read it while the page answers.
  useEffect(() => {
    const form = inputRef.current?.form;
    if (!form) return;
    const hide = () => setShown(false);
    form.addEventListener('submit', hide);
    return () => form.removeEventListener('submit', hide);
  }, []);

  return (
    <div className="input-with-action">
      <input ref={inputRef} type={shown ? 'text' : 'password'} autoCapitalize="none" autoCorrect="off" spellCheck={false} {...props} />
      <button type="button" className="reveal" aria-pressed={shown} aria-controls={props.id} onClick={() => setShown((value) => !value)}>
        <EyeIcon crossed={shown} />
        <span className="visually-hidden">Show password</span>
      </button>
    </div>
  );
}

/** An eye; crossed out while the password is shown (pressing again hides it). */
function EyeIcon({ crossed }: { crossed: boolean }) {
  return (
    <svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12Z" />
      <circle cx="12" cy="12" r="3" />
      {crossed && <path d="M4 4l16 16" />}
    </svg>
  );
}

/**
 * A form-level message, announced when it appears; nothing when there is none. With `onRetry`
 * (no answer, or none in time) it offers to send the same form again.
 */
export function FormError({ message, onRetry }: { message: string | null; onRetry?: () => void }) {
  if (!message) return null;
  return (
    <div role="alert" className="form-error">
      <p>{message}</p>
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Why the visitor is on this form (logged out, session ended, where log-in leads). */
export function FormNotice({ children, live = false }: { children: ReactNode; live?: boolean }) {
  return (
    <p className="form-notice" role={live ? 'status' : undefined}>
      {children}
    </p>
  );
}

/**
 * The form's submit button. While busy it says so and is aria-disabled rather than disabled: a
 * disabled button drops keyboard focus to the page, and the form ignores submits meanwhile.
 */
export function SubmitButton({ busy, label, busyLabel }: { busy: boolean; label: string; busyLabel: string }) {
  const live = useClientValue(() => true, false);
  return (
    // Disabled until the page is live. React holds a submit made before hydration and replays it
    // into the form's action, which sends nothing and then resets the fields: what the visitor
    // typed would be wiped without a word. A disabled button also stops Enter's implicit submit.
    <button type="submit" disabled={!live} aria-disabled={busy || undefined}>
      {busy ? busyLabel : label}
    </button>
  );
}
