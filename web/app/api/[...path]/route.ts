import type { NextRequest } from 'next/server';
import { UNREACHABLE } from '@/lib/api/problem';
import { readCapped, refuseDeclaredLength, tooLarge } from '@/lib/body-limit';
import { settings } from '@/lib/config';
import { forwardingHeaders, isForwardingHeader } from '@/lib/forwarding';

/**
 * Same-origin mode: /api/* goes to the API, so the browser sees one origin and the cookie is
 * first-party. A route handler rather than a rewrite in proxy.ts: Next answers a proxy rewrite
 * with `x-middleware-rewrite: <the API's internal URL>`, and buffers its body before the proxy
 * can refuse it; here the body is capped as it is read and the API's address stays private.
 */
async function toApi(request: NextRequest): Promise<Response> {
  const refused = refuseDeclaredLength(request.headers);
  if (refused) return refused;
  const body = request.method === 'GET' || request.method === 'HEAD' ? null : await readCapped(request.body);
  if (body === 'too-large') return tooLarge();

  const { apiUrl, forwardedHeaders } = settings();
  // Set the parts on the API's URL rather than resolve a relative one: "//evil.example" must
  // stay a path on the API, never become another host.
  const target = new URL(apiUrl);
  target.pathname = request.nextUrl.pathname.slice('/api'.length);
  target.search = request.nextUrl.search;

  const headers = new Headers();
  for (const [name, value] of request.headers) {
    if (!HOP_BY_HOP.has(name) && !isForwardingHeader(name)) headers.set(name, value);
  }
  for (const [name, value] of forwardingHeaders(request.headers, forwardedHeaders)) headers.set(name, value);
  // Which web app the browser is on, so an external sign-in started here comes back through this
  // route (the API accepts only its configured web origins; a value the browser sent is replaced).
  headers.set(WEB_ORIGIN_HEADER, request.nextUrl.origin);

  let answer: Response;
  try {
    answer = await fetch(target, {
      method: request.method,
      headers,
      body: body && body.byteLength > 0 ? body : null,
      redirect: 'manual',
      cache: 'no-store',
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(30_000)]),
    });
  } catch {
    // The same words the browser shows when it cannot reach us at all.
    return Response.json(
      { type: 'about:blank', title: 'Bad gateway', status: 502, code: UNREACHABLE.code, detail: UNREACHABLE.message },
      { status: 502, headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' } },
    );
  }
  const out = new Headers(answer.headers);
  // fetch has already decoded the body and framed it anew.
  for (const name of [...HOP_BY_HOP, 'content-encoding', 'content-length']) out.delete(name);
  return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: out });
}

/** Names the web origin to the API (ExternalLogins/ExternalLoginUrls.cs). */
const WEB_ORIGIN_HEADER = 'x-gatehouse-web-origin';

/**
 * Headers about one connection, never passed from one hop to the next (RFC 9110 §7.6.1), the Host
 * and length of ours, and Accept-Encoding: fetch asks for (and decodes) the encodings it knows.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'host', 'content-length', 'accept-encoding']);

export { toApi as GET, toApi as HEAD, toApi as POST, toApi as PUT, toApi as PATCH, toApi as DELETE, toApi as OPTIONS };
