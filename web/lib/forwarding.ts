import type { WebSettings } from '@/lib/config';

/** The headers by which one hop tells the next who the client is and how it connected. */
const FORWARDING = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded', 'x-real-ip'] as const;

/**
 * The forwarding headers this server may pass to the API. `next start` fills X-Forwarded-For
 * from the socket only when the request has none, and otherwise passes the browser's value on
 * as it came (checked on Next 16.4), so without a proxy in front that overwrites it, it says
 * nothing we can vouch for: then none go on, and the API sees this server's own connection
 * (in `./run.sh`, loopback — where every browser of a 127.0.0.1-bound web server comes from).
 */
export function forwardingHeaders(incoming: Headers, mode: WebSettings['forwardedHeaders']): [string, string][] {
  if (mode === 'drop') return [];
  return FORWARDING.flatMap((name) => {
    const value = incoming.get(name);
    return value ? [[name, value] as [string, string]] : [];
  });
}

/** Whether a header is one of the forwarding headers, which only forwardingHeaders() may pass on. */
export const isForwardingHeader = (name: string) => (FORWARDING as readonly string[]).includes(name.toLowerCase());
