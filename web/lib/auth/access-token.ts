import { createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JWTVerifyOptions } from 'jose';
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
 * Builds the proxy's fast check. ES256 tokens are verified against the API's JWKS, fetched once
 * and cached by jose for up to 10 minutes; HS256 tokens with the shared JWT_SECRET. No call to
 * the API per navigation, except:
 * - `remote` mode (GATEHOUSE_SESSION_CHECK=remote), which asks the API every time;
 * - an HS256 token when this server has no secret and the API publishes no keys (the API signs
 *   HS256 and the secret was not shared): asked remotely, with a warning;
 * - a `kid` the cached JWKS lacks: jose refetches the JWKS at most once per 30 s, and a `kid`
 *   still unknown is asked remotely, so a key published moments ago never signs anyone out.
 */
export function createTokenVerifier(settings: WebSettings, fetchImpl: Fetch = fetch): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', settings.apiUrl), {
    timeoutDuration: 2_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    // Tests pass their own fetch to count how often the JWKS is requested.
    [customFetch]: fetchImpl,
  });
  // The same claims and clock skew the API checks (Tokens/TokensExtensions.cs).
  const claims: JWTVerifyOptions = { issuer: settings.issuer, audience: settings.audience, typ: 'at+jwt', clockTolerance: 30 };
  let warnedAboutSecret = false;

  const remote = async (token: string): Promise<TokenVerdict> => {
    try {
      const response = await fetchImpl(new URL('/auth/is-authenticated', settings.apiUrl), {
        headers: { Authorization: `Bearer ${token}` },
        cache: 'no-store',
        signal: AbortSignal.timeout(5_000),
      });
      if (response.ok) return 'valid';
      if (response.status !== 401) return 'unverifiable';
      // The API does not say why; a token past its exp is most likely why.
      return isPastExpiry(token) ? 'expired' : 'invalid';
    } catch {
      return 'unverifiable';
    }
  };

  // An HS256 token without a shared secret: genuine only if the API publishes no keys.
  const hs256WithoutSecret = async (token: string): Promise<TokenVerdict> => {
    if (!jwks.jwks()) await jwks.reload();
    if ((jwks.jwks()?.keys.length ?? 0) > 0) return 'invalid'; // the API signs ES256
    if (!warnedAboutSecret) {
      warnedAboutSecret = true;
      console.warn('gatehouse: the API signs HS256 tokens but JWT_SECRET is not set here; asking the API on every navigation instead.');
    }
    return remote(token);
  };

  const check = async (token: string): Promise<TokenVerdict> => {
    if (settings.sessionCheck === 'remote') return remote(token);
    let algorithm: string | undefined;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      return 'invalid'; // not a JWT at all
    }
    try {
      if (settings.jwtSecret) {
        await jwtVerify(token, settings.jwtSecret, { ...claims, algorithms: ['HS256'] });
        return 'valid';
      }
      if (algorithm === 'HS256') return await hs256WithoutSecret(token);
      await jwtVerify(token, jwks, { ...claims, algorithms: ['ES256'] });
      return 'valid';
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return remote(token);
      if (error instanceof errors.JWTExpired) return 'expired';
      return isTokenFault(error) ? 'invalid' : 'unverifiable';
    }
  };

  return async (token, options = {}) => {
    const verdict = await check(token);
    return verdict === 'valid' && options.strictExpiry && isPastExpiry(token) ? 'expired' : verdict;
  };
}
