import type { Page } from '@playwright/test';
import { accessCookie, expect, logIn, test } from './support/fixtures';

const accountButton = (page: Page) => page.getByRole('banner').getByRole('button', { name: /^Account/ });

/** Waits until the page has hydrated: React has attached its handlers once the menu responds. */
async function toggleMenu(page: Page, expanded: boolean) {
  const button = accountButton(page);
  await expect(async () => {
    if ((await button.getAttribute('aria-expanded')) !== String(expanded)) await button.click();
    await expect(button).toHaveAttribute('aria-expanded', String(expanded), { timeout: 500 });
  }).toPass({ timeout: 10_000 });
}

test.describe('the signed-in frame', () => {
  test.beforeEach(async ({ page, account }) => {
    await page.goto('/auth/log-in');
    await logIn(page, account);
    await expect(page).toHaveURL(/\/dashboard$/);
  });

  test('the header names the user; the account menu opens and closes with the mouse, Escape and a click outside', async ({ page, account }) => {
    const button = accountButton(page);
    await expect(button).toHaveAccessibleName(`Account: ${account.username}`);
    await expect(button).toHaveAttribute('aria-expanded', 'false');
    const menu = page.getByRole('navigation', { name: 'Account' });
    await expect(menu).toBeHidden();

    await toggleMenu(page, true);
    // Email address: the suite's API sends mail (to its catcher), so the page to change it is listed.
    // No Admin: the fixture's account has no role (e2e/admin.spec.ts has the admin's menu).
    await expect(menu.getByRole('link')).toHaveText(['Dashboard', 'Sessions', 'Security', 'Password', 'Email address', 'Account']);
    await expect(menu.getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('banner').getByRole('button', { name: 'Log out' })).toBeVisible();

    await page.keyboard.press('Escape');
    await expect(button).toHaveAttribute('aria-expanded', 'false');
    await expect(menu).toBeHidden();
    await expect(button).toBeFocused();

    await button.click();
    await expect(menu).toBeVisible();
    await page.getByRole('heading', { name: 'Dashboard' }).click();
    await expect(menu).toBeHidden();
  });

  test('the account menu works from the keyboard alone', async ({ page }) => {
    await toggleMenu(page, true);
    await page.keyboard.press('Escape');
    await expect(accountButton(page)).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(accountButton(page)).toHaveAttribute('aria-expanded', 'true');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Dashboard' })).toBeFocused();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/dashboard\/sessions$/);
    await expect(page.getByRole('heading', { name: 'Sessions', level: 1 })).toBeVisible();
    await expect(accountButton(page)).toHaveAttribute('aria-expanded', 'false');
  });

  test('Log out in the account menu logs out', async ({ page, context }) => {
    await toggleMenu(page, true);
    await page.getByRole('banner').getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/auth\/log-in$/);
    expect(await accessCookie(context)).toBeUndefined();
  });

  test('the dashboard says who is signed in and leads to sessions and the password', async ({ page, account }) => {
    const main = page.getByRole('main');
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Dashboard');
    await expect(main).toContainText(`Signed in as ${account.username}`);
    await expect(main).toContainText('This page is protected');
    await main.getByRole('link', { name: 'Manage sessions' }).click();
    await expect(page).toHaveURL(/\/dashboard\/sessions$/);
    await page.goBack();
    await main.getByRole('link', { name: 'Change password' }).click();
    await expect(page).toHaveURL(/\/dashboard\/password$/);
  });
});

test('every page links the SVG favicon', async ({ page, request }) => {
  await page.goto('/auth/log-in');
  const href = await page.locator('link[rel="icon"][type="image/svg+xml"]').getAttribute('href');
  expect(href).toMatch(/^\/icon\.svg/);
  const icon = await request.get(href!);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');
  expect(await icon.text()).toContain('<svg');
});
