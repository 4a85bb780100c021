'use client';

import { useState, useTransition } from 'react';
import { useApiBase } from '@/components/api-base';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { FormError } from '@/components/field';
import { useReauthentication } from '@/components/reauthentication';
import { deleteResource, getJson, postJson } from '@/lib/api/client';
import { apiAddress, LINK_MESSAGES, linkedLoginsSchema, linkStartSchema, unlinkProblem } from '@/lib/auth/external';
import type { ExternalProvider, LinkedLogin, LinkedLogins } from '@/lib/auth/external';

const unlinkPath = (login: LinkedLogin) => `/auth/external/logins/${encodeURIComponent(login.provider)}`;

/**
 * "Linked accounts": the identity providers that sign in to this account, a way to link each
 * configured provider not linked yet, and to unlink one. Linking is a trip to the provider: the API
 * hands back the address that starts it (after a recent sign-in, through the "Confirm it's you"
 * dialog), and the provider returns to this page. `initial` is null when the API could not list them.
 */
export function LinkedAccountsSection({
  initial,
  providers,
  announce,
}: {
  initial: LinkedLogins | null;
  providers: readonly ExternalProvider[];
  announce: (message: string) => void;
}) {
  const base = useApiBase();
  const withReauthentication = useReauthentication();
  const [linked, setLinked] = useState(initial);
  const [unlinking, setUnlinking] = useState<LinkedLogin | null>(null);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [linking, setLinking] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const reload = async () => {
    const result = await getJson(base, '/auth/external/logins');
    const parsed = result.ok ? linkedLoginsSchema.safeParse(result.body) : null;
    // A failed refresh keeps what is shown; the action's own message has said what happened.
    if (parsed?.success) setLinked(parsed.data);
  };

  const link = async (provider: ExternalProvider) => {
    if (linking) return;
    setError(null);
    setLinking(provider.id);
    const result = await withReauthentication(() => postJson(base, `/auth/external/${encodeURIComponent(provider.id)}/link`, { next: '/dashboard/security' }));
    const start = result.ok ? linkStartSchema.safeParse(result.body) : null;
    if (start?.success) {
      // A top-level navigation: the API redirects to the provider, which comes back to this page.
      window.location.assign(apiAddress(base, start.data.url));
      return;
    }
    setLinking(null);
    if (!result.ok && result.problem.code === 'external_login_exists') {
      setError(LINK_MESSAGES.alreadyLinked);
      await reload();
    } else {
      setError(result.ok ? 'The sign-in service sent an answer this page cannot use. Please try again.' : result.problem.message);
    }
  };

  const unlink = () =>
    startTransition(async () => {
      if (!unlinking) return;
      setDialogError(null);
      const login = unlinking;
      const result = await withReauthentication(() => deleteResource(base, unlinkPath(login)));
      const problem = result.ok ? null : unlinkProblem(result.problem);
      if (problem) {
        setDialogError(problem);
        return;
      }
      await reload();
      setUnlinking(null);
      announce(`${login.displayName} is unlinked. It no longer signs you in to this account.`);
    });

  if (linked === null) {
    return (
      <section className="panel security-section" aria-labelledby="linked-heading">
        <h2 id="linked-heading">Linked accounts</h2>
        <p>Your linked accounts could not be loaded. Reload the page to try again.</p>
      </section>
    );
  }
  // Nothing to show or offer: no provider is configured and none was ever linked.
  if (providers.length === 0 && linked.logins.length === 0) return null;

  const linkedIds = new Set(linked.logins.map((login) => login.provider));
  const unlinked = providers.filter((provider) => !linkedIds.has(provider.id));
  const onlyWayIn = linked.logins.length === 1 && !linked.hasPassword && linked.passkeyCount === 0;
  return (
    <section className="panel security-section" aria-labelledby="linked-heading">
      <div className="section-head">
        <h2 id="linked-heading">Linked accounts</h2>
        <span className={linked.logins.length > 0 ? 'badge' : 'badge off'}>{linked.logins.length > 0 ? `${linked.logins.length} linked` : 'None'}</span>
      </div>
      <p>Sign in with an account you already have elsewhere instead of your password.</p>
      <FormError message={error} />
      {linked.logins.length > 0 && (
        <ul className="passkeys" aria-label="Your linked accounts">
          {linked.logins.map((login) => {
            const nameId = `linked-${login.provider}`;
            return (
              <li key={login.provider} className="passkey">
                <div className="passkey-main">
                  <div id={nameId} className="passkey-name">
                    <span>{login.displayName}</span>
                  </div>
                  {login.name && <p className="passkey-meta">{login.name}</p>}
                  {onlyWayIn && <p className="passkey-meta">Your only way to sign in: add a password or a passkey before unlinking it.</p>}
                </div>
                <div className="actions">
                  <button
                    type="button"
                    className="danger-outline small"
                    onClick={() => {
                      setDialogError(null);
                      setUnlinking(login);
                    }}
                    disabled={pending}
                    aria-describedby={nameId}
                  >
                    Unlink
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {unlinked.length > 0 && (
        <div className="actions">
          {unlinked.map((provider) => (
            <button key={provider.id} type="button" className="secondary small" onClick={() => void link(provider)} aria-disabled={linking !== null || undefined}>
              {linking === provider.id ? `Opening ${provider.displayName}…` : `Link ${provider.displayName}`}
            </button>
          ))}
        </div>
      )}
      <ConfirmDialog
        open={unlinking !== null}
        title={`Unlink ${unlinking?.displayName ?? ''}?`}
        confirmLabel="Unlink"
        pendingLabel="Unlinking…"
        pending={pending}
        error={dialogError}
        onConfirm={unlink}
        onClose={() => setUnlinking(null)}
      >
        <p>{unlinking?.displayName} will no longer sign you in to this account. You can link it again later.</p>
      </ConfirmDialog>
    </section>
  );
}
