import { describe, expect, it, vi } from 'vitest';
import type { ApiResult } from '@/lib/api/client';
import { createReauthenticator, REAUTHENTICATION_CANCELLED } from '@/lib/auth/reauthentication';

const ok = (body: unknown = null): ApiResult => ({ ok: true, body });
const problem = (status: number, code: string | null): ApiResult => ({ ok: false, problem: { status, code, message: `${code}`, fieldErrors: {} } });
const reauthRequired = () => problem(403, 'reauthentication_required');

/** A call that gives `answers` in turn, and counts how often it was made. */
function calls(...answers: ApiResult[]) {
  return vi.fn(async () => answers.shift() ?? ok('extra call'));
}

describe('createReauthenticator', () => {
  it('passes a success through without asking', async () => {
    const ask = vi.fn(async () => true);
    const call = calls(ok({ done: true }));
    expect(await createReauthenticator(ask)(call)).toEqual(ok({ done: true }));
    expect(ask).not.toHaveBeenCalled();
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('passes other problems through without asking, even a 403 of another kind', async () => {
    const ask = vi.fn(async () => true);
    const refused = problem(403, 'mfa_enrollment_required');
    const call = calls(refused);
    expect(await createReauthenticator(ask)(call)).toEqual(refused);
    expect(ask).not.toHaveBeenCalled();
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('asks once on reauthentication_required and repeats the call after a confirmation', async () => {
    const ask = vi.fn(async () => true);
    const call = calls(reauthRequired(), ok({ recoveryCodes: ['a'] }));
    expect(await createReauthenticator(ask)(call)).toEqual(ok({ recoveryCodes: ['a'] }));
    expect(ask).toHaveBeenCalledTimes(1);
    expect(call).toHaveBeenCalledTimes(2);
  });

  it('does not repeat the call when the person cancels, and says nothing was changed', async () => {
    const ask = vi.fn(async () => false);
    const call = calls(reauthRequired(), ok());
    expect(await createReauthenticator(ask)(call)).toEqual({ ok: false, problem: REAUTHENTICATION_CANCELLED });
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('treats a question that throws as cancelled', async () => {
    const call = calls(reauthRequired(), ok());
    const result = await createReauthenticator(async () => Promise.reject(new Error('no dialog')))(call);
    expect(result).toEqual({ ok: false, problem: REAUTHENTICATION_CANCELLED });
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('repeats only once: a second refusal is returned, not asked again', async () => {
    const ask = vi.fn(async () => true);
    const call = calls(reauthRequired(), reauthRequired(), ok());
    const result = await createReauthenticator(ask)(call);
    expect(result.ok ? null : result.problem.code).toBe('reauthentication_required');
    expect(ask).toHaveBeenCalledTimes(1);
    expect(call).toHaveBeenCalledTimes(2);
  });

  it('asks one question for calls refused together, and repeats each of them', async () => {
    let confirm: (value: boolean) => void = () => undefined;
    const ask = vi.fn(() => new Promise<boolean>((resolve) => (confirm = resolve)));
    const withReauthentication = createReauthenticator(ask);
    const first = calls(reauthRequired(), ok('first'));
    const second = calls(reauthRequired(), ok('second'));
    const results = Promise.all([withReauthentication(first), withReauthentication(second)]);
    await vi.waitFor(() => expect(ask).toHaveBeenCalled());
    await new Promise((resolve) => setTimeout(resolve, 0));
    confirm(true);
    expect(await results).toEqual([ok('first'), ok('second')]);
    expect(ask).toHaveBeenCalledTimes(1);
  });

  it('asks again for a later refusal, once the earlier question is answered', async () => {
    const ask = vi.fn(async () => true);
    const withReauthentication = createReauthenticator(ask);
    await withReauthentication(calls(reauthRequired(), ok()));
    await withReauthentication(calls(reauthRequired(), ok()));
    expect(ask).toHaveBeenCalledTimes(2);
  });
});
