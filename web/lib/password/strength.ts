/**
 * The password rules of the API (server/src/Gatehouse.Api/Users/AccountRules.cs, PasswordRules),
 * checked as the visitor types, then zxcvbn's estimate for what the rules allow. The rules come
 * first, so the meter never calls a password the API refuses anything but refused.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export type Score = 0 | 1 | 2 | 3 | 4;

/** What the lazily loaded estimator offers (lib/password/estimator.ts). */
export interface Estimator {
  /** Among the API's common passwords (common-passwords.json), compared as the API compares. */
  isCommon(password: string): boolean;
  /** zxcvbn's score and advice; `userInputs` are words of this account (its username) that make a password guessable. */
  estimate(password: string, userInputs: readonly string[]): { readonly score: Score; readonly warning: string | null; readonly suggestions: readonly string[] };
}

export type RefusalReason = 'too-short' | 'too-long' | 'common' | 'unchanged';

export type Assessment =
  | { readonly kind: 'empty' }
  /** The API would refuse it. */
  | { readonly kind: 'refused'; readonly reason: RefusalReason; readonly message: string }
  /** The rules allow it; the estimator is still loading. */
  | { readonly kind: 'pending' }
  /** The rules allow it, and no estimate can be had on this page (the estimator's worker failed). */
  | { readonly kind: 'unscored' }
  | { readonly kind: 'scored'; readonly score: Score; readonly label: string; readonly advice: string | null };

export const SCORE_LABELS: Readonly<Record<Score, string>> = { 0: 'Very weak', 1: 'Weak', 2: 'Fair', 3: 'Good', 4: 'Strong' };

export interface AssessOptions {
  /** Words of the account (its username, its email) that make a password easy to guess. */
  readonly userInputs?: readonly string[];
  /** On a change, the current password: the API refuses a new password equal to it. */
  readonly current?: string;
}

/**
 * The API's rules only: empty, refused, or `pending` while the estimator (and with it the
 * common-password list) loads; null when the rules allow the password and zxcvbn may score it.
 * Cheap, so a page runs it on every keystroke; zxcvbn is not (tens of milliseconds a check).
 */
export function checkRules(password: string, options: AssessOptions, estimator: Pick<Estimator, 'isCommon'> | null): Assessment | null {
  if (password.length === 0) return { kind: 'empty' };
  // String length in UTF-16 code units, as C#'s string.Length counts.
  if (password.length < PASSWORD_MIN_LENGTH) {
    const missing = PASSWORD_MIN_LENGTH - password.length;
    return refused('too-short', `${missing} more character${missing === 1 ? '' : 's'} needed: use at least ${PASSWORD_MIN_LENGTH}.`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) return refused('too-long', `Use at most ${PASSWORD_MAX_LENGTH} characters.`);
  if (options.current && password === options.current) return refused('unchanged', 'The new password must differ from the current one.');
  if (!estimator) return { kind: 'pending' };
  if (estimator.isCommon(password)) return refused('common', 'It is on the lists attackers try first. Choose one that is harder to guess.');
  return null;
}

/** The rules, then zxcvbn's score for what they allow. */
export function assessPassword(password: string, options: AssessOptions, estimator: Estimator | null): Assessment {
  const ruled = checkRules(password, options, estimator);
  if (ruled !== null || estimator === null) return ruled ?? { kind: 'pending' };
  return scored(estimator.estimate(password, (options.userInputs ?? []).filter((input) => input.length > 0)));
}

/** An estimate as the meter shows it: a label, and zxcvbn's warning or else its first suggestion. */
export const scored = ({ score, warning, suggestions }: ReturnType<Estimator['estimate']>): Assessment => ({
  kind: 'scored',
  score,
  label: SCORE_LABELS[score],
  advice: warning ?? suggestions[0] ?? null,
});

const refused = (reason: RefusalReason, message: string): Assessment => ({ kind: 'refused', reason, message });

/**
 * The API's comparison: .NET's StringComparer.OrdinalIgnoreCase, which maps each UTF-16 unit to
 * upper case. toUpperCase() agrees on every entry of the list (all ASCII) and on the letters that
 * fold to ASCII ('ſ' → 'S', 'ı' → 'I'); where it folds more ('ß' → 'SS') it may call a password
 * common that the API accepts, never the other way round.
 */
export const commonPasswordKey = (password: string): string => password.toUpperCase();
