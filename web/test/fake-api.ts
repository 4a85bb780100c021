import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** A request the fake API received, for assertions on what the caller sent. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The query string, with its `?`, or empty. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * The fake API's sessions, modelled on the real one: cookies named `<prefix>access_token` and
 * `<prefix>refresh_token`; a refresh rotates both, and a refresh token used again within the grace
 * window gets the same successor. Tests steer it through these fields.
 */
export interface FakeAuth {
  /** `''` (http, Development) or `'__Host-'` (what the API uses over HTTPS). */
  cookiePrefix: string;
  readonly liveAccess: Set<string>;
  readonly liveRefresh: Set<string>;
  /** Rotated refresh tokens and what they were exchanged for: the API's reuse grace window. */
  readonly successors: Map<string, { readonly access: string; readonly refresh: string }>;
  /** Held before answering a refresh, so tests can make refreshes overlap. */
  refreshDelayMs: number;
  /** When set, every refresh answers this status (e.g. 503) instead. */
  refreshStatus: number | null;
  /** When set, guarded endpoints answer 401 whatever the cookie (a session the API will not accept). */
  rejectEveryAccessToken: boolean;
  /** What GET /auth/revocations lists, every time (clients dedupe, as with the real feed's overlap). */
  revokedSessions: string[];
  /** The feed's `complete`. */
  revocationsComplete: boolean;
  /** When set, the feed's cursor stays this; otherwise each answer gives a new one ('1', '2', …). */
  fixedCursor: string | null;
  /** The feed's `retainSeconds`. */
  retainSeconds: number;
  /** When set, the feed answers this status instead. */
  revocationsStatus: number | null;
  /** Held before the feed answers. */
  revocationsDelayMs: number;
  /** The `role` claim of the access tokens it issues from now on; none when empty. */
  tokenRoles: string[];
}

const GUARDED = new Set(['GET /auth/me', 'GET /auth/sessions', 'POST /auth/logout-all', 'POST /auth/password']);

/**
 * A real HTTP server on loopback standing in for the API: serves the JWKS, answers
 * /auth/is-authenticated, refreshes and revokes sessions held in cookies, and counts and records
 * requests so tests can see caching and what callers sent.
 */
export async function startFakeApi(keys: SigningKey[], options: { acceptBearer?: (token: string) => boolean } = {}) {
  const hits: Record<string, number> = {};
  const requests: RecordedRequest[] = [];
  let published = [...keys];
  let counter = 0;
  const auth: FakeAuth = {
    cookiePrefix: '',
    liveAccess: new Set(),
    liveRefresh: new Set(),
    successors: new Map(),
    refreshDelayMs: 0,
    refreshStatus: null,
    rejectEveryAccessToken: false,
    revokedSessions: [],
    revocationsComplete: true,
    fixedCursor: null,
    retainSeconds: 630,
    revocationsStatus: null,
    revocationsDelayMs: 0,
    tokenRoles: [],
  };
  let feedCursor = 0;

  const newAccessToken = async () => {
    const [key] = published;
    const roles = auth.tokenRoles.length > 0 ? { role: [...auth.tokenRoles] } : {};
    return key ? mintToken(key, { payload: { jti: `access-${++counter}`, ...roles } }) : `opaque-access-${++counter}`;
  };
  /** A fresh session, as a sign-in would create: its two cookie values. */
  const signIn = async () => {
    const pair = { access: await newAccessToken(), refresh: `refresh-${++counter}-${Math.random().toString(36).slice(2)}` };
    auth.liveAccess.add(pair.access);
    auth.liveRefresh.add(pair.refresh);
    return pair;
  };

  const names = () => ({ access: `${auth.cookiePrefix}access_token`, refresh: `${auth.cookiePrefix}refresh_token` });
  const attributes = () => `path=/; samesite=lax; httponly${auth.cookiePrefix ? '; secure' : ''}`;
  const setPair = (pair: { access: string; refresh: string }) => {
    const expires = (seconds: number) => new Date(Date.now() + seconds * 1000).toUTCString();
    return [
      `${names().access}=${pair.access}; expires=${expires(600)}; ${attributes()}`,
      `${names().refresh}=${pair.refresh}; expires=${expires(14 * 86_400)}; ${attributes()}`,
    ];
  };
  const deletePair = () =>
    [names().access, names().refresh].map((name) => `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; ${attributes()}`);

  const cookieOf = (request: IncomingMessage, name: string) =>
    (request.headers.cookie ?? '')
      .split(/; */)
      .map((pair) => pair.split('='))
      .find(([key]) => key === name)?.[1];

  const problem = (response: ServerResponse, status: number, code: string, headers: Record<string, string | string[]> = {}) => {
    response.writeHead(status, { 'Content-Type': 'application/problem+json', ...headers });
    response.end(JSON.stringify({ status, code, title: code }));
  };

  const refresh = async (request: IncomingMessage, response: ServerResponse) => {
    if (auth.refreshDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, auth.refreshDelayMs));
    if (auth.refreshStatus !== null) return problem(response, auth.refreshStatus, 'forced');
    const presented = cookieOf(request, names().refresh) ?? '';
    let successor = auth.successors.get(presented);
    if (!successor && auth.liveRefresh.has(presented)) {
      auth.liveRefresh.delete(presented);
      successor = { access: await newAccessToken(), refresh: `refresh-${++counter}` };
      auth.liveAccess.add(successor.access);
      auth.liveRefresh.add(successor.refresh);
      auth.successors.set(presented, successor);
    }
    if (!successor) return problem(response, 401, 'refresh_invalid', { 'Set-Cookie': deletePair() });
    const now = Date.now();
    response.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': setPair(successor) });
    response.end(JSON.stringify({ accessTokenExpiresAt: new Date(now + 600_000).toISOString(), refreshTokenExpiresAt: new Date(now + 14 * 86_400_000).toISOString() }));
  };

  const server = createServer((request, response) => {
    const { pathname: path, search: query } = new URL(request.url ?? '/', 'http://fake');
    hits[path] = (hits[path] ?? 0) + 1;
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ method: request.method ?? 'GET', path, query, headers: { ...request.headers }, body });
      void route(request, response, path).catch(() => {
        response.writeHead(500);
        response.end();
      });
    });
  });

  const route = async (request: IncomingMessage, response: ServerResponse, path: string) => {
    const call = `${request.method} ${path}`;
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
    if (call === 'GET /auth/revocations') {
      if (auth.revocationsDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, auth.revocationsDelayMs));
      if (auth.revocationsStatus !== null) return problem(response, auth.revocationsStatus, 'forced');
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({ cursor: auth.fixedCursor ?? String(++feedCursor), sessions: auth.revokedSessions, complete: auth.revocationsComplete, retainSeconds: auth.retainSeconds }),
      );
      return;
    }
    if (call === 'POST /auth/refresh') return refresh(request, response);
    if (call === 'POST /auth/login') return problem(response, 401, 'invalid_credentials');
    if (call === 'POST /auth/logout') {
      auth.liveAccess.delete(cookieOf(request, names().access) ?? '');
      auth.liveRefresh.delete(cookieOf(request, names().refresh) ?? '');
      response.writeHead(204, { 'Set-Cookie': deletePair() });
      response.end();
      return;
    }
    if (GUARDED.has(call) || (request.method === 'DELETE' && path.startsWith('/auth/sessions/'))) {
      const access = cookieOf(request, names().access) ?? '';
      if (auth.rejectEveryAccessToken || !auth.liveAccess.has(access)) return problem(response, 401, 'unauthenticated');
      if (call === 'GET /auth/me') {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ userId: 'user-1', username: 'john', email: null, createdAt: new Date().toISOString() }));
        return;
      }
      response.writeHead(204);
      response.end();
      return;
    }
    response.writeHead(404);
    response.end();
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    hits,
    requests,
    auth,
    signIn,
    /** Every access token issued so far stops working, as if each had reached its exp. */
    expireAccessTokens: () => auth.liveAccess.clear(),
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
