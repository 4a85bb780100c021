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
:root{color-scheme:light dark;font-family:ui-sans-serif,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;--bg:#f6f7f9;--card:#fff;--text:#1d2330;--muted:#5b6475;--accent:#2f5bd3;--on-accent:#fff;--border:#d7dbe3}
@media (prefers-color-scheme:dark){:root{--bg:#0e1116;--card:#161a21;--text:#e6e9ef;--muted:#a2abbd;--accent:#8ab0ff;--on-accent:#0b1324;--border:#2c3340}}
body{margin:0;background:var(--bg);color:var(--text);line-height:1.5}
main{display:flex;justify-content:center;padding:max(2rem,10vh) 1rem 4rem}
section{width:100%;max-width:26rem;background:var(--card);border:1px solid var(--border);border-radius:.75rem;padding:2rem}
h1{margin:0 0 .75rem;font-size:1.5rem;line-height:1.25}
p{color:var(--muted);margin:0 0 1.25rem}
a{display:inline-flex;align-items:center;min-height:2.75rem;padding:.6rem 1.1rem;border-radius:.5rem;background:var(--accent);color:var(--on-accent);font-weight:600;text-decoration:none}
a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
</style></head>
<body><main><section role="alert">
<h1>Sign-in service unavailable</h1>
<p>The sign-in service is unreachable right now, so we cannot check who you are. Your account is safe; please try again in a moment.</p>
<a href="${retry}">Try again</a>
</section></main></body></html>`;
  return new NextResponse(html, {
    status: 503,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '5' },
  });
}
