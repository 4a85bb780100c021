import { z } from 'zod';

/** `GET /auth/mfa`: which second factors the account has. */
export const mfaStatusSchema = z.object({
  totpEnabled: z.boolean(),
  recoveryCodesRemaining: z.number().int().nonnegative(),
  passkeyCount: z.number().int().nonnegative(),
  required: z.boolean(),
  enrollmentRequired: z.boolean(),
});
export type MfaStatus = z.infer<typeof mfaStatusSchema>;

/** One passkey as `GET /auth/passkeys` lists it; `id` is the credential id, base64url. */
export const passkeySchema = z.object({
  id: z.string().min(1),
  name: z.string().nullable().optional().transform((name) => name ?? null),
  createdAt: z.string(),
  backedUp: z.boolean(),
});
export type Passkey = z.infer<typeof passkeySchema>;

export const passkeyListSchema = z.object({ passkeys: z.array(passkeySchema) });

/** `POST /auth/mfa/totp/setup`. */
export const totpSetupSchema = z.object({ secret: z.string().min(1), otpauthUri: z.string().startsWith('otpauth://') });

/** Recovery codes, as confirm, replace and a first passkey answer them (absent or empty: none new). */
export const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()).optional().default([]) });

/** A ceremony's options from the API: the id to send back, and WebAuthn's options JSON for the browser. */
export const ceremonySchema = z.object({ ceremonyId: z.string().min(1), options: z.unknown() });

/** What the security page shows: the factors and the passkeys. */
export interface SecurityOverview {
  readonly mfa: MfaStatus;
  readonly passkeys: readonly Passkey[];
}
