import { describe, expect, it } from 'vitest';
import { formatWait, parseRetryAfter } from './format-wait';

describe('formatWait', () => {
  it('says minutes for a wait of minutes', () => {
    expect(formatWait(900)).toBe('15 minutes');
    expect(formatWait(60)).toBe('1 minute');
  });

  it('rounds up, so the visitor never comes back too early', () => {
    expect(formatWait(61)).toBe('2 minutes');
    expect(formatWait(899.2)).toBe('15 minutes');
    expect(formatWait(0.3)).toBe('1 second');
  });

  it('says seconds below a minute, with the singular for one', () => {
    expect(formatWait(1)).toBe('1 second');
    expect(formatWait(45)).toBe('45 seconds');
    expect(formatWait(59)).toBe('59 seconds');
  });

  it('says hours and minutes for long waits', () => {
    expect(formatWait(3600)).toBe('1 hour');
    expect(formatWait(5400)).toBe('1 hour 30 minutes');
    expect(formatWait(7260)).toBe('2 hours 1 minute');
    expect(formatWait(86_400)).toBe('24 hours');
  });

  it('says "a moment" for nothing it can count', () => {
    expect(formatWait(0)).toBe('a moment');
    expect(formatWait(-5)).toBe('a moment');
    expect(formatWait(Number.NaN)).toBe('a moment');
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('900')).toBe(900);
    expect(parseRetryAfter(' 5 ')).toBe(5);
  });

  it('reads an HTTP date as the seconds left until it', () => {
    const now = Date.parse('2026-12-05T20:00:00Z');
    expect(parseRetryAfter('Sat, 05 Dec 2026 20:15:00 GMT', now)).toBe(900);
    expect(parseRetryAfter('Sat, 05 Dec 2026 19:00:00 GMT', now)).toBe(0);
  });

  it('is undefined when missing or unreadable', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-3')).toBeUndefined();
  });
});
