import { describe, expect, it } from 'vitest';
import type { Problem } from '@/lib/api/problem';
import { firstMode, MESSAGES, normaliseCode, normaliseRecoveryCode, offersPasskey, otherModes, readSignInAnswer, secondFactorVerdict } from './second-factor';

const problem = (code: string, status = 401): Problem => ({ status, code, message: `the API's words for ${code}`, fieldErrors: {} });

describe('reading a sign-in answer', () => {
  it("takes today's success body as signed in, so accounts without a second factor work as before", () => {
    expect(readSignInAnswer({ success: true, message: 'User logged in' })).toEqual({ kind: 'signed-in' });
    expect(readSignInAnswer(null)).toEqual({ kind: 'signed-in' });
  });

  it('takes mfaRequired as the second step, with the known methods in a fixed order', () => {
    expect(readSignInAnswer({ mfaRequired: true, methods: ['recovery_code', 'something_new', 'passkey', 'totp'] })).toEqual({
      kind: 'second-factor',
      methods: ['totp', 'passkey', 'recovery_code'],
    });
  });
});

describe('the second step', () => {
  it('starts with the app code when the account has one', () => {
    expect(firstMode(['totp', 'passkey', 'recovery_code'], true)).toBe('totp');
  });

  it('starts with the passkey button alone for a passkey account, where this browser can use passkeys', () => {
    expect(firstMode(['passkey', 'recovery_code'], true)).toBe('none');
    expect(offersPasskey(['passkey', 'recovery_code'], true)).toBe(true);
  });

  it('falls back to a recovery code for a passkey account in a browser without passkeys, and hides the passkey button', () => {
    expect(firstMode(['passkey', 'recovery_code'], false)).toBe('recovery_code');
    expect(offersPasskey(['passkey', 'recovery_code'], false)).toBe(false);
  });

  it('offers switching only to what the account has', () => {
    expect(otherModes(['totp', 'recovery_code'], 'totp')).toEqual(['recovery_code']);
    expect(otherModes(['totp', 'recovery_code'], 'recovery_code')).toEqual(['totp']);
    expect(otherModes(['passkey', 'recovery_code'], 'none')).toEqual(['recovery_code']);
    // Every recovery code used: none to switch to.
    expect(otherModes(['totp'], 'totp')).toEqual([]);
  });
});

describe('codes as typed', () => {
  it.each([
    ['123456', '123456'],
    [' 123 456 ', '123456'],
    ['123-456', '123456'],
  ])('reads %j as %j', (typed, code) => {
    expect(normaliseCode(typed)).toBe(code);
  });

  it.each(['12345', '1234567', '12345a', ''])('refuses %j before it costs an attempt', (typed) => {
    expect(normaliseCode(typed)).toBeNull();
  });

  it('trims a pasted recovery code and leaves the rest to the API', () => {
    expect(normaliseRecoveryCode('  abcde-12345\n')).toBe('abcde-12345');
  });
});

describe('a refused second factor', () => {
  it('puts a wrong code next to its field, in words that say what to do', () => {
    const verdict = secondFactorVerdict(problem('code_invalid'));
    expect(verdict).toMatchObject({ kind: 'show', problem: { fieldErrors: { code: [MESSAGES.codeInvalid] } } });
  });

  it('puts a wrong recovery code next to its field', () => {
    expect(secondFactorVerdict(problem('recovery_code_invalid'))).toMatchObject({ kind: 'show', problem: { fieldErrors: { recoveryCode: [MESSAGES.recoveryCodeInvalid] } } });
  });

  it('goes back to the password when the pending sign-in is gone', () => {
    expect(secondFactorVerdict(problem('mfa_pending_invalid'))).toEqual({ kind: 'restart', message: MESSAGES.pendingInvalid });
  });

  it('says a refused passkey and an expired ceremony in its own words, and keeps the rest (a 429 with its wait) as the API put it', () => {
    expect(secondFactorVerdict(problem('passkey_failed'))).toMatchObject({ kind: 'show', problem: { message: MESSAGES.passkeyFailed } });
    expect(secondFactorVerdict(problem('ceremony_invalid', 400))).toMatchObject({ kind: 'show', problem: { message: MESSAGES.ceremonyInvalid } });
    const limited: Problem = { status: 429, code: 'rate_limited', message: 'Too many attempts. Try again in 2 minutes.', fieldErrors: {} };
    expect(secondFactorVerdict(limited)).toEqual({ kind: 'show', problem: limited });
  });
});
