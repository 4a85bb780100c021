'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { useApiBase } from '@/components/api-base';
import { ResendVerification } from '@/components/resend-verification';
import { getJson } from '@/lib/api/client';
import { unverifiedAddress } from '@/lib/email/account';

/**
 * A banner while the account's address is unverified, with a button for a new link. Asked by the
 * browser after the page shows, not by the server while it renders: the dashboard then costs no
 * call to the API of its own (in `local` mode its check needs none), and the banner is a hint,
 * not a gate.
 */
export function EmailBanner() {
  const base = useApiBase();
  const [email, setEmail] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void getJson(base, '/auth/me').then((result) => {
      if (live) setEmail(result.ok ? unverifiedAddress(result.body) : null);
    });
    return () => {
      live = false;
    };
  }, [base]);

  if (email === null) return null;
  return (
    <section className="email-banner" aria-labelledby="email-banner-heading">
      <h2 id="email-banner-heading">Verify your email address</h2>
      <p>
        We sent a link to <strong>{email}</strong>. Open it to verify the address, so you can reset your password by email if you ever
        forget it.
      </p>
      <ResendVerification label="Resend link" />
      <p>
        <Link href="/dashboard/email" className="panel-link">
          Use another address
        </Link>
      </p>
    </section>
  );
}
