import { createRemoteJWKSet, customFetch, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JWTVerifyOptions } from 'jose';
import type { WebSettings } from '@/lib/config';

/** The cookie the API sets on sign-in; the name users of the original design know. */
export const ACCESS_TOKEN_COOKIE = 'access_token';

/**
 * `valid`: signed by the API and unexpired. `invalid`: forged, expired or malformed, so the
 * visitor is signed out. `unverifiable`: the API could not be asked (JWKS unreachable), which
 * says nothing about the visitor and must not send them to log-in.
 */
export type TokenVerdict = 'valid' | 'invalid' | 'unverifiable';

export type TokenVerifier = (token: string) => Promise<TokenVerdict>;

// The same claims and clock skew the API checks (Tokens/TokensExtensions.cs).
const CLAIMS: JWTVerifyOptions = {
  issuer: 'gatehouse',
  audience: 'gatehouse',
  typ: 'at+jwt',
  clockTolerance: 30,
};

// Faults of the token itself. Anything else (network, timeout, a non-200 JWKS) is the API's.
const TOKEN_FAULTS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
];

const isTokenFault = (error: unknown) => TOKEN_FAULTS.some((fault) => error instanceof fault);

type Fetch = typeof fetch;

/**
 * Builds the proxy's fast check. ES256 tokens are verified against the API's JWKS, fetched once
 * and cached by jose for up to 10 minutes; a token with an unknown `kid` triggers a refetch, at
 * most one per 30 s, so forged kids cannot make this server hammer the API. HS256 tokens with the
 * shared JWT_SECRET. No call to the API per navigation, except in `remote` mode, which is also
 * the fallback when the API signs HS256 and this server was not given the secret.
 */
export function createTokenVerifier(settings: WebSettings, fetchImpl: Fetch = fetch): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', settings.apiUrl), {
    timeoutDuration: 2_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    // Tests pass their own fetch to count how often the JWKS is requested.
    [customFetch]: fetchImpl,
  });
  let warnedAboutSecret = false;

  const remote = async (token: string): Promise<TokenVerdict> => {
    try {
      const response = await fetchImpl(new URL('/auth/is-authenticated', settings.apiUrl), {
        headers: { Authorization: `Bearer ${token}` },
        cache: 'no-store',
        signal: AbortSignal.timeout(5_000),
      });
      if (response.ok) return 'valid';
      return response.status === 401 ? 'invalid' : 'unverifiable';
    } catch {
      return 'unverifiable';
    }
  };

  return async (token) => {
    if (settings.sessionCheck === 'remote') return remote(token);
    let algorithm: string | undefined;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      return 'invalid'; // not a JWT at all
    }
    try {
      if (settings.jwtSecret) {
        await jwtVerify(token, settings.jwtSecret, { ...CLAIMS, algorithms: ['HS256'] });
        return 'valid';
      }
      if (algorithm === 'HS256') {
        if (!warnedAboutSecret) {
          warnedAboutSecret = true;
          console.warn('gatehouse: the API signs HS256 tokens but JWT_SECRET is not set here; asking the API on every navigation instead.');
        }
        return await remote(token);
      }
      await jwtVerify(token, jwks, { ...CLAIMS, algorithms: ['ES256'] });
      return 'valid';
    } catch (error) {
      return isTokenFault(error) ? 'invalid' : 'unverifiable';
    }
  };
}
