import type { ReactNode } from 'react';
import { PageFrame, SiteHeader } from '@/components/page-frame';
import { ReauthenticationProvider } from '@/components/reauthentication';
import { requireAdmin } from '@/lib/admin/server';
import { getEmailConfig } from '@/lib/email/server-config';
import { AccountMenu } from '../dashboard/account-menu';
import { AdminNav } from './admin-nav';

/**
 * The console's frame: the signed-in header, the console's own navigation, and the "Confirm it's
 * you" dialog its destructive actions meet. The proxy has sent non-admins away already; this asks
 * the API again before anything renders (and each page does too: a layout is not re-run on every
 * navigation).
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const [user, { emailEnabled }] = await Promise.all([requireAdmin(), getEmailConfig()]);
  return (
    <PageFrame
      header={
        <SiteHeader>
          <AccountMenu username={user.username} emailEnabled={emailEnabled} admin />
        </SiteHeader>
      }
    >
      <ReauthenticationProvider>
        <div className="page wide">
          <AdminNav />
          {children}
        </div>
      </ReauthenticationProvider>
    </PageFrame>
  );
}
