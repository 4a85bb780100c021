import type { Problem } from '@/lib/api/problem';

/** The API's answers to a mailed link that cannot be used (Auth/AuthErrors.cs there). */
export const TOKEN_CODES = ['token_invalid', 'token_expired', 'token_used'] as const;

export type TokenCode = (typeof TOKEN_CODES)[number];

export const isTokenCode = (code: string | null): code is TokenCode => (TOKEN_CODES as readonly (string | null)[]).includes(code);

/** Which mailed link a page opened; each has its own way to a new one. */
export type LinkKind = 'verify' | 'reset' | 'confirm';

const LINK_PROBLEMS: Readonly<Record<LinkKind, Readonly<Record<TokenCode, string>>>> = {
  verify: {
    token_invalid: 'This verification link is not valid. It may have been copied incompletely, or a newer link replaced it.',
    token_expired: 'This verification link has expired. Links work for 24 hours.',
    token_used: 'This verification link was already used. If your address is verified, you can simply log in.',
  },
  reset: {
    token_invalid: 'This password reset link is not valid. It may have been copied incompletely, or a newer link replaced it.',
    token_expired: 'This password reset link has expired. Links work for 30 minutes.',
    token_used: 'This password reset link was already used, or your password changed since it was sent.',
  },
  confirm: {
    token_invalid: 'This confirmation link is not valid. It may have been copied incompletely, or a newer link replaced it.',
    token_expired: 'This confirmation link has expired.',
    token_used: 'This confirmation link was already used.',
  },
};

/** The sentence for a link the API refused, in terms of what the link was for. */
export const linkProblemMessage = (kind: LinkKind, code: TokenCode): string => LINK_PROBLEMS[kind][code];

/** Log-in refused until the address is verified (403 `email_unverified`). */
export const UNVERIFIED_MESSAGE = 'Your email address is not verified yet. Open the link in the mail we sent you, or ask for a new one.';

/** Mail is switched off on this deployment (503 `email_disabled`). */
export const EMAIL_DISABLED_MESSAGE = 'Email is not available on this server. Ask its administrator for help.';

/** What a form shows when the API answers one of the mail codes; null for any other problem. */
export function mailProblemMessage(problem: Problem, kind?: LinkKind): string | null {
  if (problem.code === 'email_unverified') return UNVERIFIED_MESSAGE;
  if (problem.code === 'email_disabled') return EMAIL_DISABLED_MESSAGE;
  if (kind && isTokenCode(problem.code)) return linkProblemMessage(kind, problem.code);
  return null;
}

/**
 * The same answer whether or not an account exists (the API answers alike too): a form that
 * said "no such account" would tell anyone who has one here.
 */
export const FORGOT_SENT_MESSAGE = 'If an account exists for that username or email address, we sent a link to reset its password. It works for 30 minutes.';

export const VERIFICATION_SENT_MESSAGE = 'If that account has an address waiting to be verified, we sent a new link to it.';

/**
 * A problem from `POST /auth/email`, with its messages on this form's fields: the API names a
 * taken or invalid address `email` (its codes start so), the form's field is `newEmail`; a wrong
 * password belongs next to the password, whichever way the API words it.
 */
export function forEmailChange(problem: Problem): Problem {
  const { email, ...others } = problem.fieldErrors;
  const fieldErrors: Record<string, readonly string[]> = { ...others };
  if (email) fieldErrors.newEmail = [...(others.newEmail ?? []), ...email];
  if (problem.code === 'current_password_incorrect' && !fieldErrors.currentPassword) fieldErrors.currentPassword = [problem.message];
  return { ...problem, fieldErrors };
}
