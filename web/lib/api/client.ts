import { toProblem, UNREACHABLE } from '@/lib/api/problem';
import type { Problem } from '@/lib/api/problem';

export type ApiResult = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly problem: Problem };

/**
 * Calls the API from the browser. `base` is `/api` (same-origin: Next rewrites it to the API, so
 * the cookie is first-party) or the API's origin (direct: CORS with credentials). The cookie is
 * httpOnly, so this code never sees it; `credentials: 'include'` lets the browser send and store it.
 */
export async function postJson(base: string, path: string, body?: unknown): Promise<ApiResult> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: 'POST',
      credentials: 'include',
      cache: 'no-store',
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, problem: UNREACHABLE };
  }

  const payload: unknown = await response.json().catch(() => null);
  if (response.ok) return { ok: true, body: payload };
  // A proxy in front of a stopped API answers 5xx without problem+json; that is "unreachable".
  if (response.status >= 500 && payload === null) return { ok: false, problem: { ...UNREACHABLE, status: response.status } };
  return { ok: false, problem: toProblem(response.status, payload) };
}
