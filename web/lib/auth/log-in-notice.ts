import { stringifyCookie } from 'next/dist/compiled/@edge-runtime/cookies';
import { z } from 'zod';

/**
 * Why a visitor lands on log-in, carried in a short-lived cookie (a "flash") rather than in the
 * address: the URL stays the one every link and test knows, a reload does not repeat the message,
 * and a crafted link cannot show one. Not httpOnly: the log-in page deletes it once shown. Its
 * value is one of these words, nothing else is ever read from it.
 */
export const NOTICE_COOKIE = 'gatehouse_notice';

const noticeSchema = z.enum(['signed-out', 'session-ended', 'password-reset', 'account-deleted']);

export type LogInNotice = z.infer<typeof noticeSchema>;

export const parseNotice = (value: unknown): LogInNotice | null => noticeSchema.safeParse(value).data ?? null;

export const NOTICE_MESSAGES: Readonly<Record<LogInNotice, string>> = {
  'signed-out': 'You have logged out.',
  'session-ended': 'Your session has ended, perhaps because you logged out on another device. Please log in again.',
  'password-reset': 'Your password was reset. Sign in with your new password.',
  'account-deleted': 'Your account has been deleted, and you are signed out everywhere.',
};

/**
 * The Set-Cookie line (or document.cookie assignment) of a notice. Only the log-in page receives
 * it, and only for a minute: a notice not shown soon is stale.
 */
export const noticeSetCookie = (notice: LogInNotice, secure: boolean): string =>
  stringifyCookie({ name: NOTICE_COOKIE, value: notice, path: NOTICE_PATH, maxAge: 60, sameSite: 'lax', secure, httpOnly: false });

const NOTICE_PATH = '/auth/log-in';

/** In the browser, before leaving for log-in. */
export function rememberNotice(notice: LogInNotice): void {
  document.cookie = noticeSetCookie(notice, window.location.protocol === 'https:');
}

/** In the browser, once the log-in page has shown it. */
export function forgetNotice(): void {
  document.cookie = stringifyCookie({ name: NOTICE_COOKIE, value: '', path: NOTICE_PATH, maxAge: 0, sameSite: 'lax' });
}

// The pages a visitor is sent to log in for, as the "continue to" line names them.
const PAGE_NAMES: Readonly<Record<string, string>> = {
  '/dashboard': 'your dashboard',
  '/dashboard/sessions': 'your sessions',
  '/dashboard/password': 'change your password',
  '/dashboard/email': 'change your email address',
  '/dashboard/security': 'your security settings',
  '/dashboard/account': 'your account',
  '/admin': 'the admin console',
  '/admin/audit': 'the audit log',
};

/** "Log in to continue to your sessions." for a `next` the form will go to; null without one. */
export function continueMessage(next: string | null, action: 'Log in' | 'Sign up' = 'Log in'): string | null {
  if (next === null) return null;
  const path = new URL(next, 'http://gatehouse.invalid').pathname.replace(/\/+$/, '') || '/';
  return `${action} to continue to ${PAGE_NAMES[path] ?? path}.`;
}
