import { userAgentFromString } from 'next/server';

/** "Chrome 140 on Linux" from a user agent string (the full string belongs in a title). */
export function deviceName(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const { browser, os } = userAgentFromString(userAgent);
  const name = [browser.name, browser.version?.split('.', 1)[0]].filter(Boolean).join(' ');
  if (!name) return 'Unknown browser';
  return os.name ? `${name} on ${os.name}` : name;
}
