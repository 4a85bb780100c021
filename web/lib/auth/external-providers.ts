import { createPublicConfigReader } from '@/lib/api/public-config';
import type { PublicConfigReaderOptions } from '@/lib/api/public-config';
import { parseProviders } from '@/lib/auth/external';
import type { ExternalProvider } from '@/lib/auth/external';

const NONE: readonly ExternalProvider[] = [];

/**
 * Reads `GET /auth/external` for the log-in and sign-up pages, remembered briefly as the mail
 * settings are (lib/api/public-config.ts). An API that does not answer (or one without external
 * logins) gives the last list it had, or none, so the page still offers the password.
 */
export const createProvidersReader = (options: PublicConfigReaderOptions): (() => Promise<readonly ExternalProvider[]>) =>
  createPublicConfigReader({ path: '/auth/external', parse: parseProviders, unknown: NONE }, options);
