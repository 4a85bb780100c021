import { z } from 'zod';
import { createPublicConfigReader } from '@/lib/api/public-config';
import type { PublicConfigReaderOptions } from '@/lib/api/public-config';

/** The API's `GET /auth/config`: which mail features this deployment has. */
const configSchema = z.object({
  emailEnabled: z.boolean(),
  requireEmail: z.boolean(),
  requireVerifiedEmail: z.boolean(),
});

export type EmailConfig = z.infer<typeof configSchema>;

/**
 * What the pages assume when the API cannot say (down, slow, or older than `/auth/config`): the
 * behaviour from before mail existed. No link to a mail that may never come, an optional address
 * field; the API still refuses what it must (`email_required`), and the form shows its answer.
 */
export const MAIL_UNKNOWN: EmailConfig = { emailEnabled: false, requireEmail: false, requireVerifiedEmail: false };

export const parseEmailConfig = (body: unknown): EmailConfig | null => configSchema.safeParse(body).data ?? null;

/** The API's mail settings for server-rendered pages, remembered briefly (lib/api/public-config.ts); MAIL_UNKNOWN without an answer. */
export const createConfigReader = (options: PublicConfigReaderOptions): (() => Promise<EmailConfig>) =>
  createPublicConfigReader({ path: '/auth/config', parse: parseEmailConfig, unknown: MAIL_UNKNOWN }, options);
