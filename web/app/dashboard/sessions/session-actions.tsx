'use client';

import { useRouter } from 'next/navigation';
import { useApiBase } from '@/components/api-base';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { LocalTime } from '@/components/local-time';
import { useReauthentication } from '@/components/reauthentication';
import { useConfirmation } from '@/components/use-confirmation';
import type { ConfirmationOutcome } from '@/components/use-confirmation';
import { deleteResource, postJson } from '@/lib/api/client';
import type { ApiResult } from '@/lib/api/client';
import { leaveForLogIn } from '../log-out-button';

/** One session as the list shows it (the page turns the API's record into this). */
export interface SessionRow {
  readonly id: string;
  readonly device: string;
  readonly userAgent: string | null;
  readonly ipAddress: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly current: boolean;
}

type Pending = { readonly kind: 'revoke'; readonly session: SessionRow } | { readonly kind: 'everywhere' };

/**
 * The sessions with their actions. Each action asks first (a modal dialog) and says what it did
 * in a live region: another device's session is revoked and the list fetched again; this
 * device's, or all of them, is a log out, so the page leaves for log-in.
 */
export function SessionList({ sessions }: { sessions: readonly SessionRow[] }) {
  const base = useApiBase();
  const router = useRouter();
  const withReauthentication = useReauthentication();
  const { confirming, ask, pending, message, status, dialog } = useConfirmation(async (action: Pending): Promise<ConfirmationOutcome> => {
    const result: ApiResult =
      action.kind === 'everywhere'
        ? await withReauthentication(() => postJson(base, '/auth/logout-all'))
        : await withReauthentication(() => deleteResource(base, `/auth/sessions/${encodeURIComponent(action.session.id)}`));
    // 404 on revoke: it ended meanwhile (elsewhere, or it expired); the fresh list shows that.
    if (!result.ok && !(action.kind === 'revoke' && result.problem.status === 404)) {
      return { error: result.problem.message };
    }
    if (action.kind === 'everywhere' || action.session.current) {
      leaveForLogIn();
      return { done: 'Signed out. Taking you to the log-in page…', leaving: true };
    }
    router.refresh();
    // Its row, and the button that had focus, are gone: the message takes focus instead.
    return { done: `Revoked the session on ${action.session.device}. That device is signed out.` };
  });

  const others = sessions.filter((session) => !session.current).length;

  return (
    <>
      <p ref={status} role="status" className="notice" tabIndex={-1}>
        {message}
      </p>
      <ul className="sessions" aria-label="Signed-in sessions">
        {sessions.map((session) => (
          <SessionItem key={session.id} session={session} onRevoke={() => ask({ kind: 'revoke', session })} disabled={pending} />
        ))}
      </ul>
      <section className="danger-zone" aria-labelledby="everywhere-heading">
        <div>
          <h2 id="everywhere-heading">Sign out everywhere</h2>
          <p>End every session of your account, this one included. Use it if you think someone else has signed in.</p>
        </div>
        <button type="button" className="danger-outline" onClick={() => ask({ kind: 'everywhere' })} disabled={pending}>
          Sign out everywhere
        </button>
      </section>
      <ConfirmDialog {...dialog} {...dialogText(confirming, others)} />
    </>
  );
}

function dialogText(action: Pending | null, others: number) {
  if (action?.kind === 'everywhere') {
    const devices = others === 1 ? '1 other device' : `${others} other devices`;
    return {
      title: 'Sign out everywhere?',
      confirmLabel: 'Sign out everywhere',
      pendingLabel: 'Signing out everywhere…',
      children: <p>This ends every session of your account: this one and {devices}. You will need to log in again on each of them.</p>,
    };
  }
  if (action?.session.current) {
    return {
      title: 'Log out of this device?',
      confirmLabel: 'Revoke and log out',
      pendingLabel: 'Logging out…',
      children: <p>This is the session you are using now. Revoking it logs you out here.</p>,
    };
  }
  return {
    title: 'Revoke this session?',
    confirmLabel: 'Revoke session',
    pendingLabel: 'Revoking…',
    children: (
      <p>
        {action?.session.device ?? 'That device'} will be signed out within seconds and will need your password to get back in.
      </p>
    ),
  };
}

function SessionItem({ session, onRevoke, disabled }: { session: SessionRow; onRevoke: () => void; disabled: boolean }) {
  const nameId = `session-${session.id}`;
  return (
    <li className={session.current ? 'session current' : 'session'}>
      <div className="session-main">
        <div id={nameId} className="session-name">
          <span title={session.userAgent ?? undefined}>{session.device}</span>
          {session.current && <span className="badge">This device</span>}
        </div>
        <dl>
          <dt>Last active</dt>
          <dd>
            <LocalTime iso={session.lastUsedAt} />
          </dd>
          <dt>Signed in</dt>
          <dd>
            <LocalTime iso={session.createdAt} />
          </dd>
          <dt>IP address</dt>
          <dd>{session.ipAddress ?? 'unknown'}</dd>
        </dl>
      </div>
      {/* aria-describedby names the session, so a screen reader says which one Revoke ends. */}
      <button type="button" className="secondary small" onClick={onRevoke} disabled={disabled} aria-describedby={nameId}>
        Revoke
      </button>
    </li>
  );
}
