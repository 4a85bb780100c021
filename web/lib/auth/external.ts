import { z } from 'zod';
import type { Problem } from '@/lib/api/problem';

/** One configured identity provider, as `GET /auth/external` lists it. */
const providerSchema = z.object({
  // The API allows lower-case letters, digits and '-'; anything else is not put in a URL.
  id: z.string().regex(/^[a-z0-9-]+$/),
  displayName: z.string().min(1),
  type: z.string().optional(),
});

export type ExternalProvider = z.infer<typeof providerSchema>;

const providerListSchema = z.object({ providers: z.array(z.unknown()) });

/** The providers of `GET /auth/external`; a malformed entry is left out, a malformed answer is none. */
export function parseProviders(body: unknown): ExternalProvider[] | null {
  const list = providerListSchema.safeParse(body);
  if (!list.success) return null;
  return list.data.providers.flatMap((entry) => {
    const provider = providerSchema.safeParse(entry);
    return provider.success ? [provider.data] : [];
  });
}

/** `GET /auth/external/pending-link`: the sign-in waiting to be linked, with the address it matched (masked by the API). */
export const pendingLinkSchema = z.object({ provider: z.string().min(1), displayName: z.string().min(1), email: z.string().min(1) });
export type PendingLink = z.infer<typeof pendingLinkSchema>;

/** One linked login of `GET /auth/external/logins`; `name` is what the provider calls the person (often an address). */
const linkedLoginSchema = z.object({ provider: z.string().min(1), displayName: z.string().min(1), name: z.string().nullable().optional().transform((name) => name ?? null) });
export type LinkedLogin = z.infer<typeof linkedLoginSchema>;

/** `GET /auth/external/logins`: the account's linked logins and its other ways in. */
export const linkedLoginsSchema = z.object({
  logins: z.array(linkedLoginSchema),
  hasPassword: z.boolean(),
  passkeyCount: z.number().int().nonnegative(),
});
export type LinkedLogins = z.infer<typeof linkedLoginsSchema>;

/** `POST /auth/external/{id}/link`: a path on the API that starts the provider's sign-in for linking. */
export const linkStartSchema = z.object({ url: z.string().startsWith('/').refine((url) => !url.startsWith('//'), 'A path on the API.') });

/**
 * `path` (a path on the API) as the browser reaches it: `/api{path}` in same-origin mode (Next
 * forwards it), `{origin}{path}` in direct mode. `base` is the page's API base (useApiBase()).
 */
export const apiAddress = (base: string, path: string): string => `${base.replace(/\/+$/, '')}${path}`;

/**
 * The address of "Continue with {provider}": a top-level navigation to the API, which answers with
 * a redirect to the provider. `next` is the page's already-checked next page (null: the API's default).
 */
export function externalStartAddress(base: string, providerId: string, next: string | null): string {
  const path = `/auth/external/${encodeURIComponent(providerId)}/start`;
  return apiAddress(base, next === null ? path : `${path}?next=${encodeURIComponent(next)}`);
}

/** Why an external sign-in failed, as the API names it in `/auth/external-error?reason=`. */
export type ExternalErrorReason = 'denied' | 'unavailable' | 'invalid_request' | 'expired' | 'email_unverified' | 'disabled' | 'failed';

const REASONS: readonly ExternalErrorReason[] = ['denied', 'unavailable', 'invalid_request', 'expired', 'email_unverified', 'disabled', 'failed'];

/** The reason in the address, when it is one the page knows; null otherwise (the generic message). */
export function parseReason(value: unknown): ExternalErrorReason | null {
  return typeof value === 'string' && (REASONS as readonly string[]).includes(value) ? (value as ExternalErrorReason) : null;
}

/**
 * What the error page says for each reason, with `provider` as the provider's display name ("the
 * provider" when unknown). Each says what happened and what the person can do next.
 */
export function reasonMessage(reason: ExternalErrorReason | null, provider: string | null): { readonly title: string; readonly message: string } {
  const name = provider ?? 'the sign-in provider';
  switch (reason) {
    case 'denied':
      return { title: 'Sign-in cancelled', message: `You did not allow ${name} to sign you in here, so nothing happened. You can try again, or log in another way.` };
    case 'unavailable':
      return { title: 'Provider unavailable', message: `${capitalise(name)} could not be reached. Please try again in a moment, or log in another way.` };
    case 'invalid_request':
      return {
        title: 'Sign-in not completed',
        message: `The answer from ${name} did not match the sign-in this browser started, so it was refused. Please start again from this site.`,
      };
    case 'expired':
      return { title: 'Sign-in expired', message: `The sign-in with ${name} took too long and has expired. Please start again.` };
    case 'email_unverified':
      return {
        title: 'Email address not verified',
        message: `${capitalise(name)} did not confirm that your email address is verified, so it cannot be used to sign in here. Verify it with ${name}, or log in another way.`,
      };
    case 'disabled':
      return { title: 'Account disabled', message: 'This account is disabled and cannot sign in. Contact your administrator.' };
    case 'failed':
      return { title: 'Sign-in failed', message: `Signing in with ${name} did not work. Please try again, or log in another way.` };
    case null:
      return { title: 'Sign-in failed', message: `Signing in with ${name} did not work. Please try again, or log in another way.` };
  }
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export const LINK_MESSAGES = {
  expired: 'That link request has expired or was already used. Start again with the provider from the log-in page.',
  mismatch: 'You signed in to a different account from the one this sign-in belongs to, so nothing was linked.',
  lastSignInMethod: 'This is the only way to sign in to your account. Add a password or a passkey first, then unlink it.',
  alreadyLinked: 'That provider is already linked to your account.',
  signInExpired: 'That sign-in expired, start again.',
} as const;

/** What a refused `DELETE /auth/external/logins/{provider}` means, in words that say what to do; null: done (404, gone already). */
export function unlinkProblem(problem: Problem): string | null {
  if (problem.code === 'external_login_not_found') return null;
  if (problem.code === 'last_sign_in_method') return LINK_MESSAGES.lastSignInMethod;
  return problem.message;
}

/** What a refused `POST /auth/external/pending-link` means for the link page. */
export type LinkVerdict = { readonly kind: 'expired' } | { readonly kind: 'mismatch' } | { readonly kind: 'show'; readonly message: string };

export function linkVerdict(problem: Problem): LinkVerdict {
  if (problem.code === 'link_pending_invalid' || problem.status === 404) return { kind: 'expired' };
  if (problem.code === 'link_account_mismatch') return { kind: 'mismatch' };
  return { kind: 'show', message: problem.message };
}
