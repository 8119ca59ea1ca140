import { test, expect, Page } from '@playwright/test';
import { hydrated } from './helpers';

const password = 'correct horse battery';

/** Waits until the page has hydrated: the "Show password" switch only works once the WASM runs. */
async function expectHydrated(page: Page) {
  await hydrated(page);
  const input = page.getByLabel('Password', { exact: true });
  await expect(input).toHaveAttribute('type', 'password');
  await page.getByLabel('Show password').check();
  await expect(input).toHaveAttribute('type', 'text');
  await page.getByLabel('Show password').uncheck();
  await expect(input).toHaveAttribute('type', 'password');
}

test('register, log out, log in, and see your name in the header', async ({ page }) => {
  const username = `e2e-${Date.now().toString(36)}`;

  await page.goto('/register');
  await expectHydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill('End To End');
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();

  const current = page.getByTestId('current-user');
  await expect(current).toHaveText('End To End');
  await expect(page).toHaveURL(new RegExp(`/u/${username}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('End To End');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(current).toHaveCount(0);
  await expect(page.getByRole('banner').getByRole('link', { name: 'Log in' })).toBeVisible();

  await page.getByRole('banner').getByRole('link', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/login$/); // from the front page: nothing to return to
  await expectHydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill('wrong password!');
  await page.getByRole('button', { name: 'Log in' }).click();
  // Beside the password, where the person types again.
  await expect(page.locator('#password-error')).toHaveText('Wrong username or password.');
  await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(current).toHaveText('End To End');

  // The session survives a full reload: the server renders the name from the cookie.
  await page.reload();
  await expect(page.getByTestId('current-user')).toHaveText('End To End');
});

test('the form shows errors beside the field', async ({ page }) => {
  await page.goto('/register');
  await expectHydrated(page);
  await page.getByLabel('Username').fill('Not_Valid');
  await page.getByLabel('Display name').fill('Someone');
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  const username = page.getByLabel('Username');
  await expect(username).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#username-error')).toContainText('lowercase letters');
});

test('an unknown address shows the 404 page', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('the bundle is served as application/wasm', async ({ request }) => {
  // By the (content-hashed) name the pages give it.
  const home = await (await request.get('/')).text();
  const wasm = home.match(/href="([^"]+\.wasm)"/)?.[1];
  expect(wasm, 'the page preloads the bundle').toBeTruthy();
  const response = await request.get(wasm!);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('application/wasm');
});
