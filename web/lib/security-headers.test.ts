import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, newNonce, servedOverHttps } from './security-headers';

describe('the page policy', () => {
  it('lets scripts run only by nonce, with nothing inline, no plugins, no base, no framing', () => {
    const policy = contentSecurityPolicy({ nonce: 'abc', apiOrigin: null, development: false });
    expect(policy).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic';");
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(policy).toContain("worker-src 'self';");
    for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'", "connect-src 'self';"]) {
      expect(policy).toContain(directive);
    }
  });

  it('lets the browser call the API origin in direct mode', () => {
    expect(contentSecurityPolicy({ nonce: 'abc', apiOrigin: 'https://api.example.com', development: false })).toContain("connect-src 'self' https://api.example.com;");
  });

  it('draws a fresh 128-bit nonce each time', () => {
    const nonces = new Set(Array.from({ length: 50 }, newNonce));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});

describe('HTTPS', () => {
  it('is read from the URL or a proxy’s X-Forwarded-Proto', () => {
    expect(servedOverHttps(new URL('https://app.example.com/'), new Headers())).toBe(true);
    expect(servedOverHttps(new URL('http://app.example.com/'), new Headers({ 'x-forwarded-proto': 'HTTPS, http' }))).toBe(true);
    expect(servedOverHttps(new URL('http://localhost:3000/'), new Headers({ 'x-forwarded-proto': 'http' }))).toBe(false);
    expect(servedOverHttps(new URL('http://localhost:3000/'), new Headers())).toBe(false);
  });
});
