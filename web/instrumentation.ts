/**
 * Runs once when the Next.js server starts: checks the settings now, so a bad GATEHOUSE_API_URL
 * or JWT_SECRET stops start-up with a message that says how to fix it, instead of failing every
 * request later. (Node-only code sits in its own module, which the Edge build never loads.)
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') await import('./lib/check-settings');
}
