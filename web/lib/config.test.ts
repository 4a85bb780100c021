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

    const split = parseSettings(from({ NEXT_PUBLIC_BACKEND_URL: 'https://api.example.com', GATEHOUSE_API_URL: 'http://10.0.0.5:3001' }));
    expect(browserApiBase(split)).toBe('https://api.example.com');
    expect(split.apiUrl.origin).toBe('http://10.0.0.5:3001');
  });

  it('keeps JWT_SECRET as bytes for HS256', () => {
    const settings = parseSettings(from({ JWT_SECRET: 'x'.repeat(32) }));
    expect(settings.jwtSecret).toEqual(new TextEncoder().encode('x'.repeat(32)));
  });

  it.each([
    [{ GATEHOUSE_API_URL: 'api server' }, 'GATEHOUSE_API_URL must be an absolute URL'],
    [{ GATEHOUSE_API_URL: 'localhost:3001' }, 'GATEHOUSE_API_URL must use http or https'],
    [{ GATEHOUSE_API_URL: 'http://localhost:3001/api' }, 'GATEHOUSE_API_URL must be an origin'],
    [{ NEXT_PUBLIC_BACKEND_URL: 'ftp://localhost:3001' }, 'NEXT_PUBLIC_BACKEND_URL must use http or https'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 characters'],
    [{ GATEHOUSE_SESSION_CHECK: 'sometimes' }, 'GATEHOUSE_SESSION_CHECK must be local or remote'],
  ])('refuses %j with a message that says how to fix it', (values, message) => {
    expect(() => parseSettings(from(values))).toThrow(message);
  });

  it('never repeats the secret in its error', () => {
    expect(() => parseSettings(from({ JWT_SECRET: 'hunter2-short' }))).toThrow(/^(?!.*hunter2).*$/s);
  });
});
