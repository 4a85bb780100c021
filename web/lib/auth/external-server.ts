import 'server-only';
import { cache } from 'react';
import { createProvidersReader } from '@/lib/auth/external-providers';
import type { ExternalProvider } from '@/lib/auth/external';
import { settings } from '@/lib/config';

let reader: (() => Promise<readonly ExternalProvider[]>) | undefined;

/** The configured identity providers, for the pages that offer "Continue with …"; one read per request at most. */
export const getExternalProviders = cache((): Promise<readonly ExternalProvider[]> => {
  reader ??= createProvidersReader({ apiUrl: settings().apiUrl });
  return reader();
});
