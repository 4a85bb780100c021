import { rmSync } from 'node:fs';

/**
 * Removes the database folder the config made. Playwright runs this before it stops the API,
 * so the removal retries while the API may still be writing; test.sh passes a folder of its
 * own instead and removes it after Playwright has exited.
 */
export default function globalTeardown() {
  const dir = process.env.E2E_DATA_DIR;
  if (dir && process.env.E2E_DATA_DIR_OWNED === '1') rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
