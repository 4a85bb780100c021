import { settings } from '@/lib/config';

// Imported by instrumentation.ts when the Node.js server starts.
try {
  settings();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
