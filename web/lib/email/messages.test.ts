import { describe, expect, it } from 'vitest';
import type { Problem } from '@/lib/api/problem';
import { forEmailChange, isTokenCode, linkProblemMessage, mailProblemMessage, TOKEN_CODES, UNVERIFIED_MESSAGE } from './messages';

const problem = (code: string | null, fieldErrors: Problem['fieldErrors'] = {}, message = 'From the API.'): Problem => ({ status: 400, code, message, fieldErrors });

describe('isTokenCode', () => {
  it('knows the three answers to a link that cannot be used', () => {
    for (const code of TOKEN_CODES) expect(isTokenCode(code)).toBe(true);
  });

  it('and nothing else', () => {
    for (const code of [null, '', 'token', 'invalid_credentials', 'TOKEN_USED']) expect(isTokenCode(code)).toBe(false);
  });
});

describe('linkProblemMessage', () => {
  it('says what went wrong in terms of the link in hand', () => {
    expect(linkProblemMessage('reset', 'token_expired')).toMatch(/password reset link has expired.*30 minutes/);
    expect(linkProblemMessage('verify', 'token_expired')).toMatch(/verification link has expired.*24 hours/);
    expect(linkProblemMessage('verify', 'token_used')).toMatch(/already used.*log in/);
    expect(linkProblemMessage('confirm', 'token_invalid')).toMatch(/confirmation link is not valid/);
  });

  it('has a distinct message for each code of each link', () => {
    for (const kind of ['verify', 'reset', 'confirm'] as const) {
      expect(new Set(TOKEN_CODES.map((code) => linkProblemMessage(kind, code))).size).toBe(3);
    }
  });
});

describe('mailProblemMessage', () => {
  it('explains an unverified address and mail that is switched off', () => {
    expect(mailProblemMessage(problem('email_unverified'))).toBe(UNVERIFIED_MESSAGE);
    expect(mailProblemMessage(problem('email_disabled'))).toMatch(/not available on this server/);
  });

  it('names the link only when the page says which one it is', () => {
    expect(mailProblemMessage(problem('token_used'), 'reset')).toBe(linkProblemMessage('reset', 'token_used'));
    expect(mailProblemMessage(problem('token_used'))).toBeNull();
  });

  it('leaves every other problem to the form', () => {
    expect(mailProblemMessage(problem('invalid_credentials'))).toBeNull();
    expect(mailProblemMessage(problem(null))).toBeNull();
  });
});

describe('forEmailChange', () => {
  it("puts the API's address messages on the new-address field", () => {
    const taken = forEmailChange(problem('email_taken', { email: ['That email is already registered.'] }));
    expect(taken.fieldErrors).toEqual({ newEmail: ['That email is already registered.'] });
  });

  it('puts a wrong password next to the password, once', () => {
    expect(forEmailChange(problem('current_password_incorrect', {}, 'Current password is incorrect.')).fieldErrors).toEqual({
      currentPassword: ['Current password is incorrect.'],
    });
    const keyed = forEmailChange(problem('current_password_incorrect', { currentPassword: ['Current password is incorrect.'] }));
    expect(keyed.fieldErrors).toEqual({ currentPassword: ['Current password is incorrect.'] });
  });

  it('leaves other problems as they are', () => {
    const other = problem('rate_limited');
    expect(forEmailChange(other)).toEqual(other);
  });
});
