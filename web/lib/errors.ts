/**
 * The digest of the error thrown when the API cannot be reached. Next.js keeps a digest that an
 * error already has, so `app/error.tsx` can tell "the sign-in service is down" from a bug
 * without the server's message (which production builds strip) reaching the browser.
 */
export const SIGN_IN_SERVICE_UNAVAILABLE = 'GATEHOUSE_SIGN_IN_SERVICE_UNAVAILABLE';

export class SignInServiceUnavailableError extends Error {
  readonly digest = SIGN_IN_SERVICE_UNAVAILABLE;

  constructor(cause?: unknown) {
    super('The sign-in service is unreachable.', { cause });
    this.name = 'SignInServiceUnavailableError';
  }
}
