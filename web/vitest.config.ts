import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('./', import.meta.url)) } },
  test: {
    environment: 'node',
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.next/**', 'e2e/**'],
    // `server-only` throws outside React Server Components; these tests are server code.
    alias: { 'server-only': fileURLToPath(new URL('./test/empty-module.ts', import.meta.url)) },
  },
});
