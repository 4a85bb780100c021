import { createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyOptions } from 'jose';
import { z } from 'zod';
import { rolesOf } from '@/lib/auth/roles';
import type { WebSettings } from '@/lib/config';

/**
 * `valid`: signed by the API and unexpired. `expired`: genuine once, but past its `exp`, so a
 * refresh cookie can renew it. `invalid`: forged or malformed, so the visitor is signed out.
 * `unverifiable`: the API could not be asked (JWKS unreachable), which says nothing about the
 * visitor and must not send them to log-in.
 */
export type TokenVerdict = 'valid' | 'expired' | 'invalid' | 'unverifiable';

export interface VerifyOptions {
  /**
   * Call a token past its `exp` expired even within the 30 s clock tolerance. The proxy sets it
   * when a refresh cookie is at hand: renewing then is cheaper than riding the tolerance and
   * having the API refuse the token moments later.
   */
  readonly strictExpiry?: boolean;
}

export type TokenVerifier = (token: string, options?: VerifyOptions) => Promise<TokenVerdict>;

/** What a token this server verified itself says about its holder. */
export interface AccessClaims {
  readonly userId: string;
  readonly sessionId: string;
  /** Seconds since the epoch (`exp`). */
  readonly expiresAt: number;
  /** `preferred_username`; null in tokens from an API that does not put it in. */
  readonly username: string | null;
  /** The `role` claims (none for most users). */
  readonly roles: readonly string[];
}

/**
 * The verdict, and for a valid token its claims when this server checked the signature itself.
 * `claims` is null when the API vouched for the token instead (remote mode, an HS256 token
 * without the secret, a `kid` not yet in the JWKS) or when the token lacks `sub`, `sid` or `exp`:
 * only the API can then say who it belongs to.
 */
export type TokenCheck =
  | { readonly verdict: 'valid'; readonly claims: AccessClaims | null }
  | { readonly verdict: Exclude<TokenVerdict, 'valid'> };

export type TokenChecker = (token: string) => Promise<TokenCheck>;

export interface CheckerOptions {
  /** Tokens remembered as verified; the oldest goes first when full. */
  readonly cacheSize?: number;
  /** The clock the cache reads, in milliseconds; tests move it. */
  readonly now?: () => number;
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  exp: z.number(),
  preferred_username: z.string().min(1).optional(),
});

function claimsOf(payload: JWTPayload): AccessClaims | null {
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) return null;
  const { sub, sid, exp, preferred_username } = parsed.data;
  return { userId: sub, sessionId: sid, expiresAt: exp, username: preferred_username ?? null, roles: rolesOf(payload) };
}

// Faults of the token itself. Anything else (network, timeout, a non-200 JWKS) is the API's.
// (JWTExpired is one too, told apart before these are checked so it can be renewed.)
const TOKEN_FAULTS = [
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSMultipleMatchingKeys,
];

const isTokenFault = (error: unknown) => TOKEN_FAULTS.some((fault) => error instanceof fault);

// Read without verifying: only ever used to choose between "expired" and another refusal, or to
// renew early, and a renewal is decided by the API, which checks the refresh cookie itself.
function isPastExpiry(token: string): boolean {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && exp * 1000 <= Date.now();
  } catch {
    return false;
  }
}

type Fetch = typeof fetch;

/**
 * Checks access tokens for the proxy and for pages. ES256 tokens are verified against the API's
 * JWKS, fetched once and cached by jose for up to 10 minutes; HS256 tokens with the shared
 * JWT_SECRET. No call to the API per check, except:
 * - `remote` mode (GATEHOUSE_SESSION_CHECK=remote), which asks the API every time;
 * - an HS256 token when this server has no secret and the API publishes no keys (the API signs
 *   HS256 and the secret was not shared): asked remotely, with a warning;
 * - a `kid` the cached JWKS lacks: jose refetches the JWKS at most once per 30 s, and a `kid`
 *   still unknown is asked remotely, so a key published moments ago never signs anyone out.
 * A token verified here is remembered until its `exp` (a bounded map, keyed by the token), so
 * the next navigation and the page it renders cost a lookup instead of an ES256 verification. A
 * signature does not change, so the memory is as good as checking again; the claims' `exp` is
 * still compared on every lookup. What the API vouched for is never remembered.
 */
export function createTokenChecker(settings: WebSettings, fetchImpl: Fetch = fetch, options: CheckerOptions = {}): TokenChecker {
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', settings.apiUrl), {
    timeoutDuration: 2_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    // Tests pass their own fetch to count how often the JWKS is requested.
    [customFetch]: fetchImpl,
  });
  // The same claims and clock skew the API checks (Tokens/TokensExtensions.cs).
  const claims: JWTVerifyOptions = { issuer: settings.issuer, audience: settings.audience, typ: 'at+jwt', clockTolerance: 30 };
  const cacheSize = options.cacheSize ?? 10_000;
  const now = options.now ?? (() => Date.now());
  const verified = new Map<string, AccessClaims>();
  let warnedAboutSecret = false;

  const remote = async (token: string): Promise<TokenCheck> => {
    try {
      const response = await fetchImpl(new URL('/auth/is-authenticated', settings.apiUrl), {
        headers: { Authorization: `Bearer ${token}` },
        cache: 'no-store',
        signal: AbortSignal.timeout(5_000),
      });
      if (response.ok) return { verdict: 'valid', claims: null };
      if (response.status !== 401) return { verdict: 'unverifiable' };
      // The API does not say why; a token past its exp is most likely why.
      return { verdict: isPastExpiry(token) ? 'expired' : 'invalid' };
    } catch {
      return { verdict: 'unverifiable' };
    }
  };

  // An HS256 token without a shared secret: genuine only if the API publishes no keys.
  const hs256WithoutSecret = async (token: string): Promise<TokenCheck> => {
    if (!jwks.jwks()) await jwks.reload();
    if ((jwks.jwks()?.keys.length ?? 0) > 0) return { verdict: 'invalid' }; // the API signs ES256
    if (!warnedAboutSecret) {
      warnedAboutSecret = true;
      console.warn('gatehouse: the API signs HS256 tokens but JWT_SECRET is not set here; asking the API on every navigation instead.');
    }
    return remote(token);
  };

  const verifyHere = async (token: string): Promise<TokenCheck> => {
    let algorithm: string | undefined;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      return { verdict: 'invalid' }; // not a JWT at all
    }
    try {
      if (settings.jwtSecret) {
        const { payload } = await jwtVerify(token, settings.jwtSecret, { ...claims, algorithms: ['HS256'] });
        return { verdict: 'valid', claims: claimsOf(payload) };
      }
      if (algorithm === 'HS256') return await hs256WithoutSecret(token);
      const { payload } = await jwtVerify(token, jwks, { ...claims, algorithms: ['ES256'] });
      return { verdict: 'valid', claims: claimsOf(payload) };
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return remote(token);
      if (error instanceof errors.JWTExpired) return { verdict: 'expired' };
      return { verdict: isTokenFault(error) ? 'invalid' : 'unverifiable' };
    }
  };

  const remember = (token: string, found: AccessClaims) => {
    // Full: the oldest goes (a Map iterates in insertion order), which is also the first to expire.
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
    verified.set(token, found);
  };

  return async (token) => {
    if (settings.sessionCheck === 'remote') return remote(token);
    const known = verified.get(token);
    if (known) {
      if (now() < known.expiresAt * 1000) return { verdict: 'valid', claims: known };
      // Past exp (perhaps within the skew): verify again, so the answer is jose's, not a stale one.
      verified.delete(token);
    }
    const check = await verifyHere(token);
    if (check.verdict === 'valid' && check.claims) remember(token, check.claims);
    return check;
  };
}

/** The proxy's fast check: the checker's verdict, with `strictExpiry` applied. */
export function createTokenVerifier(settings: WebSettings, fetchImpl: Fetch = fetch, options: CheckerOptions = {}): TokenVerifier {
  const check = createTokenChecker(settings, fetchImpl, options);
  return async (token, verifyOptions = {}) => {
    const result = await check(token);
    if (result.verdict !== 'valid' || !verifyOptions.strictExpiry) return result.verdict;
    const pastExpiry = result.claims ? result.claims.expiresAt * 1000 <= Date.now() : isPastExpiry(token);
    return pastExpiry ? 'expired' : 'valid';
  };
}
