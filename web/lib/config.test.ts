import { describe, expect, it } from 'vitest';
import { browserApiBase, parseSettings } from './config';

const from = (values: Record<string, string>) => (name: string) => values[name];

describe('parseSettings', () => {
  it('defaults to the API on loopback port 3001, same-origin mode, JWKS checks in the proxy', () => {
    const settings = parseSettings(from({}));
    expect(settings.apiUrl.origin).toBe('http://127.0.0.1:3001');
    expect(settings.publicBackendUrl).toBeNull();
    expect(settings.jwtSecret).toBeNull();
    expect(settings.sessionCheck).toBe('local');
    expect(browserApiBase(settings)).toBe('/api');
  });

  it('direct mode: the browser calls NEXT_PUBLIC_BACKEND_URL, and so does the server unless told otherwise', () => {
    const settings = parseSettings(from({ NEXT_PUBLIC_BACKEND_URL: 'http://localhost:3001' }));
    expect(browserApiBase(settings)).toBe('http://localhost:3001');
    expect(settings.apiUrl.origin).toBe('http://localhost:3001');

    const split = parseSettings(from({ NEXT_PUBLIC_BACKEND_URL: 'https://example.com:8443', GATEHOUSE_API_URL: 'http://10.0.0.5:3001' }));
    expect(browserApiBase(split)).toBe('https://example.com:8443');
    expect(split.apiUrl.origin).toBe('http://10.0.0.5:3001');
  });

  it('keeps JWT_SECRET byte for byte, spaces included, as the API does', () => {
    const secret = ` ${'x'.repeat(31)} `;
    expect(parseSettings(from({ JWT_SECRET: secret })).jwtSecret).toEqual(new TextEncoder().encode(secret));
    // 11 three-byte characters are 33 bytes: enough, although only 11 characters.
    expect(parseSettings(from({ JWT_SECRET: '鍵'.repeat(11) })).jwtSecret).toHaveLength(33);
  });

  it('expects the API\'s default issuer and audience unless told otherwise', () => {
    expect(parseSettings(from({}))).toMatchObject({ issuer: 'gatehouse', audience: 'gatehouse' });
    expect(parseSettings(from({ GATEHOUSE_TOKEN_ISSUER: 'https://api.example.com', GATEHOUSE_TOKEN_AUDIENCE: 'shop' }))).toMatchObject({
      issuer: 'https://api.example.com',
      audience: 'shop',
    });
  });

  it('passes no forwarding header on unless told a proxy in front overwrites them', () => {
    expect(parseSettings(from({})).forwardedHeaders).toBe('drop');
    expect(parseSettings(from({ GATEHOUSE_FORWARDED_HEADERS: ' pass ' })).forwardedHeaders).toBe('pass');
  });

  it.each([
    [{ GATEHOUSE_API_URL: 'api server' }, 'GATEHOUSE_API_URL must be an absolute URL'],
    [{ GATEHOUSE_API_URL: 'localhost:3001' }, 'GATEHOUSE_API_URL must use http or https'],
    [{ GATEHOUSE_API_URL: 'http://localhost:3001/api' }, 'GATEHOUSE_API_URL must be an origin'],
    [{ NEXT_PUBLIC_BACKEND_URL: 'ftp://localhost:3001' }, 'NEXT_PUBLIC_BACKEND_URL must use http or https'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 bytes'],
    [{ GATEHOUSE_SESSION_CHECK: 'sometimes' }, 'GATEHOUSE_SESSION_CHECK must be local or remote'],
    [{ GATEHOUSE_FORWARDED_HEADERS: 'trust' }, 'GATEHOUSE_FORWARDED_HEADERS must be drop or pass'],
  ])('refuses %j with a message that says how to fix it', (values, message) => {
    expect(() => parseSettings(from(values))).toThrow(message);
  });

  it('never repeats the secret in its error', () => {
    expect(() => parseSettings(from({ JWT_SECRET: 'hunter2-short' }))).toThrow(/^(?!.*hunter2).*$/s);
  });
});
