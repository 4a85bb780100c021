import type { ApiResult } from '@/lib/api/client';
import type { Problem } from '@/lib/api/problem';

/** The API's answer (403) to a sensitive action when the session last proved who it is too long ago. */
export const REAUTHENTICATION_REQUIRED = 'reauthentication_required';

/** The person closed the "Confirm it's you" dialog: the action was not done. */
export const REAUTHENTICATION_CANCELLED: Problem = {
  status: 403,
  code: 'reauthentication_cancelled',
  message: 'Nothing was changed: confirm it is you to go on.',
  fieldErrors: {},
};

/** Asks the person to prove who they are; true once the API has renewed the session's authentication. */
export type AskToReauthenticate = () => Promise<boolean>;

export type WithReauthentication = (call: () => Promise<ApiResult>) => Promise<ApiResult>;

export const needsReauthentication = (result: ApiResult): boolean => !result.ok && result.problem.code === REAUTHENTICATION_REQUIRED;

/**
 * Wraps API calls so that a `reauthentication_required` answer asks the person (the dialog) and,
 * once they have confirmed, makes the same call again; the caller sees only the final answer.
 * Calls that hit the wall together share one question. The call is repeated once: if the API
 * still refuses (a clock far off, a window shorter than the round trip), that answer is shown
 * rather than asking in a loop.
 */
export function createReauthenticator(ask: AskToReauthenticate): WithReauthentication {
  let asking: Promise<boolean> | null = null;
  const askOnce = (): Promise<boolean> => {
    asking ??= ask()
      // A dialog that failed to open is no confirmation.
      .catch(() => false)
      .finally(() => (asking = null));
    return asking;
  };
  return async (call) => {
    const first = await call();
    if (!needsReauthentication(first)) return first;
    if (!(await askOnce())) return { ok: false, problem: REAUTHENTICATION_CANCELLED };
    return call();
  };
}
