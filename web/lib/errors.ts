/** The API could not be reached or could not answer; not the same as being signed out. */
export class SignInServiceUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('The sign-in service is unreachable.', { cause });
    this.name = 'SignInServiceUnavailableError';
  }
}
