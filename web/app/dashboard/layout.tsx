import type { ReactNode } from 'react';
import { PageFrame, SiteHeader } from '@/components/page-frame';
import { FlashNotice } from '@/components/flash-notice';
import { ReauthenticationProvider } from '@/components/reauthentication';
import { isAdmin } from '@/lib/auth/roles';
import { verifySession } from '@/lib/auth/session';
import { getEmailConfig } from '@/lib/email/server-config';
import { AccountMenu } from './account-menu';

/**
 * The frame of every signed-in page: the header with the account menu, and the "Confirm it's you"
 * dialog that sensitive actions open (components/reauthentication.tsx). The layout asks who is
 * signed in only to name them; each page still calls verifySession() itself (one check per
 * request, it is cached), because a layout is not re-run on every navigation.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const [user, { emailEnabled }] = await Promise.all([verifySession(), getEmailConfig()]);
  return (
    <PageFrame
      header={
        <SiteHeader>
          <AccountMenu username={user.username} emailEnabled={emailEnabled} admin={isAdmin(user.roles)} />
        </SiteHeader>
      }
    >
      {/* Any action on these pages may meet the step-up; one dialog serves them all. */}
      <ReauthenticationProvider>
        <div className="page">
          {/* What the page that sent the visitor here did ("Local provider is now linked."), once. */}
          <FlashNotice />
          {children}
        </div>
      </ReauthenticationProvider>
    </PageFrame>
  );
}
