import { NextResponse } from 'next/server';
import { safeNextPath } from '@/lib/safe-next';

/** Where pages send a visitor when the API cannot be reached; the proxy answers it with a 503. */
export const UNAVAILABLE_PATH = '/unavailable';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * The page a visitor sees while the API is down. The proxy serves it itself, with status 503,
 * because an App Router page cannot choose its status, and "down" must not look like a crash
 * (500) or like being signed out (a redirect to log-in).
 */
export function unavailableResponse(retryPath: string): NextResponse {
  const retry = escape(safeNextPath(retryPath, '/'));
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Service unavailable · Gatehouse</title>
<style>
:root{color-scheme:light dark;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
body{margin:0;display:flex;justify-content:center;padding:4rem 1rem;line-height:1.5}
section{max-width:26rem;border:1px solid #8884;border-radius:.75rem;padding:1.75rem}
h1{margin-top:0;font-size:1.5rem}
</style></head>
<body><section role="alert">
<h1>Sign-in service unavailable</h1>
<p>The sign-in service is unreachable right now, so we cannot check who you are. Your account is safe; please try again in a moment.</p>
<p><a href="${retry}">Try again</a></p>
</section></body></html>`;
  return new NextResponse(html, {
    status: 503,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '5' },
  });
}
