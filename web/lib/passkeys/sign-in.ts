import { z } from 'zod';
import type { ApiResult } from '@/lib/api/client';
import type { Problem } from '@/lib/api/problem';
import { MESSAGES, passkeyProblem, readSignInAnswer } from '@/lib/auth/second-factor';
import type { SignInAnswer } from '@/lib/auth/second-factor';
import { wasCancelled } from '@/lib/passkeys/browser';

/** What signing in with a passkey came to. `chosen`: a passkey was picked and the API refused it. */
export type PasskeySignIn = SignInAnswer | { readonly kind: 'cancelled' } | { readonly kind: 'failed'; readonly problem: Problem; readonly chosen: boolean };

/** What the ceremony needs from the page: the API client, and the browser's passkey dialog (tests pass their own). */
export interface PasskeySignInDeps {
  readonly post: (path: string, body?: unknown) => Promise<ApiResult>;
  readonly getPasskey: (options: unknown, request: { conditional?: boolean; signal?: AbortSignal }) => Promise<unknown>;
}

const ceremonySchema = z.object({ ceremonyId: z.string().min(1), options: z.record(z.string(), z.unknown()) });

const problem = (message: string, code: string): Problem => ({ status: 0, code, message, fieldErrors: {} });

/**
 * One passkey sign-in: the API's request options (for anyone, or, while this browser holds a pending
 * sign-in, that account's passkeys), the browser's dialog or autofill (`conditional`), and the answer
 * back to the API, which starts the session. A dialog the person closed, or a wait `signal` ended, is
 * `cancelled`: not an error to show.
 */
export async function signInWithPasskey(deps: PasskeySignInDeps, request: { conditional?: boolean; signal?: AbortSignal } = {}): Promise<PasskeySignIn> {
  const started = await deps.post('/auth/passkeys/login/options');
  if (request.signal?.aborted) return { kind: 'cancelled' };
  if (!started.ok) return { kind: 'failed', problem: started.problem, chosen: false };
  const ceremony = ceremonySchema.safeParse(started.body);
  if (!ceremony.success) return { kind: 'failed', problem: problem(MESSAGES.passkeyUnavailable, 'unexpected_answer'), chosen: false };

  let credential: unknown;
  try {
    credential = await deps.getPasskey(ceremony.data.options, request);
  } catch (error) {
    if (wasCancelled(error) || request.signal?.aborted) return { kind: 'cancelled' };
    // No authenticator for this site, a security error, a broken option: this browser cannot do it now.
    return { kind: 'failed', problem: problem(MESSAGES.passkeyUnavailable, 'passkey_unavailable'), chosen: false };
  }

  const answer = await deps.post('/auth/passkeys/login', { ceremonyId: ceremony.data.ceremonyId, credential });
  if (!answer.ok) return { kind: 'failed', problem: passkeyProblem(answer.problem), chosen: true };
  return readSignInAnswer(answer.body);
}
