import { describe, expect, it } from 'vitest';
import { continueMessage, NOTICE_MESSAGES, noticeSetCookie, parseNotice } from './log-in-notice';

describe('parseNotice', () => {
  it('reads the three notices', () => {
    expect(parseNotice('signed-out')).toBe('signed-out');
    expect(parseNotice('session-ended')).toBe('session-ended');
    expect(parseNotice('password-reset')).toBe('password-reset');
  });

  it('ignores anything else a cookie could hold', () => {
    for (const value of [undefined, '', 'Signed-Out', '<script>', 'signed-out; x', 42]) expect(parseNotice(value)).toBeNull();
  });
});

describe('the notice cookie', () => {
  it('goes to the log-in page only, for a minute, readable by its script so the page can delete it', () => {
    expect(noticeSetCookie('session-ended', true)).toBe('gatehouse_notice=session-ended; Path=/auth/log-in; Max-Age=60; Secure; SameSite=lax');
    expect(noticeSetCookie('signed-out', false)).toBe('gatehouse_notice=signed-out; Path=/auth/log-in; Max-Age=60; SameSite=lax');
  });

  it('has a message for each notice', () => {
    expect(NOTICE_MESSAGES['signed-out']).toBe('You have logged out.');
    expect(NOTICE_MESSAGES['session-ended']).toMatch(/session has ended/);
    expect(NOTICE_MESSAGES['password-reset']).toBe('Your password was reset. Sign in with your new password.');
  });
});

describe('continueMessage', () => {
  it('names the known pages', () => {
    expect(continueMessage('/dashboard')).toBe('Log in to continue to your dashboard.');
    expect(continueMessage('/dashboard/sessions?x=1')).toBe('Log in to continue to your sessions.');
    expect(continueMessage('/dashboard/password/')).toBe('Log in to continue to change your password.');
  });

  it('shows the path of any other page, without its query', () => {
    expect(continueMessage('/reports/2026?secret=1#top')).toBe('Log in to continue to /reports/2026.');
  });

  it('says what the form does on the sign-up page', () => {
    expect(continueMessage('/dashboard', 'Sign up')).toBe('Sign up to continue to your dashboard.');
  });

  it('says nothing without a next page', () => {
    expect(continueMessage(null)).toBeNull();
  });
});
