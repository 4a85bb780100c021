import { describe, expect, it } from 'vitest';
import type { ApiResult } from '@/lib/api/client';
import { MESSAGES } from '@/lib/auth/second-factor';
import { signInWithPasskey } from './sign-in';
import type { PasskeySignInDeps } from './sign-in';

const OPTIONS = { challenge: 'Y2hhbGxlbmdl', rpId: 'localhost', allowCredentials: [], userVerification: 'required' };
const CREDENTIAL = { id: 'cred', rawId: 'cred', type: 'public-key', response: {} };

/** A fake API and browser: `answers` by path, the dialog's outcome, and what was called. */
function fake(answers: Record<string, ApiResult>, dialog: () => Promise<unknown> = async () => CREDENTIAL) {
  const posts: { path: string; body: unknown }[] = [];
  const asked: { options: unknown; conditional?: boolean }[] = [];
  const deps: PasskeySignInDeps = {
    post: async (path, body) => {
      posts.push({ path, body });
      return answers[path] ?? { ok: false, problem: { status: 404, code: null, message: 'not found', fieldErrors: {} } };
    },
    getPasskey: async (options, request) => {
      asked.push({ options, conditional: request.conditional });
      return dialog();
    },
  };
  return { deps, posts, asked };
}

const started: ApiResult = { ok: true, body: { ceremonyId: 'ceremony-1', options: OPTIONS } };

describe('signing in with a passkey', () => {
  it('asks the API for options, hands them to the browser, and sends the credential back with the ceremony', async () => {
    const { deps, posts, asked } = fake({ '/auth/passkeys/login/options': started, '/auth/passkeys/login': { ok: true, body: { success: true } } });
    expect(await signInWithPasskey(deps, { conditional: true })).toEqual({ kind: 'signed-in' });
    expect(asked).toEqual([{ options: OPTIONS, conditional: true }]);
    expect(posts).toEqual([
      { path: '/auth/passkeys/login/options', body: undefined },
      { path: '/auth/passkeys/login', body: { ceremonyId: 'ceremony-1', credential: CREDENTIAL } },
    ]);
  });

  it('is cancelled, not failed, when the person closes the dialog, and sends nothing more', async () => {
    const { deps, posts } = fake({ '/auth/passkeys/login/options': started }, async () => {
      throw new DOMException('closed', 'NotAllowedError');
    });
    expect(await signInWithPasskey(deps)).toEqual({ kind: 'cancelled' });
    expect(posts).toHaveLength(1);
  });

  it('is cancelled when its wait was ended before the options came (a dialog took over)', async () => {
    const controller = new AbortController();
    const { deps, asked } = fake({ '/auth/passkeys/login/options': started });
    const waiting = signInWithPasskey(deps, { conditional: true, signal: controller.signal });
    controller.abort();
    expect(await waiting).toEqual({ kind: 'cancelled' });
    expect(asked).toHaveLength(0);
  });

  it('fails with a message of its own when the browser cannot make an assertion', async () => {
    const { deps } = fake({ '/auth/passkeys/login/options': started }, async () => {
      throw new DOMException('no', 'SecurityError');
    });
    expect(await signInWithPasskey(deps)).toMatchObject({ kind: 'failed', chosen: false, problem: { message: MESSAGES.passkeyUnavailable } });
  });

  it('fails as chosen when the API refuses the passkey, in words that say what to do', async () => {
    const refused: ApiResult = { ok: false, problem: { status: 401, code: 'passkey_failed', message: 'Unauthorized', fieldErrors: {} } };
    const { deps } = fake({ '/auth/passkeys/login/options': started, '/auth/passkeys/login': refused });
    expect(await signInWithPasskey(deps)).toMatchObject({ kind: 'failed', chosen: true, problem: { code: 'passkey_failed', message: MESSAGES.passkeyFailed } });
  });

  it('passes on the problem when the API gives no options (down, rate limited), without opening a dialog', async () => {
    const limited: ApiResult = { ok: false, problem: { status: 429, code: 'rate_limited', message: 'Too many attempts. Try again in 1 minute.', fieldErrors: {} } };
    const { deps, asked } = fake({ '/auth/passkeys/login/options': limited });
    expect(await signInWithPasskey(deps)).toEqual({ kind: 'failed', chosen: false, problem: limited.ok ? null : limited.problem });
    expect(asked).toHaveLength(0);
  });

  it('refuses options of the wrong shape without opening a dialog', async () => {
    const { deps, asked } = fake({ '/auth/passkeys/login/options': { ok: true, body: { options: OPTIONS } } });
    expect(await signInWithPasskey(deps)).toMatchObject({ kind: 'failed', chosen: false });
    expect(asked).toHaveLength(0);
  });
});
