import { describe, expect, it } from 'vitest';
import { passkeyListSchema, recoveryCodesSchema } from '@/lib/mfa/status';

describe('the security page’s view of the API', () => {
  it('reads a passkey without a name as null, and drops fields the page does not show', () => {
    const parsed = passkeyListSchema.parse({ passkeys: [{ id: 'abc_-1', createdAt: '2026-12-06T06:00:00Z', backedUp: true, publicKey: 'secret-ish' }] });
    expect(parsed.passkeys).toEqual([{ id: 'abc_-1', name: null, createdAt: '2026-12-06T06:00:00Z', backedUp: true }]);
  });

  it('reads an answer without recovery codes (a passkey that was not the first factor) as none', () => {
    expect(recoveryCodesSchema.parse({ passkey: {} }).recoveryCodes).toEqual([]);
  });
});
