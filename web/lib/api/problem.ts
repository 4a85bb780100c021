import { z } from 'zod';
import { formatWait, parseRetryAfter } from '@/lib/format-wait';

/** The RFC 9457 problem details the API returns, with Gatehouse's `code` / `codes` extensions. */
const problemSchema = z.object({
  title: z.string().optional(),
  detail: z.string().optional(),
  status: z.number().optional(),
  code: z.string().optional(),
  errors: z.record(z.string(), z.array(z.string())).optional(),
  codes: z.record(z.string(), z.array(z.string())).optional(),
  /** On a 429: the seconds to wait (the body's copy of Retry-After, which CORS hides from direct mode). */
  retryAfter: z.number().optional(),
});

export interface Problem {
  readonly status: number;
  /** The stable code clients may branch on, e.g. `invalid_credentials`; `unreachable` when there was no answer. */
  readonly code: string | null;
  /** One sentence for people. */
  readonly message: string;
  /** Messages per form field (`username`, `email`, `password`, `currentPassword`, `newPassword`). */
  readonly fieldErrors: Readonly<Record<string, readonly string[]>>;
}

export const UNREACHABLE: Problem = {
  status: 0,
  code: 'unreachable',
  message: 'The sign-in service is unreachable. Please try again in a moment.',
  fieldErrors: {},
};

/** The API took the request but gave no answer in time (the client gives up after REQUEST_TIMEOUT_MS). */
export const TIMED_OUT: Problem = {
  status: 0,
  code: 'timeout',
  message: 'The sign-in service did not answer in time. Check your connection and try again.',
  fieldErrors: {},
};

/** Problems where the same request may well succeed a moment later: the form offers "Try again". */
export const isRetryable = (problem: Problem): boolean => problem.code === UNREACHABLE.code || problem.code === TIMED_OUT.code;

/** The session could not be renewed; the client is on its way to log-in. */
export const SESSION_ENDED: Problem = {
  status: 401,
  code: 'session_ended',
  message: 'Your session has ended. Please log in again.',
  fieldErrors: {},
};

// A conflict's `code` names its field: `username_taken` belongs next to the username.
const fieldOfCode = (code: string) => code.split('_', 1)[0] ?? '';

/**
 * What the API's answer means for a form. `retryAfterHeader` is the response's Retry-After, read when
 * the body does not carry the wait (in direct mode CORS hides the header, so the body is asked first).
 */
export function toProblem(status: number, body: unknown, retryAfterHeader?: string | null): Problem {
  const parsed = problemSchema.safeParse(body);
  if (!parsed.success) {
    return { status, code: null, message: `The sign-in service answered ${status}.`, fieldErrors: {} };
  }
  const problem = parsed.data;
  if (problem.code === 'rate_limited') {
    // The API counts in seconds ("Try again in 900 seconds"); people count in minutes.
    const wait = problem.retryAfter ?? parseRetryAfter(retryAfterHeader);
    return { status, code: problem.code, message: `Too many attempts. Try again in ${formatWait(wait ?? 0)}.`, fieldErrors: {} };
  }
  const fieldErrors: Record<string, string[]> = { ...problem.errors };
  // A validation problem's title is generic; its field messages say what to fix.
  const fieldMessages = Object.values(problem.errors ?? {}).flat();
  const message = problem.detail ?? (fieldMessages.length > 0 ? fieldMessages.join(' ') : undefined) ?? problem.title ?? `The sign-in service answered ${status}.`;
  const field = problem.code ? fieldOfCode(problem.code) : '';
  if (!problem.errors && ['username', 'email', 'password'].includes(field)) fieldErrors[field] = [message];
  return { status, code: problem.code ?? null, message, fieldErrors };
}

/** The alert above a form: a pointer to the fields when they carry the messages, else the message itself. */
export const formAlert = (problem: Problem): string =>
  Object.keys(problem.fieldErrors).length > 0 ? 'Please fix the fields marked below.' : problem.message;
