import { describe, expect, it } from 'vitest';
import { forwardingHeaders, isForwardingHeader } from './forwarding';

const incoming = new Headers({ 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', forwarded: 'for=203.0.113.9', 'x-real-ip': '203.0.113.9', 'user-agent': 'x' });

describe('forwarding headers', () => {
  it('go nowhere when no proxy in front of the web server vouches for them', () => {
    expect(forwardingHeaders(incoming, 'drop')).toEqual([]);
  });

  it('go on as a proxy in front set them', () => {
    expect(Object.fromEntries(forwardingHeaders(incoming, 'pass'))).toEqual({
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      forwarded: 'for=203.0.113.9',
      'x-real-ip': '203.0.113.9',
    });
  });

  it('are told apart from other headers whatever their case', () => {
    expect(isForwardingHeader('X-Forwarded-For')).toBe(true);
    expect(isForwardingHeader('user-agent')).toBe(false);
  });
});
