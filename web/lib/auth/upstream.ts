import type { NamedCookie } from '@/lib/auth/cookies';

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
 * origin, which is in the API's FRONTEND_URL like every page's. The browser's User-Agent and
 * X-Forwarded-For go along so the API's session list and per-IP rate limits see the browser,
 * not this server. (X-Forwarded-For is whatever reached Next: `next start` fills it from the
 * socket when nothing in front of it did; the API trusts it only from its known proxies.)
 */
export function postAsBrowser(options: {
  readonly apiUrl: URL;
  readonly path: string;
  readonly cookies: readonly NamedCookie[];
  readonly incoming: Headers;
  readonly protocol: string;
  readonly fetchImpl?: typeof fetch;
}): Promise<Response> {
  const headers = new Headers({ 'Content-Type': 'application/json', Accept: 'application/json' });
  const origin = publicOrigin(options.incoming, options.protocol);
  if (origin) headers.set('Origin', origin);
  // Values as the browser sent them: Next's cookie parser decodes, and re-encoding could alter them.
  if (options.cookies.length > 0) headers.set('Cookie', options.cookies.map(({ name, value }) => `${name}=${value}`).join('; '));
  for (const name of ['user-agent', 'x-forwarded-for']) {
    const value = options.incoming.get(name);
    if (value) headers.set(name, value);
  }
  return (options.fetchImpl ?? fetch)(new URL(options.path, options.apiUrl), {
    method: 'POST',
    headers,
    body: '{}',
    cache: 'no-store',
    redirect: 'manual',
    signal: AbortSignal.timeout(5_000),
  });
}
