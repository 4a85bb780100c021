import { describe, expect, it } from 'vitest';
import {
  auditExportApiPath,
  auditListApiPath,
  auditPageLinks,
  readAuditQuery,
  readUserQuery,
  toUtcIso,
  userListApiPath,
  userPageLinks,
} from './queries';

describe('the users list', () => {
  it('asks the API for the search and the filters that are on, a page of 50', () => {
    const query = readUserQuery({ q: '  Ali ', locked: 'true', mfa: 'true', disabled: 'false', unverified: 'yes' });
    expect(query.q).toBe('Ali');
    expect(query.filters).toEqual(['locked', 'mfa']);
    expect(userListApiPath(query)).toBe('/admin/users?q=Ali&locked=true&mfa=true&limit=50');
  });

  it('asks for the first page without a cursor, and a later page with its own', () => {
    expect(userListApiPath(readUserQuery({}))).toBe('/admin/users?limit=50');
    expect(userListApiPath(readUserQuery({ cursor: 'c2', prev: '' }))).toBe('/admin/users?cursor=c2&limit=50');
  });

  it('escapes what was typed, so it cannot add parameters of its own', () => {
    expect(userListApiPath(readUserQuery({ q: 'a&locked=true #x' }))).toBe('/admin/users?q=a%26locked%3Dtrue+%23x&limit=50');
  });

  it('reads the first of repeated parameters', () => {
    expect(readUserQuery({ q: ['first', 'second'] }).q).toBe('first');
  });

  it('has no Previous on the first page, and no Next when the API gives no cursor', () => {
    expect(userPageLinks(readUserQuery({ q: 'a' }), null)).toEqual({ next: null, previous: null });
  });

  it('pages forward and back again, keeping the search and filters and the cursors of the pages before', () => {
    const first = readUserQuery({ q: 'a', locked: 'true' });
    const toSecond = userPageLinks(first, 'c2').next!;
    expect(toSecond).toBe('/admin?q=a&locked=true&prev=&cursor=c2');

    const second = readUserQuery(Object.fromEntries(groupParams(toSecond)));
    const toThird = userPageLinks(second, 'c3').next!;
    expect(toThird).toBe('/admin?q=a&locked=true&prev=&prev=c2&cursor=c3');

    const third = readUserQuery(Object.fromEntries(groupParams(toThird)));
    const backToSecond = userPageLinks(third, null);
    expect(backToSecond).toEqual({ next: null, previous: '/admin?q=a&locked=true&prev=&cursor=c2' });
    expect(userPageLinks(second, 'c3').previous).toBe('/admin?q=a&locked=true');
  });
});

describe('the audit log', () => {
  it('sends the filters with the times as UTC instants, a page of 100', () => {
    const query = readAuditQuery({ userId: 'u-1', event: 'sign_in', outcome: 'success', from: '2026-12-06T09:00', to: '2026-12-06T10:30:15' });
    expect(auditListApiPath(query)).toBe(
      '/admin/audit?userId=u-1&event=sign_in&outcome=success&from=2026-12-06T09%3A00%3A00.000Z&to=2026-12-06T10%3A30%3A15.000Z&limit=100',
    );
  });

  it('drops a time that is not what the form sends, rather than send the API nonsense', () => {
    const query = readAuditQuery({ from: 'yesterday', to: '2026-12-06T09:00Z' });
    expect(query.from).toBe('');
    expect(query.to).toBe('');
    expect(auditListApiPath(query)).toBe('/admin/audit?limit=100');
  });

  it('exports what the filters match, without paging', () => {
    const query = readAuditQuery({ event: 'lockout', cursor: 'c9', prev: '' });
    expect(auditExportApiPath(query)).toBe('/admin/audit/export?event=lockout');
    expect(auditExportApiPath(readAuditQuery({}))).toBe('/admin/audit/export');
  });

  it('keeps the filters as typed in its own paging links', () => {
    const query = readAuditQuery({ from: '2026-12-06T09:00', event: 'sign_in' });
    expect(auditPageLinks(query, 'n1').next).toBe('/admin/audit?event=sign_in&from=2026-12-06T09%3A00&prev=&cursor=n1');
  });

  it('reads a form time as UTC', () => {
    expect(toUtcIso('2026-01-31T23:59')).toBe('2026-01-31T23:59:00.000Z');
  });
});

/** An address's query as Next hands it to a page: repeated names as arrays. */
function groupParams(path: string): [string, string | string[]][] {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of new URL(path, 'http://x').searchParams) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return [...grouped].map(([name, values]) => [name, values.length === 1 ? values[0]! : values]);
}
