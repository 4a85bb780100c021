import { NextResponse } from 'next/server';
import { describe, expect, it } from 'vitest';
import { passOnCookies } from '@/lib/auth/refresh';

describe('passOnCookies', () => {
  it("keeps the API's Set-Cookie lines beside the deletions of dead cookies it did not cover", () => {
    const response = NextResponse.next();
    passOnCookies(
      response,
      ['refresh_token=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax'],
      [
        { name: 'refresh_token', value: 'dead' },
        { name: '__Host-access_token', value: 'dead' },
      ],
    );
    const lines = response.headers.getSetCookie();
    expect(lines.some((line) => line.startsWith('refresh_token=;'))).toBe(true);
    expect(lines.some((line) => line.startsWith('__Host-access_token=;'))).toBe(true);
    expect(lines).toHaveLength(2);
  });
});
