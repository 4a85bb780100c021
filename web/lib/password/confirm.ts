export const MISMATCH_MESSAGE = 'The two passwords do not match.';

/**
 * The repeated password, checked before anything is sent: the API sees only one of them, and a
 * typo in a password nobody can read back would lock the visitor out again.
 */
export function confirmationErrors(password: string, confirmation: string): Readonly<Record<string, readonly string[]>> | null {
  return password === confirmation ? null : { confirmPassword: [MISMATCH_MESSAGE] };
}
