/** A fresh, unguessable nonce for one page response's scripts (128 random bits, base64). */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/**
 * The Content-Security-Policy of a page. Scripts run only with this response's nonce (Next puts
 * it on its own scripts when it finds it in the request's CSP header), and 'strict-dynamic'
 * lets them load the chunks they import; no inline script or handler an attacker injects can run.
 * Styles may be inline: they cannot run code, and React's style attributes and the unavailable
 * page's <style> need it. `apiOrigin` is the API the browser calls in direct mode.
 */
export function contentSecurityPolicy(options: { nonce: string; apiOrigin: string | null; development: boolean }): string {
  const api = options.apiOrigin ? ` ${options.apiOrigin}` : '';
  return [
    "default-src 'self'",
    // next dev evaluates modules for hot reloading; next start never does.
    `script-src 'self' 'nonce-${options.nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${api}`,
    // The password-strength estimator runs in a Web Worker built from one of our own chunks.
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    // Forms submit through React actions (fetch), never by posting to another origin.
    "form-action 'self'",
  ].join('; ');
}

/**
 * Features no Gatehouse page uses are denied to it and to anything it might embed. WebAuthn stays
 * allowed for this origin, for passkeys. Only features Chromium knows (not `bluetooth`), so it logs
 * no warnings.
 */
export const PERMISSIONS_POLICY = [
  'camera=()',
  'microphone=()',
  'geolocation=()',
  'payment=()',
  'usb=()',
  'serial=()',
  'hid=()',
  'midi=()',
  'magnetometer=()',
  'gyroscope=()',
  'accelerometer=()',
  'display-capture=()',
  'browsing-topics=()',
  'publickey-credentials-get=(self)',
  'publickey-credentials-create=(self)',
].join(', ');

/** Two years of HTTPS only, for this host and its subdomains; sent only over HTTPS (RFC 6797 §7.2). */
export const STRICT_TRANSPORT_SECURITY = 'max-age=63072000; includeSubDomains';

/**
 * Whether the browser reached us over HTTPS: the request URL, or the X-Forwarded-Proto of a
 * TLS-terminating proxy in front. A browser that forges the header over plain HTTP gains nothing:
 * browsers ignore Strict-Transport-Security received over HTTP.
 */
export function servedOverHttps(url: URL, headers: Headers): boolean {
  return url.protocol === 'https:' || headers.get('x-forwarded-proto')?.split(',', 1)[0]?.trim().toLowerCase() === 'https';
}

/** The headers a page response carries besides next.config.ts's static ones (which include Permissions-Policy). */
export function pageSecurityHeaders(options: { csp: string; https: boolean }): [string, string][] {
  return [['Content-Security-Policy', options.csp], ...(options.https ? [['Strict-Transport-Security', STRICT_TRANSPORT_SECURITY] as [string, string]] : [])];
}
