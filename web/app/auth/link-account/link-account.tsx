'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { useApiBase } from '@/components/api-base';
import { FormError } from '@/components/field';
import { ReauthenticationProvider, useReauthentication } from '@/components/reauthentication';
import { deleteResource, getJson, postJson } from '@/lib/api/client';
import { LINK_MESSAGES, linkVerdict, pendingLinkSchema } from '@/lib/auth/external';
import type { PendingLink } from '@/lib/auth/external';
import { leaveFlash } from '@/lib/auth/flash';
import { LogInForm } from '../log-in/log-in-form';

type State =
  | { readonly kind: 'loading' }
  /** The API could not be asked (down, no answer): the same question again. */
  | { readonly kind: 'unreachable'; readonly message: string }
  | { readonly kind: 'expired' }
  | { readonly kind: 'ready'; readonly pending: PendingLink }
  | { readonly kind: 'mismatch'; readonly pending: PendingLink };

/**
 * The link page: reads the pending link (`GET /auth/external/pending-link`, from an httpOnly
 * cookie), asks the person to sign in to the account it matched with the usual sign-in (password,
 * second factor, passkey), then links (`POST`); the API links only if that is the account the
 * provider's verified email belongs to. `signedInAs`: the account already signed in here, if any.
 */
export function LinkAccount(props: { next: string | null; signedInAs: string | null; emailEnabled: boolean }) {
  // Linking needs a recent sign-in: one made on this page is, an older session meets the dialog.
  return (
    <ReauthenticationProvider>
      <LinkAccountCard {...props} />
    </ReauthenticationProvider>
  );
}

function LinkAccountCard({ next, signedInAs, emailEnabled }: { next: string | null; signedInAs: string | null; emailEnabled: boolean }) {
  const base = useApiBase();
  const withReauthentication = useReauthentication();
  const router = useRouter();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [signedIn, setSignedIn] = useState(signedInAs !== null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [round, setRound] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  const firstShown = useRef(true);

  useEffect(() => {
    let live = true;
    void getJson(base, '/auth/external/pending-link').then((result) => {
      if (!live) return;
      if (result.ok) {
        const pending = pendingLinkSchema.safeParse(result.body);
        setState(pending.success ? { kind: 'ready', pending: pending.data } : { kind: 'expired' });
      } else if (result.problem.code === 'unreachable' || result.problem.code === 'timeout') {
        setState({ kind: 'unreachable', message: result.problem.message });
      } else {
        setState({ kind: 'expired' });
      }
    });
    return () => {
      live = false;
    };
  }, [base, round]);

  // The card changes under the visitor: focus goes to its heading, which says what happened.
  useEffect(() => {
    if (state.kind === 'loading') return;
    if (firstShown.current) {
      firstShown.current = false;
      if (state.kind === 'ready') return; // the sign-in form puts focus in its first field
    }
    heading.current?.focus();
  }, [state.kind]);

  const link = async (pending: PendingLink) => {
    setBusy(true);
    setError(null);
    try {
      const result = await withReauthentication(() => postJson(base, '/auth/external/pending-link', {}));
      if (result.ok) {
        leaveFlash(`${pending.displayName} is now linked. You can use it to sign in.`);
        // A full page load: the session is new, and nothing prefetched while signed out may be reused.
        window.location.assign(next ?? '/dashboard');
        return;
      }
      const verdict = linkVerdict(result.problem);
      if (verdict.kind === 'expired') setState({ kind: 'expired' });
      else if (verdict.kind === 'mismatch') setState({ kind: 'mismatch', pending });
      else setError(verdict.message);
      setBusy(false);
    } catch {
      setBusy(false);
    }
  };

  const cancel = async () => {
    setBusy(true);
    // Whatever the answer (gone already, or the API down): the cookie expires within minutes anyway.
    await deleteResource(base, '/auth/external/pending-link');
    router.replace('/auth/log-in');
  };

  const signOutAndRetry = async () => {
    setBusy(true);
    await postJson(base, '/auth/logout');
    // The pending link outlives the sign-out: the page asks for the right account's sign-in.
    window.location.reload();
  };

  if (state.kind === 'loading') {
    return (
      <section className="card" aria-busy="true">
        <h1>Link your account</h1>
        <p className="form-lead">Checking your sign-in…</p>
      </section>
    );
  }

  if (state.kind === 'unreachable') {
    return (
      <section className="card">
        <h1 ref={heading} tabIndex={-1}>
          Link your account
        </h1>
        <FormError message={state.message} onRetry={() => setRound((count) => count + 1)} />
      </section>
    );
  }

  if (state.kind === 'expired') {
    return (
      <section className="card">
        <h1 ref={heading} tabIndex={-1}>
          Link request expired
        </h1>
        <div role="alert" className="form-error">
          <p>{LINK_MESSAGES.expired}</p>
        </div>
        <p className="aside">
          <Link href="/auth/log-in">Back to log in</Link>
        </p>
      </section>
    );
  }

  const { pending } = state;
  const cancelButton = (
    <button type="button" className="secondary" onClick={() => void cancel()} disabled={busy}>
      Cancel
    </button>
  );

  if (state.kind === 'mismatch') {
    return (
      <section className="card">
        <h1 ref={heading} tabIndex={-1}>
          Different account
        </h1>
        <div role="alert" className="form-error">
          <p>{LINK_MESSAGES.mismatch}</p>
        </div>
        <p>
          {pending.displayName} belongs to the account with {pending.email}. Sign out, then sign in to that account to link it.
        </p>
        <div className="actions">
          <button type="button" onClick={() => void signOutAndRetry()} disabled={busy}>
            Sign out and try again
          </button>
          {cancelButton}
        </div>
      </section>
    );
  }

  const lead = `An account with ${pending.email} already exists. Sign in to it to link ${pending.displayName}.`;
  if (!signedIn) {
    return (
      <>
        <LogInForm
          next={next}
          notice={null}
          emailEnabled={emailEnabled}
          purpose={{
            title: `Link ${pending.displayName}`,
            lead,
            onSignedIn: () => {
              setSignedIn(true);
              void link(pending);
            },
          }}
        />
        <p className="aside">
          Do not want to link it?{' '}
          <button type="button" className="text-button" onClick={() => void cancel()} disabled={busy}>
            Cancel
          </button>
        </p>
      </>
    );
  }

  return (
    <section className="card">
      <h1 ref={heading} tabIndex={-1}>
        Link {pending.displayName}
      </h1>
      <p className="form-lead">{signedInAs ? `You are signed in as ${signedInAs}. ${lead}` : lead}</p>
      <FormError message={error} />
      <div className="actions">
        <button type="button" onClick={() => void link(pending)} aria-disabled={busy || undefined}>
          {busy ? 'Linking…' : `Link ${pending.displayName}`}
        </button>
        {cancelButton}
      </div>
    </section>
  );
}
