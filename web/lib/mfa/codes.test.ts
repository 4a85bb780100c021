import { describe, expect, it } from 'vitest';
import { groupKey, normalizeTotpCode, recoveryCodesText } from '@/lib/mfa/codes';

describe('groupKey', () => {
  it('groups a base32 key in fours, the last group shorter', () => {
    expect(groupKey('JBSWY3DPEHPK3PXPAB')).toBe('JBSW Y3DP EHPK 3PXP AB');
  });

  it('drops spaces and dashes and upper-cases, so grouping twice changes nothing', () => {
    expect(groupKey('jbsw y3dp-ehpk')).toBe('JBSW Y3DP EHPK');
    expect(groupKey(groupKey('JBSWY3DPEHPK3PXP'))).toBe('JBSW Y3DP EHPK 3PXP');
  });

  it('keeps every character of the key', () => {
    const key = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    expect(groupKey(key).replace(/ /g, '')).toBe(key);
  });

  it('is empty for an empty key', () => {
    expect(groupKey('')).toBe('');
  });
});

describe('normalizeTotpCode', () => {
  it('keeps the digits only', () => {
    expect(normalizeTotpCode(' 123 456 ')).toBe('123456');
    expect(normalizeTotpCode('123-456')).toBe('123456');
  });
});

describe('recoveryCodesText', () => {
  const codes = ['abcde-fghij', 'klmno-pqrst'];
  const text = recoveryCodesText(codes, { username: 'john', createdAt: new Date('2026-12-06T06:05:09Z') });

  it('names the account and the time the codes were made', () => {
    const [first, second] = text.split('\n');
    expect(first).toBe('Gatehouse recovery codes for john');
    expect(second).toBe('Made 2026-12-06 06:05 UTC. Codes made earlier no longer work.');
  });

  it('lists every code on a line of its own, in order, and ends with a newline', () => {
    const lines = text.split('\n');
    expect(lines.filter((line) => codes.includes(line))).toEqual(codes);
    expect(text.endsWith('abcde-fghij\nklmno-pqrst\n')).toBe(true);
  });

  it('has no carriage returns', () => {
    expect(text).not.toContain('\r');
  });
});
