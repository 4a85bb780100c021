import { describe, expect, it } from 'vitest';
import { readLinkToken } from './link-token';

const TOKEN = 'q2Zk3m_Yx-9aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456'; // 43+ base64url characters, as the API makes them

describe('readLinkToken', () => {
  it('reads a base64url token, trimmed of what a mail client added around it', () => {
    expect(readLinkToken(TOKEN)).toBe(TOKEN);
    expect(readLinkToken(` ${TOKEN}\n`)).toBe(TOKEN);
  });

  it('refuses a missing, repeated, cut-short or foreign value, so the page sends nothing', () => {
    for (const value of [undefined, '', [TOKEN, TOKEN], 'abc', `${TOKEN}<script>`, `${TOKEN}=`, 'a'.repeat(257), `${TOKEN.slice(0, 10)} ${TOKEN}`]) {
      expect(readLinkToken(value)).toBeNull();
    }
  });
});
