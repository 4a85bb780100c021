import type { NextRequest } from 'next/server';
import { servedOverHttps } from '@/lib/security-headers';

/** Where a person adds a passkey and manages theirs: the security page (sign-in leads there first). */
const SECURITY_PAGE = '/dashboard/security';

/**
 * W3C "A Well-Known URL for Relying Party Passkey Endpoints": password managers read this to send
 * people straight to the page where they add or manage this site's passkeys. It is the same for
 * everyone, so caches may keep it a day. The URLs are absolute, on the origin the request named:
 * the spec fetches it at the relying party's own host, and `next start` knows only the address it
 * listens on (127.0.0.1), not the name the browser used (Vary: Host, so no cache mixes two hosts).
 */
export function GET(request: NextRequest): Response {
  const origin = requestOrigin(request);
  const page = `${origin}${SECURITY_PAGE}`;
  return Response.json(
    { enroll: page, manage: page },
    { headers: { 'Cache-Control': 'public, max-age=86400', Vary: 'Host' } },
  );
}

/** A Host header as browsers send it: a name or an IPv4/IPv6 address, and maybe a port; nothing else. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** The origin the client used: its Host header (only when it is just a host and port) and the scheme it came over. */
function requestOrigin(request: NextRequest): string {
  const scheme = servedOverHttps(request.nextUrl, request.headers) ? 'https' : 'http';
  const host = request.headers.get('host');
  if (host && HOST.test(host)) {
    try {
      return new URL(`${scheme}://${host}`).origin;
    } catch {
      // a port out of range: fall through
    }
  }
  return `${scheme}://${request.nextUrl.host}`;
}
