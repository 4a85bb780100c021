'use client';

import { useRef, useState } from 'react';
import { useApiBase } from '@/components/api-base';
import { getJson } from '@/lib/api/client';
import type { ExternalProvider, LinkedLogins } from '@/lib/auth/external';
import { mfaStatusSchema, passkeyListSchema } from '@/lib/mfa/status';
import type { SecurityOverview } from '@/lib/mfa/status';
import { AuthenticatorSection } from './authenticator-section';
import { LinkedAccountsSection } from './linked-accounts';
import { PasskeySection } from './passkey-section';
import { RecoveryCodesPanel, RecoveryCodesSection } from './recovery-codes';
import type { IssuedCodes } from './recovery-codes';

/** What every section is handed: the state, and ways to refresh it and to say what happened. */
export interface SectionProps {
  readonly overview: SecurityOverview;
  /** Fetches the factors and passkeys again after a change. */
  readonly reload: () => Promise<void>;
  /**
   * Puts a sentence in the page's live region and moves focus there (the button pressed may be
   * gone); `moveFocus: false` when new recovery codes have taken it.
   */
  readonly announce: (message: string, moveFocus?: boolean) => void;
  /** New recovery codes to show once; false when there were none. */
  readonly showCodes: (codes: readonly string[]) => boolean;
}

/**
 * The security page's state: the server renders it first (no loading flash), and each action
 * fetches it again from the browser, so what the page shows is what the API now holds. `linked`
 * and `providers`: the linked identity providers (null: not loaded) and the configured ones.
 */
export function SecuritySettings({
  username,
  initial,
  linked,
  providers,
}: {
  username: string;
  initial: SecurityOverview;
  linked: LinkedLogins | null;
  providers: readonly ExternalProvider[];
}) {
  const base = useApiBase();
  const [overview, setOverview] = useState(initial);
  const [codes, setCodes] = useState<IssuedCodes | null>(null);
  const [message, setMessage] = useState('');
  const status = useRef<HTMLParagraphElement>(null);

  const reload = async () => {
    const [mfa, passkeys] = await Promise.all([getJson(base, '/auth/mfa'), getJson(base, '/auth/passkeys')]);
    const parsedMfa = mfa.ok ? mfaStatusSchema.safeParse(mfa.body) : null;
    const parsedPasskeys = passkeys.ok ? passkeyListSchema.safeParse(passkeys.body) : null;
    // A failed refresh keeps what is shown; the action's own message has said what happened.
    if (parsedMfa?.success && parsedPasskeys?.success) setOverview({ mfa: parsedMfa.data, passkeys: parsedPasskeys.data.passkeys });
  };

  const announce = (text: string, moveFocus = true) => {
    setMessage(text);
    if (moveFocus) status.current?.focus();
  };

  const showCodes = (list: readonly string[]) => {
    if (list.length === 0) return false;
    setCodes({ codes: list, createdAt: new Date() });
    return true;
  };

  const section: SectionProps = { overview, reload, announce, showCodes };
  return (
    <>
      {overview.mfa.enrollmentRequired && (
        <section className="attention-banner" aria-labelledby="enrol-heading">
          <h2 id="enrol-heading">Set up a second factor</h2>
          <p>
            This service asks every account for a second factor. Set up an authenticator app or add a passkey below; until then the rest
            of your account is locked.
          </p>
        </section>
      )}
      <p ref={status} role="status" className="notice" tabIndex={-1}>
        {message}
      </p>
      {codes && (
        <RecoveryCodesPanel
          issued={codes}
          username={username}
          onDone={() => {
            setCodes(null);
            announce('Your recovery codes are hidden now. You can make new ones at any time.');
          }}
        />
      )}
      <div className="security-sections">
        <AuthenticatorSection {...section} />
        <PasskeySection {...section} />
        <RecoveryCodesSection {...section} />
        <LinkedAccountsSection initial={linked} providers={providers} announce={announce} />
      </div>
    </>
  );
}
