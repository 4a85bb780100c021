'use client';

import { useState, useTransition } from 'react';
import { useApiBase } from '@/components/api-base';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { Field, FormError } from '@/components/field';
import { useReauthentication } from '@/components/reauthentication';
import { deleteResource, getJson } from '@/lib/api/client';
import { rememberNotice } from '@/lib/auth/log-in-notice';

/**
 * Fetches `GET /auth/account/export` through the API client (so an expired access token is
 * renewed, as for every other call) and hands it to the browser as a file.
 */
export function DownloadData({ username }: { username: string }) {
  const base = useApiBase();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState('');

  const download = () =>
    startTransition(async () => {
      setError(null);
      setMessage('');
      const result = await getJson(base, '/auth/account/export');
      if (!result.ok) {
        setError(result.problem.message);
        return;
      }
      const file = new Blob([`${JSON.stringify(result.body, null, 2)}\n`], { type: 'application/json' });
      const url = URL.createObjectURL(file);
      const link = document.createElement('a');
      link.href = url;
      link.download = `gatehouse-${username}.json`;
      document.body.append(link);
      link.click();
      link.remove();
      // After the browser has taken the file.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setMessage('Your data is downloading.');
    });

  return (
    <>
      <FormError message={error} />
      <p role="status" className="notice">
        {message}
      </p>
      <div className="actions">
        <button type="button" className="secondary small" onClick={download} disabled={pending}>
          {pending ? 'Preparing…' : 'Download my data'}
        </button>
      </div>
    </>
  );
}

/**
 * Deleting the account: a dialog that asks for the username typed out (a slip of the mouse does
 * not delete an account), the "Confirm it's you" dialog when the sign-in is old (the API answers
 * 403 `reauthentication_required`, and the call is repeated), then log-in with a notice.
 */
export function DeleteAccount({ username }: { username: string }) {
  const base = useApiBase();
  const withReauthentication = useReauthentication();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const ask = () => {
    setTyped('');
    setFieldError(null);
    setError(null);
    setOpen(true);
  };

  const confirm = () => {
    if (typed.trim() !== username) {
      setFieldError(`Type ${username} to confirm.`);
      return;
    }
    setFieldError(null);
    startTransition(async () => {
      const result = await withReauthentication(() => deleteResource(base, '/auth/account', {}));
      if (!result.ok) {
        setError(result.problem.message);
        return;
      }
      // A full page load: nothing rendered for the deleted account stays in the router's cache.
      rememberNotice('account-deleted');
      window.location.replace('/auth/log-in');
    });
  };

  return (
    <>
      <button type="button" className="danger-outline" onClick={ask} disabled={pending}>
        Delete my account
      </button>
      <ConfirmDialog
        open={open}
        title={`Delete the account ${username}?`}
        confirmLabel="Delete my account"
        pendingLabel="Deleting…"
        pending={pending}
        error={error}
        onConfirm={confirm}
        onClose={() => setOpen(false)}
      >
        <p>This deletes your account and your personal data, and signs you out everywhere. It cannot be undone.</p>
        <Field
          name="confirmUsername"
          label={`Type your username, ${username}, to confirm`}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          errors={fieldError ? [fieldError] : []}
        />
      </ConfirmDialog>
    </>
  );
}
