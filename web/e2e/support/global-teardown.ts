import { rmSync } from 'node:fs';

/** Removes the database folder the config made; the servers are stopped by Playwright. */
export default function globalTeardown() {
  const dir = process.env.E2E_DATA_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
