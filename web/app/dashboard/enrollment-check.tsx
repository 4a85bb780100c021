'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { useApiBase } from '@/components/api-base';
import { getJson } from '@/lib/api/client';
import { mfaStatusSchema } from '@/lib/mfa/status';

/**
 * When the server requires a second factor (`Gatehouse:Mfa:Required`) and the account has none,
 * the dashboard sends the user to the security page, where a banner says why. Asked from the
 * browser after the page shows, like the email banner: the API enforces the rule on every other
 * endpoint (403 `mfa_enrollment_required`), so this is the way there, not the gate.
 */
export function EnrollmentCheck() {
  const base = useApiBase();
  const router = useRouter();

  useEffect(() => {
    let live = true;
    void getJson(base, '/auth/mfa').then((result) => {
      const status = result.ok ? mfaStatusSchema.safeParse(result.body) : null;
      if (live && status?.success && status.data.enrollmentRequired) router.replace('/dashboard/security');
    });
    return () => {
      live = false;
    };
  }, [base, router]);

  return null;
}
