import { rmSync } from 'node:fs';
import { expect, logIn, newAccount, test } from './support/fixtures';
import { freePortsSync, newDataDir, startApi, startWeb } from './support/servers';
import type { Running } from './support/servers';

// This file stops and restarts the API, so it brings its own API and web server.
test.describe.configure({ mode: 'serial' });

let api: Running | undefined;
let web: Running | undefined;
let apiPort = 0;
let webPort = 0;
let dataDir = '';

const startOwnApi = () => startApi({ port: apiPort, dataDir, frontendUrls: [`http://localhost:${webPort}`] });

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(120_000); // two servers to start on a busy machine
  [apiPort = 0, webPort = 0] = freePortsSync(2);
  dataDir = newDataDir();
  api = await startOwnApi();
  web = await startWeb({ port: webPort, apiPort, direct: testInfo.project.name === 'direct' });
});

test.afterAll(async () => {
  await web?.stop();
  await api?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('with the API stopped, a signed-in visitor sees the 503 page, not log-in; it recovers when the API is back', async ({ page, browser }) => {
  const account = newAccount();
  await page.goto(`${web!.url}/auth/sign-up`);
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByTestId('username')).toHaveText(account.username);

  await api!.stop();

  const response = await page.goto(`${web!.url}/dashboard`);
  expect(response?.status()).toBe(503);
  await expect(page.getByText('The sign-in service is unreachable')).toBeVisible();
  expect(new URL(page.url()).pathname).not.toBe('/auth/log-in');

  // Signed out, the log-in form says the service is unreachable instead of failing silently.
  const stranger = await browser.newPage();
  await stranger.goto(`${web!.url}/auth/log-in`);
  await logIn(stranger, account);
  await expect(stranger.getByRole('main').getByRole('alert')).toHaveText(/sign-in service is unreachable/);
  await stranger.close();

  // Same port, same database: the session survives the outage.
  api = await startOwnApi();
  await page.getByRole('link', { name: 'Try again' }).click();
  await expect(page).toHaveURL(`${web!.url}/dashboard`);
  await expect(page.getByTestId('username')).toHaveText(account.username);
});
