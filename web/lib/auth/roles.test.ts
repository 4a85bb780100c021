import { describe, expect, it } from 'vitest';
import { isAdmin, isAdminPath, rolesOf, rolesOfVerifiedToken } from './roles';

const unsigned = (payload: object) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

describe('role claims', () => {
  it('reads an array of roles and a single role written as a string', () => {
    expect(rolesOf({ role: ['admin', 'support'] })).toEqual(['admin', 'support']);
    expect(rolesOf({ role: 'admin' })).toEqual(['admin']);
  });

  it('reads no roles from a token without the claim, or with one of another shape', () => {
    expect(rolesOf({})).toEqual([]);
    expect(rolesOf({ role: 7 })).toEqual([]);
    expect(rolesOf({ role: ['admin', 7] })).toEqual([]);
    expect(rolesOf({ roles: ['admin'] })).toEqual([]); // the API's claim is `role`
  });

  it('knows an admin only by the exact role name', () => {
    expect(isAdmin(['admin'])).toBe(true);
    expect(isAdmin(['Admin', 'administrator', 'admins'])).toBe(false);
    expect(isAdmin([])).toBe(false);
  });

  it('reads the roles of a token, and none from something that is not one', () => {
    expect(rolesOfVerifiedToken(unsigned({ sub: 'u', role: ['admin'] }))).toEqual(['admin']);
    expect(rolesOfVerifiedToken('not-a-token')).toEqual([]);
  });
});

describe('console paths', () => {
  it('are /admin and the pages below it, and nothing that merely starts with the word', () => {
    for (const path of ['/admin', '/admin/', '/admin/users/1', '/admin/audit']) expect(isAdminPath(path), path).toBe(true);
    for (const path of ['/administrator', '/admins', '/dashboard/admin', '/']) expect(isAdminPath(path), path).toBe(false);
  });
});
