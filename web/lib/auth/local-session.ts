import { createTokenChecker } from '@/lib/auth/access-token';
import type { TokenChecker } from '@/lib/auth/access-token';
import { createRevocationFeed } from '@/lib/auth/revocations';
import type { RevocationView } from '@/lib/auth/revocations';
import type { WebSettings } from '@/lib/config';

/** What pages may know about the signed-in user; never the whole user record. */
export interface SessionUser {
  readonly userId: string;
  readonly username: string;
  /** What the session's token (or `/auth/me`) says; enough to show or hide a link, never to let anyone in. */
  readonly roles: readonly string[];
}

/**
 * `user`: signed in, known from the token alone. `signed-out`: the token is no good, or its session
 * was revoked. `ask-api`: this server cannot tell (the feed is stale, the token lacks the username,
 * the API vouched for it remotely), so the API's `/auth/me` decides.
 */
export type LocalVerdict = { readonly kind: 'user'; readonly user: SessionUser } | { readonly kind: 'signed-out' } | { readonly kind: 'ask-api' };

export type LocalSessionCheck = (token: string) => Promise<LocalVerdict>;

const SIGNED_OUT: LocalVerdict = { kind: 'signed-out' };
const ASK_API: LocalVerdict = { kind: 'ask-api' };

/**
 * The pages' check in `local` mode, without a call to the API: the token verified as the proxy
 * verifies it (remembered until its exp), and its session looked up among the revocations the
 * feed has brought. Fails towards the API, never towards "signed in".
 */
export function createLocalSessionCheck(deps: { readonly check: TokenChecker; readonly feed: RevocationView }): LocalSessionCheck {
  return async (token) => {
    const result = await deps.check(token);
    // The keys could not be fetched: the API has the answer (or is down, which it will show).
    if (result.verdict !== 'valid') return result.verdict === 'unverifiable' ? ASK_API : SIGNED_OUT;
    const { claims } = result;
    // The API vouched for the token itself, or it lacks sub, sid or exp: only the API can say more.
    if (!claims) return ASK_API;
    deps.feed.start();
    // A revocation is final, so a listed session is refused whether or not the feed is fresh.
    if (deps.feed.isRevoked(claims.sessionId)) return SIGNED_OUT;
    // Without a recent complete answer a revocation may be going unheard.
    if (!deps.feed.isFresh()) return ASK_API;
    // Tokens from before the API put the username in (they live ten minutes).
    if (!claims.username) return ASK_API;
    return { kind: 'user', user: { userId: claims.userId, username: claims.username, roles: claims.roles } };
  };
}

// Next may load this module once per bundle layer; one checker and one poller serve the process.
const GLOBAL_KEY = Symbol.for('gatehouse.local-session-check');
const holder = globalThis as unknown as Record<symbol, LocalSessionCheck | undefined>;

/** The process's check, made on first use; the feed starts polling with the first token it sees. */
export function localSessionCheck(settings: WebSettings): LocalSessionCheck {
  return (holder[GLOBAL_KEY] ??= createLocalSessionCheck({
    check: createTokenChecker(settings),
    feed: createRevocationFeed({ apiUrl: settings.apiUrl }),
  }));
}
