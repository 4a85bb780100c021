import { z } from 'zod';

// The parts of `GET /auth/me` about the address; an API from before issue 15 sends no `emailVerified`.
const meSchema = z.object({ email: z.string().nullable().optional(), emailVerified: z.boolean().optional() });

/**
 * The address still waiting for its link, from `/auth/me`; null when the account has none, it is
 * verified, or the API does not say (no banner is better than a wrong one).
 */
export function unverifiedAddress(body: unknown): string | null {
  const me = meSchema.safeParse(body).data;
  return me?.email && me.emailVerified === false ? me.email : null;
}
