import type { NamedCookie } from '@/lib/auth/cookies';
import { settings } from '@/lib/config';
import type { WebSettings } from '@/lib/config';
import { forwardingHeaders } from '@/lib/forwarding';

/**
 * The origin the browser used to reach this web app, e.g. `http://localhost:3000`: from the
 * request's Host header and X-Forwarded-Proto (which `next start` sets, or a TLS-terminating
 * proxy in front of it), never from the loopback address Next listens on. Null when the Host
 * header is missing or not a host name.
 */
export function publicOrigin(incoming: Headers, fallbackProtocol: string): string | null {
  const host = incoming.get('host')?.trim();
  if (!host || !/^[a-z0-9._-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(host)) return null;
  const forwarded = incoming.get('x-forwarded-proto')?.split(',', 1)[0]?.trim().toLowerCase();
  const protocol = forwarded === 'https' || forwarded === 'http' ? forwarded : fallbackProtocol.replace(/:$/, '');
  return `${protocol === 'https' ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/**
 * Sends an unsafe request to the API as the browser's agent. The API refuses a cookie-carrying
 * POST without an allowed Origin (its CSRF defence), so this one names the web app's public
 * origin, which is in the API's FRONTEND_URL like every page's. The browser's User-Agent goes
 * along for the API's session list, and X-Forwarded-For only when a proxy in front of this
 * server vouches for it (GATEHOUSE_FORWARDED_HEADERS=pass; see lib/forwarding.ts).
 */
export function postAsBrowser(options: {
  readonly apiUrl: URL;
  readonly path: string;
  readonly cookies: readonly NamedCookie[];
  readonly incoming: Headers;
  readonly protocol: string;
  readonly fetchImpl?: typeof fetch;
  /** Defaults to the server's setting. */
  readonly forwarded?: WebSettings['forwardedHeaders'];
}): Promise<Response> {
  const headers = new Headers({ 'Content-Type': 'application/json', Accept: 'application/json' });
  const origin = publicOrigin(options.incoming, options.protocol);
  if (origin) headers.set('Origin', origin);
  // Values as the browser sent them: Next's cookie parser decodes, and re-encoding could alter them.
  if (options.cookies.length > 0) headers.set('Cookie', options.cookies.map(({ name, value }) => `${name}=${value}`).join('; '));
  const userAgent = options.incoming.get('user-agent');
  if (userAgent) headers.set('user-agent', userAgent);
  for (const [name, value] of forwardingHeaders(options.incoming, options.forwarded ?? settings().forwardedHeaders)) headers.set(name, value);
  return (options.fetchImpl ?? fetch)(new URL(options.path, options.apiUrl), {
    method: 'POST',
    headers,
    body: '{}',
    cache: 'no-store',
    redirect: 'manual',
    signal: AbortSignal.timeout(5_000),
  });
}
