import { z } from 'zod';

/** The RFC 9457 problem details the API returns, with Gatehouse's `code` / `codes` extensions. */
const problemSchema = z.object({
  title: z.string().optional(),
  detail: z.string().optional(),
  status: z.number().optional(),
  code: z.string().optional(),
  errors: z.record(z.string(), z.array(z.string())).optional(),
  codes: z.record(z.string(), z.array(z.string())).optional(),
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

/** The session could not be renewed; the client is on its way to log-in. */
export const SESSION_ENDED: Problem = {
  status: 401,
  code: 'session_ended',
  message: 'Your session has ended. Please log in again.',
  fieldErrors: {},
};

// A conflict's `code` names its field: `username_taken` belongs next to the username.
const fieldOfCode = (code: string) => code.split('_', 1)[0] ?? '';

export function toProblem(status: number, body: unknown): Problem {
  const parsed = problemSchema.safeParse(body);
  if (!parsed.success) {
    return { status, code: null, message: `The sign-in service answered ${status}.`, fieldErrors: {} };
  }
  const problem = parsed.data;
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
