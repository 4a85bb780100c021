import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, calculateJwkThumbprint } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } };
}

/** A token shaped like the API's: at+jwt, iss/aud gatehouse, sub, sid, 10 minutes. */
export function mintToken(key: SigningKey, overrides: { payload?: JWTPayload; typ?: string; issuer?: string; expiresAt?: number } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: 'session-1', ...overrides.payload })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: overrides.typ ?? 'at+jwt' })
    .setSubject('user-1')
    .setIssuer(overrides.issuer ?? 'gatehouse')
    .setAudience('gatehouse')
    .setIssuedAt(now)
    .setExpirationTime(overrides.expiresAt ?? now + 600)
    .sign(key.privateKey);
}

/**
 * A real HTTP server on loopback standing in for the API: serves the JWKS and answers
 * /auth/is-authenticated, and counts requests so tests can see caching.
 */
export async function startFakeApi(keys: SigningKey[], options: { acceptBearer?: (token: string) => boolean } = {}) {
  const hits: Record<string, number> = {};
  let published = [...keys];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/.well-known/jwks.json') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ keys: published.map((key) => key.publicJwk) }));
      return;
    }
    if (path === '/auth/is-authenticated') {
      const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
      const ok = options.acceptBearer?.(token) ?? false;
      response.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
      response.end(ok ? '{"success":true}' : '{"status":401}');
      return;
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    hits,
    publish: (next: SigningKey[]) => {
      published = [...next];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FakeApi = Awaited<ReturnType<typeof startFakeApi>>;
