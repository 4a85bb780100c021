import path from 'node:path';
import { DEMO, expect, logIn, test } from '../support/fixtures';

// The README's pictures: desktop, light theme, the demo user. Run by scripts/screenshots.sh,
// never by the e2e suite (this file is not a *.spec.ts).
const IMAGES = path.resolve(__dirname, '..', '..', '..', 'docs', 'images');

test.use({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', timezoneId: 'UTC', locale: 'en-US' });

test('README screenshots', async ({ page }) => {
  await page.goto('/auth/log-in');
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  // No caret or focus ring frozen mid-blink in the picture.
  await page.locator(':focus').evaluate((element) => (element as HTMLElement).blur());
  await page.screenshot({ path: path.join(IMAGES, 'log-in.png'), animations: 'disabled', caret: 'hide' });

  await logIn(page, DEMO);
  await expect(page.getByTestId('username')).toHaveText(DEMO.username);
  await page.screenshot({ path: path.join(IMAGES, 'dashboard.png'), animations: 'disabled', caret: 'hide' });
});
