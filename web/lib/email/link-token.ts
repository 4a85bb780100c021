/**
 * The `token` of a mailed link, as the page's query string holds it: base64url, as the API makes
 * them (Accounts/AccountTokens.cs). Anything else (a link cut short by a mail client, a repeated
 * parameter) is refused here, so the page says so at once and sends nothing.
 */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;

export function readLinkToken(value: string | string[] | undefined): string | null {
  if (typeof value !== 'string') return null;
  const token = value.trim();
  return TOKEN_SHAPE.test(token) ? token : null;
}
