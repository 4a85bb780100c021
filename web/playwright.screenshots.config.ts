import { defineConfig } from '@playwright/test';
import e2e from './playwright.config';

/** The e2e servers and browser, running only e2e/screenshots/ (the README's pictures): `npx playwright test -c playwright.screenshots.config.ts`. */
export default defineConfig({
  ...e2e,
  testDir: './e2e/screenshots',
  testMatch: '*.ts',
  reporter: 'list',
  workers: 1,
  projects: [{ name: 'screenshots', use: e2e.projects?.[0]?.use }],
});
