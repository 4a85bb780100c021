import type { NextConfig } from 'next';
import { PERMISSIONS_POLICY, STRICT_TRANSPORT_SECURITY } from './lib/security-headers';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  experimental: {
    // What Next buffers of a request body for proxy.ts, which refuses larger ones by their
    // Content-Length (413) and bodies of unknown length (411): the API's own 16 KiB limit
    // (lib/body-limit.ts), instead of Next's default of 10 MB for every request.
    proxyClientMaxBodySize: 16 * 1024,
  },
  // The API's external sign-in sends a person who owes a second factor to `/auth/login?mfa=1&next=…`
  // (docs/api.md); the page is /auth/log-in. The query goes along; temporary, so no browser caches it.
  async redirects() {
    return [{ source: '/auth/login', destination: '/auth/log-in', permanent: false }];
  },
  // The same-origin /api/* forwarding to the API lives in app/api/[...path]/route.ts: rewrites
  // here are fixed at build time, and the API's address is a run-time setting.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'Permissions-Policy', value: PERMISSIONS_POLICY },
        ],
      },
      // Pages get a nonce policy from proxy.ts; the API's answers run no script.
      {
        source: '/api/:path*',
        headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" }],
      },
      // Next's assets: a script file's own policy governs nothing, except when it starts a Web Worker,
      // whose policy is the one its script was served with. The password-strength worker's bootstrap
      // (a chunk) loads its other chunks with importScripts, so same-origin scripts are allowed; under
      // `default-src 'none'` alone the worker failed and zxcvbn ran on the page's thread instead.
      {
        source: '/_next/:path*',
        headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" }],
      },
      {
        // Behind a TLS-terminating proxy; proxy.ts adds it to pages served over HTTPS directly.
        source: '/:path*',
        has: [{ type: 'header', key: 'x-forwarded-proto', value: 'https' }],
        headers: [{ key: 'Strict-Transport-Security', value: STRICT_TRANSPORT_SECURITY }],
      },
    ];
  },
};

export default nextConfig;
