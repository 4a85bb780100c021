/**
 * The authenticator key as people type it: groups of four, as most apps print them. Spaces and
 * case from the API are dropped first; authenticator apps ignore the spaces either way.
 */
export function groupKey(secret: string): string {
  const plain = secret.replace(/[\s-]/g, '').toUpperCase();
  return plain.match(/.{1,4}/g)?.join(' ') ?? '';
}

/** What a pasted or typed code becomes before it is sent: digits only ("123 456" from some apps). */
export const normalizeTotpCode = (code: string): string => code.replace(/\D/g, '');

/** The name the recovery codes download under. */
export const RECOVERY_CODES_FILE = 'gatehouse-recovery-codes.txt';

/**
 * The text file of recovery codes: whose they are, when they were made (an older file is a
 * dead one), how to use them, one code a line. CRLF-free plain text, so any editor shows it.
 */
export function recoveryCodesText(codes: readonly string[], { username, createdAt }: { username: string; createdAt: Date }): string {
  return [
    `Gatehouse recovery codes for ${username}`,
    `Made ${createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. Codes made earlier no longer work.`,
    '',
    'Each code signs you in once when you cannot use your authenticator app or passkey.',
    'Keep them somewhere safe, apart from your password.',
    '',
    ...codes,
    '',
  ].join('\n');
}
