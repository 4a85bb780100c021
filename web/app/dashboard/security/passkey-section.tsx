'use client';

import { useEffect, useRef, useState, useTransition } from 'react';
import type { FormEvent, KeyboardEvent } from 'react';
import { useApiBase } from '@/components/api-base';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { Field, FormError, SubmitButton } from '@/components/field';
import { LocalTime } from '@/components/local-time';
import { useReauthentication } from '@/components/reauthentication';
import { useClientValue } from '@/components/use-client-value';
import { CLEAN, fromProblem, useFormSubmit } from '@/components/use-form-submit';
import { deleteResource, patchJson, postJson } from '@/lib/api/client';
import { ceremonySchema, recoveryCodesSchema } from '@/lib/mfa/status';
import type { Passkey } from '@/lib/mfa/status';
import { createPasskey, passkeysSupported, wasCancelled } from '@/lib/passkeys/browser';
import type { SectionProps } from './security-settings';

// Whether the browser can make passkeys is known only in the browser; the server renders the form.
const useSupported = () => useClientValue(passkeysSupported, true);

// The API's limit (passkey_name_invalid: 1 to 64 characters).
const MAX_NAME = 64;
const nameOf = (passkey: Passkey) => passkey.name ?? 'Unnamed passkey';
const passkeyPath = (passkey: Passkey) => `/auth/passkeys/${encodeURIComponent(passkey.id)}`;

/** The account's passkeys: add one, rename and delete each. */
export function PasskeySection({ overview, reload, announce, showCodes }: SectionProps) {
  const base = useApiBase();
  const withReauthentication = useReauthentication();
  const supported = useSupported();
  const [deleting, setDeleting] = useState<Passkey | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const { passkeys } = overview;

  const { outcome, busy, retry, formProps } = useFormSubmit({
    required: {},
    submit: async (data, form) => {
      const name = String(data.get('passkeyName') ?? '').trim();
      if (name.length > MAX_NAME) return { ...CLEAN, error: 'Please fix the fields marked below.', fieldErrors: { passkeyName: [`At most ${MAX_NAME} characters.`] } };
      const options = await withReauthentication(() => postJson(base, '/auth/passkeys/register/options'));
      if (!options.ok) return fromProblem(options.problem);
      const ceremony = ceremonySchema.safeParse(options.body);
      if (!ceremony.success) return { ...CLEAN, error: 'The sign-in service sent options this browser cannot use. Please try again.' };
      let credential: unknown;
      try {
        credential = await createPasskey(ceremony.data.options);
      } catch (failure) {
        return { ...CLEAN, error: wasCancelled(failure) ? 'No passkey was added: the browser’s request was cancelled or timed out.' : 'This browser or device could not make a passkey.' };
      }
      const result = await postJson(base, '/auth/passkeys/register', { ceremonyId: ceremony.data.ceremonyId, credential, ...(name ? { name } : {}) });
      if (!result.ok) {
        // The API names the field `name`; here it is the form's `passkeyName`.
        const { name: nameErrors, ...others } = result.problem.fieldErrors;
        return fromProblem({ ...result.problem, fieldErrors: nameErrors ? { ...others, passkeyName: nameErrors } : others });
      }
      form.reset();
      // The account's first second factor comes with recovery codes.
      const codes = recoveryCodesSchema.safeParse(result.body);
      const shown = showCodes(codes.success ? codes.data.recoveryCodes : []);
      await reload();
      announce(name ? `Passkey “${name}” added.` : 'Passkey added.', !shown);
      return CLEAN;
    },
  });

  const remove = () =>
    startTransition(async () => {
      if (!deleting) return;
      setError(null);
      const passkey = deleting;
      const result = await withReauthentication(() => deleteResource(base, passkeyPath(passkey)));
      // 404: deleted meanwhile (another tab), which is what was asked for.
      if (!result.ok && result.problem.status !== 404) {
        setError(result.problem.message);
        return;
      }
      await reload();
      setDeleting(null);
      announce(`Passkey “${nameOf(passkey)}” deleted. It no longer logs you in.`);
    });

  return (
    <section className="panel security-section" aria-labelledby="passkeys-heading">
      <div className="section-head">
        <h2 id="passkeys-heading">Passkeys</h2>
        <span className={passkeys.length > 0 ? 'badge' : 'badge off'}>{passkeys.length > 0 ? `${passkeys.length} added` : 'None'}</span>
      </div>
      <p>A passkey logs you in with your fingerprint, face or screen lock instead of a password, and cannot be phished.</p>
      {passkeys.length > 0 && (
        <ul className="passkeys" aria-label="Your passkeys">
          {passkeys.map((passkey) => (
            <PasskeyItem key={passkey.id} passkey={passkey} reload={reload} announce={announce} onDelete={() => setDeleting(passkey)} disabled={pending} />
          ))}
        </ul>
      )}
      {supported ? (
        <form {...formProps} className="add-passkey">
          <FormError message={outcome.error} onRetry={outcome.retryable ? retry : undefined} />
          <Field
            name="passkeyName"
            label="Name for a new passkey (optional)"
            autoComplete="off"
            maxLength={MAX_NAME}
            hint="So you can tell your passkeys apart, for example “Work laptop”."
            errors={outcome.fieldErrors.passkeyName}
          />
          <SubmitButton busy={busy} label="Add a passkey" busyLabel="Waiting for your device…" />
        </form>
      ) : (
        <p className="hint">This browser cannot make passkeys. Try a current version of Chrome, Edge, Safari or Firefox.</p>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this passkey?"
        confirmLabel="Delete passkey"
        pendingLabel="Deleting…"
        pending={pending}
        error={error}
        onConfirm={remove}
        onClose={() => setDeleting(null)}
      >
        <p>
          “{deleting ? nameOf(deleting) : ''}” will no longer log you in. Remove it from your device or password manager too, so it is not
          offered again.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/** One passkey: its name (renamed in place), whether it is synced, when it was added. */
function PasskeyItem({
  passkey,
  reload,
  announce,
  onDelete,
  disabled,
}: {
  passkey: Passkey;
  reload: () => Promise<void>;
  announce: (message: string) => void;
  onDelete: () => void;
  disabled: boolean;
}) {
  const base = useApiBase();
  const withReauthentication = useReauthentication();
  const [renaming, setRenaming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const input = useRef<HTMLInputElement>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  const nameId = `passkey-${passkey.id}`;
  const inputId = `${nameId}-name`;
  const errorId = `${nameId}-error`;

  useEffect(() => {
    if (renaming) input.current?.select();
  }, [renaming]);

  const stopRenaming = () => {
    setRenaming(false);
    setError(null);
    // The input that had focus is gone; focus goes back to the button that opened it.
    requestAnimationFrame(() => renameButton.current?.focus());
  };

  const save = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '').trim();
    if (name === '') {
      setError('Enter a name.');
      input.current?.focus();
      return;
    }
    if (name === passkey.name) {
      stopRenaming();
      return;
    }
    startTransition(async () => {
      const result = await withReauthentication(() => patchJson(base, passkeyPath(passkey), { name }));
      if (!result.ok) {
        setError(result.problem.message);
        input.current?.focus();
        return;
      }
      await reload();
      setRenaming(false);
      setError(null);
      announce(`Passkey renamed to “${name}”.`);
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    // Escape leaves the name as it was (and must not reach a dialog).
    if (event.key === 'Escape') {
      event.preventDefault();
      stopRenaming();
    }
  };

  return (
    <li className="passkey">
      <div className="passkey-main">
        {renaming ? (
          <form className="rename" onSubmit={save} noValidate aria-busy={pending}>
            <label htmlFor={inputId}>Passkey name</label>
            <div className="rename-row">
              <input
                ref={input}
                id={inputId}
                name="name"
                defaultValue={passkey.name ?? ''}
                maxLength={MAX_NAME}
                autoComplete="off"
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? errorId : undefined}
                onKeyDown={onKeyDown}
              />
              <button type="submit" className="small" aria-disabled={pending || undefined}>
                {pending ? 'Saving…' : 'Save'}
              </button>
              <button type="button" className="secondary small" onClick={stopRenaming} disabled={pending}>
                Cancel
              </button>
            </div>
            {error && (
              <p id={errorId} className="field-error">
                {error}
              </p>
            )}
          </form>
        ) : (
          <div id={nameId} className="passkey-name">
            <span>{nameOf(passkey)}</span>
            <span className="badge plain" title={passkey.backedUp ? 'Your password manager or platform copies it to your other devices.' : 'It stays on the one device or security key that made it.'}>
              {passkey.backedUp ? 'Synced' : 'This device only'}
            </span>
          </div>
        )}
        <p className="passkey-meta">
          Added <LocalTime iso={passkey.createdAt} />
        </p>
      </div>
      {!renaming && (
        <div className="actions">
          <button ref={renameButton} type="button" className="secondary small" onClick={() => setRenaming(true)} disabled={disabled} aria-describedby={nameId}>
            Rename
          </button>
          <button type="button" className="danger-outline small" onClick={onDelete} disabled={disabled} aria-describedby={nameId}>
            Delete
          </button>
        </div>
      )}
    </li>
  );
}
