import { describe, expect, it } from 'vitest';
import type { Problem } from '@/lib/api/problem';
import {
  apiAddress,
  externalStartAddress,
  LINK_MESSAGES,
  linkedLoginsSchema,
  linkStartSchema,
  linkVerdict,
  parseProviders,
  parseReason,
  pendingLinkSchema,
  reasonMessage,
  unlinkProblem,
} from './external';

const problem = (status: number, code: string | null, message = 'As the API put it.'): Problem => ({ status, code, message, fieldErrors: {} });

describe('parseProviders', () => {
  it('reads the providers of GET /auth/external', () => {
    expect(parseProviders({ providers: [{ id: 'local', displayName: 'Local provider', type: 'oidc' }, { id: 'github', displayName: 'GitHub' }] })).toEqual([
      { id: 'local', displayName: 'Local provider', type: 'oidc' },
      { id: 'github', displayName: 'GitHub' },
    ]);
  });

  it('leaves out an entry whose id could not go in a URL as it is, or without a name, and keeps the others', () => {
    const providers = parseProviders({
      providers: [{ id: '../admin', displayName: 'Evil' }, { id: 'Upper', displayName: 'Upper' }, { id: 'ok-1', displayName: '' }, { id: 'ok-2', displayName: 'Ok' }],
    });
    expect(providers).toEqual([{ id: 'ok-2', displayName: 'Ok' }]);
  });

  it('refuses an answer that is not a provider list', () => {
    expect(parseProviders(null)).toBeNull();
    expect(parseProviders({ providers: 'local' })).toBeNull();
    expect(parseProviders({ title: 'Not Found' })).toBeNull();
  });

  it('reads an empty list as no providers', () => {
    expect(parseProviders({ providers: [] })).toEqual([]);
  });
});

describe('externalStartAddress', () => {
  it('same-origin: goes through the /api forwarder, with next encoded', () => {
    expect(externalStartAddress('/api', 'local', '/dashboard/security?tab=1')).toBe('/api/auth/external/local/start?next=%2Fdashboard%2Fsecurity%3Ftab%3D1');
  });

  it('direct: goes to the API origin itself', () => {
    expect(externalStartAddress('http://localhost:3001', 'github', '/dashboard')).toBe('http://localhost:3001/auth/external/github/start?next=%2Fdashboard');
  });

  it('without a next page leaves the choice to the API (its default, the dashboard)', () => {
    expect(externalStartAddress('/api', 'local', null)).toBe('/api/auth/external/local/start');
  });

  it('encodes the provider id, whatever reaches it', () => {
    expect(externalStartAddress('/api', 'a/b?c', null)).toBe('/api/auth/external/a%2Fb%3Fc/start');
  });
});

describe('apiAddress', () => {
  it('puts the page API base in front of a path the API handed back', () => {
    expect(apiAddress('/api', '/auth/external/local/start?link=abc')).toBe('/api/auth/external/local/start?link=abc');
    expect(apiAddress('http://localhost:3001', '/auth/external/local/start?link=abc')).toBe('http://localhost:3001/auth/external/local/start?link=abc');
    expect(apiAddress('http://localhost:3001/', '/x')).toBe('http://localhost:3001/x');
  });
});

describe('linkStartSchema', () => {
  it('accepts a path on the API, and refuses an absolute or protocol-relative address', () => {
    expect(linkStartSchema.safeParse({ url: '/auth/external/local/start?link=abc' }).success).toBe(true);
    expect(linkStartSchema.safeParse({ url: 'https://evil.example/start' }).success).toBe(false);
    expect(linkStartSchema.safeParse({ url: '//evil.example/start' }).success).toBe(false);
  });
});

describe('answers of the link endpoints', () => {
  it('reads the pending link', () => {
    expect(pendingLinkSchema.parse({ provider: 'local', displayName: 'Local provider', email: 'a***@example.com' })).toEqual({
      provider: 'local',
      displayName: 'Local provider',
      email: 'a***@example.com',
    });
    expect(pendingLinkSchema.safeParse({ provider: 'local' }).success).toBe(false);
  });

  it('reads the linked logins, a missing name as null', () => {
    expect(
      linkedLoginsSchema.parse({
        logins: [{ provider: 'local', displayName: 'Local provider', name: 'alice@example.com' }, { provider: 'github', displayName: 'GitHub' }],
        hasPassword: true,
        passkeyCount: 0,
      }),
    ).toEqual({
      logins: [
        { provider: 'local', displayName: 'Local provider', name: 'alice@example.com' },
        { provider: 'github', displayName: 'GitHub', name: null },
      ],
      hasPassword: true,
      passkeyCount: 0,
    });
    expect(linkedLoginsSchema.safeParse({ logins: [], hasPassword: 'yes', passkeyCount: 0 }).success).toBe(false);
  });
});

describe('reasons on the error page', () => {
  it('knows the seven reasons the API names, and nothing else', () => {
    for (const reason of ['denied', 'unavailable', 'invalid_request', 'expired', 'email_unverified', 'disabled', 'failed']) {
      expect(parseReason(reason)).toBe(reason);
    }
    expect(parseReason('<script>')).toBeNull();
    expect(parseReason(['denied'])).toBeNull();
    expect(parseReason(undefined)).toBeNull();
  });

  it('says something different for each reason, naming the provider', () => {
    const reasons = ['denied', 'unavailable', 'invalid_request', 'expired', 'email_unverified', 'failed'] as const;
    const messages = reasons.map((reason) => reasonMessage(reason, 'Local provider').message);
    expect(new Set(messages).size).toBe(reasons.length);
    for (const message of messages) expect(message).toContain('Local provider');
    expect(reasonMessage('denied', 'Local provider')).toEqual({
      title: 'Sign-in cancelled',
      message: 'You did not allow Local provider to sign you in here, so nothing happened. You can try again, or log in another way.',
    });
    expect(reasonMessage('unavailable', 'GitHub').message).toMatch(/^GitHub could not be reached/);
  });

  it('says a disabled account is disabled, whatever the provider', () => {
    expect(reasonMessage('disabled', 'Local provider').message).toBe('This account is disabled and cannot sign in. Contact your administrator.');
  });

  it('gives an unknown reason or provider the generic words', () => {
    expect(reasonMessage(null, null)).toEqual({ title: 'Sign-in failed', message: 'Signing in with the sign-in provider did not work. Please try again, or log in another way.' });
    expect(reasonMessage('unavailable', null).message).toMatch(/^The sign-in provider could not be reached/);
  });
});

describe('refusals of linking and unlinking', () => {
  it('explains that the last way to sign in cannot go, and takes a login gone already as done', () => {
    expect(unlinkProblem(problem(409, 'last_sign_in_method'))).toBe(LINK_MESSAGES.lastSignInMethod);
    expect(LINK_MESSAGES.lastSignInMethod).toMatch(/Add a password or a passkey first/);
    expect(unlinkProblem(problem(404, 'external_login_not_found'))).toBeNull();
    expect(unlinkProblem(problem(0, 'unreachable', 'The sign-in service is unreachable.'))).toBe('The sign-in service is unreachable.');
  });

  it('tells a pending link that expired from one made for another account', () => {
    expect(linkVerdict(problem(404, 'link_pending_invalid'))).toEqual({ kind: 'expired' });
    expect(linkVerdict(problem(403, 'link_account_mismatch'))).toEqual({ kind: 'mismatch' });
    expect(linkVerdict(problem(0, 'unreachable', 'Unreachable.'))).toEqual({ kind: 'show', message: 'Unreachable.' });
  });
});
