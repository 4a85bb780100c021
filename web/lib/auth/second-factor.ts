import { z } from 'zod';
import type { Problem } from '@/lib/api/problem';

/** The second factors `POST /auth/login` names when it asks for one. */
export type SecondFactorMethod = 'totp' | 'passkey' | 'recovery_code';

const METHODS: readonly SecondFactorMethod[] = ['totp', 'passkey', 'recovery_code'];

const secondFactorSchema = z.object({ mfaRequired: z.literal(true), methods: z.array(z.string()) });

/** What a sign-in's 200 means: a session, or a pending sign-in waiting for one of `methods`. */
export type SignInAnswer = { readonly kind: 'signed-in' } | { readonly kind: 'second-factor'; readonly methods: readonly SecondFactorMethod[] };

/**
 * Reads the 200 of `POST /auth/login` (or of a passkey sign-in). Anything but the second-factor
 * shape is the old success answer: a user without a second factor gets exactly today's body.
 */
export function readSignInAnswer(body: unknown): SignInAnswer {
  const parsed = secondFactorSchema.safeParse(body);
  if (!parsed.success) return { kind: 'signed-in' };
  const named = new Set(parsed.data.methods);
  // In one fixed order, whatever order the API lists them in; names this page does not know are left out.
  return { kind: 'second-factor', methods: METHODS.filter((method) => named.has(method)) };
}

/** The field the second-factor step shows: the app's code, a recovery code, or none (a passkey is a button). */
export type CodeMode = 'totp' | 'recovery_code' | 'none';

/**
 * The field to start with: the authenticator app's code when the account has one; else none when a
 * passkey can be used here (its button is the way); else a recovery code.
 */
export function firstMode(methods: readonly SecondFactorMethod[], passkeysHere: boolean): CodeMode {
  if (methods.includes('totp')) return 'totp';
  if (methods.includes('passkey') && passkeysHere) return 'none';
  return 'recovery_code';
}

/** Whether the step offers "Use a passkey": the account has one and this browser can use it. */
export const offersPasskey = (methods: readonly SecondFactorMethod[], passkeysHere: boolean) => passkeysHere && methods.includes('passkey');

/** The other fields the step can switch to from `mode`, in the order the links show. */
export function otherModes(methods: readonly SecondFactorMethod[], mode: CodeMode): ('totp' | 'recovery_code')[] {
  return (['totp', 'recovery_code'] as const).filter((other) => other !== mode && methods.includes(other));
}

/**
 * The six digits of an authenticator code as people type or paste them ("123 456", "123-456"); null
 * when it is not six digits, so a typo is caught here instead of costing one of the five attempts.
 */
export function normaliseCode(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

/** A recovery code as typed, without the spaces a copy and paste brings along. */
export const normaliseRecoveryCode = (input: string): string => input.trim();

export const MESSAGES = {
  codeFormat: 'Enter the 6 digits your authenticator app shows.',
  codeInvalid: 'That code is not right. Enter the code your app shows now.',
  recoveryCodeInvalid: 'That recovery code is not right, or it has been used already.',
  pendingInvalid: 'Your sign-in timed out or had too many wrong attempts. Please enter your password again.',
  passkeyFailed: 'That passkey was not accepted. Try again, or sign in another way.',
  ceremonyInvalid: 'The passkey request expired. Please try again.',
  passkeyUnavailable: 'This browser could not use a passkey. Try again, or sign in another way.',
} as const;

/** What a refused second factor means for the step: go back to the password, or show the problem. */
export type SecondFactorVerdict = { readonly kind: 'restart'; readonly message: string } | { readonly kind: 'show'; readonly problem: Problem };

/**
 * A wrong code belongs next to its field, in words that say what to do. A pending sign-in that is
 * gone (expired, used up by wrong codes, locked) cannot be finished from here: the password again.
 */
export function secondFactorVerdict(problem: Problem): SecondFactorVerdict {
  switch (problem.code) {
    case 'mfa_pending_invalid':
      return { kind: 'restart', message: MESSAGES.pendingInvalid };
    case 'code_invalid':
      return { kind: 'show', problem: { ...problem, message: MESSAGES.codeInvalid, fieldErrors: { code: [MESSAGES.codeInvalid] } } };
    case 'recovery_code_invalid':
      return { kind: 'show', problem: { ...problem, message: MESSAGES.recoveryCodeInvalid, fieldErrors: { recoveryCode: [MESSAGES.recoveryCodeInvalid] } } };
    default:
      return { kind: 'show', problem: passkeyProblem(problem) };
  }
}

/** A refused passkey in words that say what to do; other problems as the API put them. */
export function passkeyProblem(problem: Problem): Problem {
  if (problem.code === 'passkey_failed') return { ...problem, message: MESSAGES.passkeyFailed };
  if (problem.code === 'ceremony_invalid') return { ...problem, message: MESSAGES.ceremonyInvalid };
  return problem;
}
