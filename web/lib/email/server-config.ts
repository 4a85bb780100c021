import 'server-only';
import { cache } from 'react';
import { settings } from '@/lib/config';
import { createConfigReader } from '@/lib/email/config';
import type { EmailConfig } from '@/lib/email/config';

let reader: (() => Promise<EmailConfig>) | undefined;

/** The API's mail settings, for pages and layouts that show or hide mail links; one read per request at most. */
export const getEmailConfig = cache((): Promise<EmailConfig> => {
  reader ??= createConfigReader({ apiUrl: settings().apiUrl });
  return reader();
});
