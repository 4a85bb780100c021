'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { ReactNode } from 'react';
import { useApiBase } from '@/components/api-base';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { LocalTime } from '@/components/local-time';
import { useReauthentication } from '@/components/reauthentication';
import { useConfirmation } from '@/components/use-confirmation';
import type { ConfirmationOutcome } from '@/components/use-confirmation';
import { deleteResource, postJson, putJson } from '@/lib/api/client';
import type { ApiResult } from '@/lib/api/client';
import { adminActionMessage } from '@/lib/admin/actions';
import { ADMIN_ROLE } from '@/lib/auth/roles';

export interface AdminUser {
  readonly id: string;
  readonly username: string;
  readonly locked: boolean;
  readonly disabled: boolean;
  readonly roles: readonly string[];
}

/** One session of the user, as the list shows it (the page turns the API's record into this). */
export interface AdminSessionRow {
  readonly id: string;
  readonly device: string;
  readonly userAgent: string | null;
  readonly ipAddress: string | null;
  readonly createdAt: string;
  readonly lastSeenAt: string | null;
}

/** An action waiting for its confirmation: what the dialog says, the call, and what to say once done. */
interface Action {
  readonly title: string;
  readonly body: ReactNode;
  readonly confirmLabel: string;
  readonly pendingLabel: string;
  readonly call: (base: string) => Promise<ApiResult>;
  readonly done: string;
  readonly deletes?: true;
}

/**
 * What an admin can do to one account. Every action asks first in a dialog that names the user;
 * the destructive ones may meet the "Confirm it's you" dialog (the API's 403
 * `reauthentication_required`) and are then repeated. The outcome is said in a live region, and
 * the page is fetched again so what it shows is the API's.
 */
export function UserAdministration({ user, sessions }: { user: AdminUser; sessions: readonly AdminSessionRow[] }) {
  const base = useApiBase();
  const router = useRouter();
  const withReauthentication = useReauthentication();
  const [deleted, setDeleted] = useState(false);
  const name = user.username;
  const path = `/admin/users/${encodeURIComponent(user.id)}`;
  const { confirming, ask, pending, message, status, dialog } = useConfirmation(async (action: Action): Promise<ConfirmationOutcome> => {
    const result = await withReauthentication(() => action.call(base));
    if (!result.ok) return { error: adminActionMessage(result.problem, name) };
    if (action.deletes) setDeleted(true);
    else router.refresh();
    return { done: action.done };
  });

  const post = (suffix: string) => (apiBase: string) => postJson(apiBase, `${path}/${suffix}`);
  const actions = {
    lock: {
      title: `Lock ${name}?`,
      body: <p>{name} will not be able to sign in until you unlock the account. Sessions already signed in stay signed in.</p>,
      confirmLabel: `Lock ${name}`,
      pendingLabel: 'Locking…',
      call: post('lock'),
      done: `Locked ${name}. Their sign-ins are refused until you unlock the account.`,
    },
    unlock: {
      title: `Unlock ${name}?`,
      body: <p>{name} will be able to sign in again, and their count of failed attempts starts over.</p>,
      confirmLabel: `Unlock ${name}`,
      pendingLabel: 'Unlocking…',
      call: post('unlock'),
      done: `Unlocked ${name}.`,
    },
    disable: {
      title: `Disable ${name}?`,
      body: <p>This signs {name} out everywhere at once and refuses every sign-in until you enable the account again.</p>,
      confirmLabel: `Disable ${name}`,
      pendingLabel: 'Disabling…',
      call: post('disable'),
      done: `Disabled ${name}. Every session of the account has ended.`,
    },
    enable: {
      title: `Enable ${name}?`,
      body: <p>{name} will be able to sign in again.</p>,
      confirmLabel: `Enable ${name}`,
      pendingLabel: 'Enabling…',
      call: post('enable'),
      done: `Enabled ${name}.`,
    },
    reset: {
      title: `Require a password reset for ${name}?`,
      body: <p>{name} is mailed a reset link, and every sign-in is refused until they have chosen a new password.</p>,
      confirmLabel: 'Require a reset',
      pendingLabel: 'Requiring a reset…',
      call: post('require-password-reset'),
      done: `${name} must reset their password before signing in again. The link is on its way.`,
    },
    signOutEverywhere: {
      title: `Sign ${name} out everywhere?`,
      body: <p>This ends every session of {name}. They can sign in again with their password.</p>,
      confirmLabel: 'Sign out everywhere',
      pendingLabel: 'Signing out…',
      call: (apiBase: string) => deleteResource(apiBase, `${path}/sessions`),
      done: `Signed ${name} out everywhere.`,
    },
    remove: {
      title: `Delete ${name}?`,
      body: <p>This deletes the account {name} and its personal data, and ends every session. It cannot be undone.</p>,
      confirmLabel: `Delete ${name}`,
      pendingLabel: 'Deleting…',
      call: (apiBase: string) => deleteResource(apiBase, path),
      done: `Deleted the account ${name}.`,
      deletes: true,
    },
  } satisfies Record<string, Action>;

  const revokeSession = (session: AdminSessionRow): Action => ({
    title: `Revoke this session of ${name}?`,
    body: <p>{session.device} will be signed out of {name}’s account within seconds.</p>,
    confirmLabel: 'Revoke session',
    pendingLabel: 'Revoking…',
    call: (apiBase) => deleteResource(apiBase, `${path}/sessions/${encodeURIComponent(session.id)}`),
    done: `Revoked ${name}’s session on ${session.device}.`,
  });

  const grantRole = (role: string): Action => ({
    title: role === ADMIN_ROLE ? `Make ${name} an admin?` : `Give ${name} the role ${role}?`,
    body:
      role === ADMIN_ROLE ? (
        <p>{name} will be able to open this console and act on every account. It takes effect at their next token, within minutes.</p>
      ) : (
        <p>It takes effect at their next token, within minutes.</p>
      ),
    confirmLabel: role === ADMIN_ROLE ? 'Make admin' : 'Grant role',
    pendingLabel: 'Granting…',
    call: (apiBase) => putJson(apiBase, `${path}/roles/${encodeURIComponent(role)}`),
    done: `${name} now has the role ${role}.`,
  });

  const revokeRole = (role: string): Action => ({
    title: `Take the role ${role} from ${name}?`,
    body: <p>It takes effect at their next token, within minutes.</p>,
    confirmLabel: 'Remove role',
    pendingLabel: 'Removing…',
    call: (apiBase) => deleteResource(apiBase, `${path}/roles/${encodeURIComponent(role)}`),
    done: `${name} no longer has the role ${role}.`,
  });

  if (deleted) {
    return (
      <>
        <p ref={status} role="status" className="notice" tabIndex={-1}>
          {message}
        </p>
        <p>
          <Link href="/admin">Back to the users</Link>
        </p>
      </>
    );
  }

  return (
    <>
      <p ref={status} role="status" className="notice" tabIndex={-1}>
        {message}
      </p>
      <section className="panel admin-section" aria-labelledby="actions-heading">
        <h2 id="actions-heading">Actions</h2>
        <div className="actions">
          {user.locked ? (
            <button type="button" className="secondary small" onClick={() => ask(actions.unlock)} disabled={pending}>
              Unlock
            </button>
          ) : (
            <button type="button" className="secondary small" onClick={() => ask(actions.lock)} disabled={pending}>
              Lock
            </button>
          )}
          {user.disabled ? (
            <button type="button" className="secondary small" onClick={() => ask(actions.enable)} disabled={pending}>
              Enable
            </button>
          ) : (
            <button type="button" className="secondary small" onClick={() => ask(actions.disable)} disabled={pending}>
              Disable
            </button>
          )}
          <button type="button" className="secondary small" onClick={() => ask(actions.reset)} disabled={pending}>
            Require password reset
          </button>
          <button type="button" className="danger-outline small" onClick={() => ask(actions.remove)} disabled={pending}>
            Delete account
          </button>
        </div>
      </section>
      <section className="panel admin-section" aria-labelledby="roles-heading">
        <h2 id="roles-heading">Roles</h2>
        {user.roles.length === 0 ? (
          <p>No roles.</p>
        ) : (
          <ul className="plain-list">
            {user.roles.map((role) => (
              <li key={role}>
                <span id={`role-${role}`} className="badge">
                  {role}
                </span>
                <button type="button" className="secondary small" onClick={() => ask(revokeRole(role))} disabled={pending} aria-describedby={`role-${role}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        {!user.roles.includes(ADMIN_ROLE) && (
          <div className="actions">
            <button type="button" className="secondary small" onClick={() => ask(grantRole(ADMIN_ROLE))} disabled={pending}>
              Make admin
            </button>
          </div>
        )}
      </section>
      <section className="admin-section" aria-labelledby="user-sessions-heading">
        <div className="section-head">
          <h2 id="user-sessions-heading">Sessions</h2>
          {sessions.length > 0 && (
            <button type="button" className="danger-outline small" onClick={() => ask(actions.signOutEverywhere)} disabled={pending}>
              Sign out everywhere
            </button>
          )}
        </div>
        {sessions.length === 0 ? (
          <p className="muted">Not signed in anywhere.</p>
        ) : (
          <ul className="sessions" aria-label={`Sessions of ${name}`}>
            {sessions.map((session) => (
              <li key={session.id} className="session">
                <div className="session-main">
                  <div id={`session-${session.id}`} className="session-name">
                    <span title={session.userAgent ?? undefined}>{session.device}</span>
                  </div>
                  <dl>
                    {session.lastSeenAt && (
                      <>
                        <dt>Last active</dt>
                        <dd>
                          <LocalTime iso={session.lastSeenAt} />
                        </dd>
                      </>
                    )}
                    <dt>Signed in</dt>
                    <dd>
                      <LocalTime iso={session.createdAt} />
                    </dd>
                    <dt>IP address</dt>
                    <dd>{session.ipAddress ?? 'unknown'}</dd>
                  </dl>
                </div>
                <button type="button" className="secondary small" onClick={() => ask(revokeSession(session))} disabled={pending} aria-describedby={`session-${session.id}`}>
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <ConfirmDialog
        {...dialog}
        title={confirming?.title ?? ''}
        confirmLabel={confirming?.confirmLabel ?? ''}
        pendingLabel={confirming?.pendingLabel ?? ''}
      >
        {confirming?.body}
      </ConfirmDialog>
    </>
  );
}
