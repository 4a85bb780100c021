import { describe, expect, it } from 'vitest';
import { unverifiedAddress } from './account';

describe('unverifiedAddress', () => {
  it('is the address while it is unverified', () => {
    expect(unverifiedAddress({ userId: 'u', username: 'ann', email: 'ann@example.com', emailVerified: false })).toBe('ann@example.com');
  });

  it('is null once verified, without an address, or when the API does not say', () => {
    expect(unverifiedAddress({ email: 'ann@example.com', emailVerified: true })).toBeNull();
    expect(unverifiedAddress({ email: null, emailVerified: false })).toBeNull();
    expect(unverifiedAddress({ email: '', emailVerified: false })).toBeNull();
    expect(unverifiedAddress({ email: 'ann@example.com' })).toBeNull();
    expect(unverifiedAddress({ email: 'ann@example.com', emailVerified: 'false' })).toBeNull();
    expect(unverifiedAddress(null)).toBeNull();
  });
});
