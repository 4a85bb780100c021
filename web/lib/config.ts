import { z } from 'zod';

/**
 * Settings of the Next.js server, read from the environment when the server starts, not
 * when it is built, so one `next build` serves every deployment. (A plain
 * `process.env.NEXT_PUBLIC_X` would be inlined at build time; `readEnv` reads by name.)
 */
export interface WebSettings {
  /** Where this server reaches the API: JWKS, /auth/me and the same-origin `/api` rewrite. */
  readonly apiUrl: URL;
  /** Set in direct mode: the browser calls this API origin cross-origin with credentials. */
  readonly publicBackendUrl: string | null;
  /** HS256 secret shared with the API; when unset, tokens are checked against the JWKS. */
  readonly jwtSecret: Uint8Array | null;
  /** `local` checks the JWT in the proxy; `remote` asks the API on every navigation. */
  readonly sessionCheck: 'local' | 'remote';
  /** The `iss` and `aud` the API puts in its tokens (Gatehouse:Tokens:Issuer / Audience there). */
  readonly issuer: string;
  readonly audience: string;
  /**
   * `drop`: browsers reach `next start` directly, so X-Forwarded-For and its kin are theirs to
   * forge and never go on to the API. `pass`: a reverse proxy in front overwrites them with what
   * it saw (nginx: `proxy_set_header X-Forwarded-For $remote_addr`), so they are passed on.
   */
  readonly forwardedHeaders: 'drop' | 'pass';
}

function readEnv(name: string): string | undefined {
  const value = process.env[name];
  return value?.trim() ? value : undefined;
}

const origin = (variable: string) =>
  z
    .string()
    .url(`${variable} must be an absolute URL such as http://localhost:3001.`)
    .transform((value) => new URL(value))
    .refine((url) => url.protocol === 'http:' || url.protocol === 'https:', `${variable} must use http or https.`)
    .refine((url) => url.pathname === '/' && !url.search && !url.hash, `${variable} must be an origin, with no path, e.g. http://localhost:3001.`);

const schema = z.object({
  GATEHOUSE_API_URL: origin('GATEHOUSE_API_URL'),
  NEXT_PUBLIC_BACKEND_URL: origin('NEXT_PUBLIC_BACKEND_URL').optional(),
  // Used byte for byte, untrimmed, as the API uses it (Tokens/SigningKeys.cs).
  JWT_SECRET: z
    .string()
    .refine((secret) => new TextEncoder().encode(secret).length >= 32, 'JWT_SECRET must be at least 32 bytes, the same value the API uses.')
    .optional(),
  GATEHOUSE_SESSION_CHECK: z.enum(['local', 'remote'], 'GATEHOUSE_SESSION_CHECK must be local or remote.').default('local'),
  GATEHOUSE_TOKEN_ISSUER: z.string().trim().min(1).default('gatehouse'),
  GATEHOUSE_TOKEN_AUDIENCE: z.string().trim().min(1).default('gatehouse'),
  GATEHOUSE_FORWARDED_HEADERS: z.enum(['drop', 'pass'], 'GATEHOUSE_FORWARDED_HEADERS must be drop or pass.').default('drop'),
});

export function parseSettings(env: (name: string) => string | undefined): WebSettings {
  const backend = env('NEXT_PUBLIC_BACKEND_URL');
  const parsed = schema.safeParse({
    // The server reaches the API where the browser does unless told otherwise.
    GATEHOUSE_API_URL: env('GATEHOUSE_API_URL')?.trim() ?? backend?.trim() ?? 'http://127.0.0.1:3001',
    NEXT_PUBLIC_BACKEND_URL: backend?.trim(),
    JWT_SECRET: env('JWT_SECRET'),
    GATEHOUSE_SESSION_CHECK: env('GATEHOUSE_SESSION_CHECK')?.trim(),
    GATEHOUSE_TOKEN_ISSUER: env('GATEHOUSE_TOKEN_ISSUER'),
    GATEHOUSE_TOKEN_AUDIENCE: env('GATEHOUSE_TOKEN_AUDIENCE'),
    GATEHOUSE_FORWARDED_HEADERS: env('GATEHOUSE_FORWARDED_HEADERS')?.trim(),
  });
  if (!parsed.success) {
    throw new Error(`Gatehouse web settings are invalid: ${parsed.error.issues.map((issue) => issue.message).join(' ')}`);
  }
  const settings = parsed.data;
  return {
    apiUrl: settings.GATEHOUSE_API_URL,
    publicBackendUrl: settings.NEXT_PUBLIC_BACKEND_URL?.origin ?? null,
    jwtSecret: settings.JWT_SECRET ? new TextEncoder().encode(settings.JWT_SECRET) : null,
    sessionCheck: settings.GATEHOUSE_SESSION_CHECK,
    issuer: settings.GATEHOUSE_TOKEN_ISSUER,
    audience: settings.GATEHOUSE_TOKEN_AUDIENCE,
    forwardedHeaders: settings.GATEHOUSE_FORWARDED_HEADERS,
  };
}

let cached: WebSettings | undefined;

export function settings(): WebSettings {
  cached ??= parseSettings(readEnv);
  return cached;
}

/** The base the browser puts in front of API paths: the API origin in direct mode, else the `/api` rewrite. */
export function browserApiBase(current: WebSettings = settings()): string {
  return current.publicBackendUrl ?? '/api';
}
