/**
 * Runs once when the Next.js server starts. Checks the settings now, so a bad GATEHOUSE_API_URL
 * or JWT_SECRET stops start-up with a message that says how to fix it, instead of failing every
 * request later.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { settings } = await import('@/lib/config');
  try {
    settings();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
