import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_COOKIE, REFRESH_TOKEN_COOKIE, deletion, findCookie, isTokenCookieName } from './cookies';

const cookiesOf = (header: string) => new NextRequest('http://localhost:3000/', { headers: { cookie: header } }).cookies;

describe('findCookie', () => {
  it('reads the plain names the API uses over http', () => {
    const cookies = cookiesOf('access_token=a1; refresh_token=r1');
    expect(findCookie(cookies, ACCESS_TOKEN_COOKIE)).toEqual({ name: 'access_token', value: 'a1' });
    expect(findCookie(cookies, REFRESH_TOKEN_COOKIE)).toEqual({ name: 'refresh_token', value: 'r1' });
  });

  it('prefers the __Host- name, then __Secure-, over a plain leftover of the same cookie', () => {
    const cookies = cookiesOf('access_token=plain; __Secure-access_token=secure; __Host-access_token=host; __Secure-refresh_token=r2; refresh_token=r1');
    expect(findCookie(cookies, ACCESS_TOKEN_COOKIE)).toEqual({ name: '__Host-access_token', value: 'host' });
    expect(findCookie(cookies, REFRESH_TOKEN_COOKIE)).toEqual({ name: '__Secure-refresh_token', value: 'r2' });
  });

  it('treats a missing or empty cookie as absent, and ignores look-alike names', () => {
    expect(findCookie(cookiesOf('other=1'), ACCESS_TOKEN_COOKIE)).toBeUndefined();
    expect(findCookie(cookiesOf('__Host-access_token=; access_token=a1'), ACCESS_TOKEN_COOKIE)).toEqual({ name: 'access_token', value: 'a1' });
    expect(findCookie(cookiesOf('__host-access_token=x; xaccess_token=y'), ACCESS_TOKEN_COOKIE)).toBeUndefined();
  });
});

describe('cookie names', () => {
  it.each(['access_token', '__Host-access_token', '__Secure-access_token', 'refresh_token', '__Host-refresh_token', '__Secure-refresh_token'])(
    '%s is a token cookie',
    (name) => expect(isTokenCookieName(name)).toBe(true),
  );

  it.each(['session', '__Host-session', 'access_token2'])('%s is not', (name) => expect(isTokenCookieName(name)).toBe(false));
});

describe('deletion', () => {
  it('deletes a prefixed cookie with Secure, which the browser requires to replace it, and a plain one without', () => {
    expect(deletion('__Host-refresh_token')).toMatchObject({ value: '', path: '/', secure: true, expires: new Date(0) });
    expect(deletion('access_token')).toMatchObject({ value: '', path: '/', secure: false });
  });
});
