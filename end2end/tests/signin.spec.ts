import { test, expect, Page } from '@playwright/test';
import { hydrated, password, registerInPage, uniqueName } from './helpers';

/** Registers a user through the API, the way the registration page sends it. */
async function registerQuietly(page: Page, username: string) {
  const baseURL = test.info().project.use.baseURL ?? '';
  const created = await page.request.post('/api/accounts/register', {
    form: { username, display_name: 'Quiet User', password },
    headers: { Accept: 'application/json', Origin: new URL(baseURL).origin },
  });
  expect(created.status()).toBe(200);
  // This request logged the page's context in; log out so the test starts signed out.
  await page.context().clearCookies();
}

test('a signed-out visitor of /upload logs in first and lands back on /upload', async ({ page }) => {
  const username = uniqueName('back');
  await registerQuietly(page, username);

  await page.goto('/upload?kind=packages');
  await expect(page).toHaveURL(/\/login\?next=%2Fupload%3Fkind%3Dpackages$/);
  await expect(page.getByText('Log in to continue where you were.')).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/upload\?kind=packages$/);
  await expect(page.getByTestId('current-user')).toHaveText('Quiet User');
});

test('clicking a member link while signed out goes through log-in and registration keeps the way back', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
  // The registration link keeps the way back.
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page).toHaveURL(/\/register\?next=%2Fsettings$/);
  const username = uniqueName('newbie');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill('New Person');
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
});

test('logging in from the header returns to the page it was on', async ({ page }) => {
  const username = uniqueName('head');
  await registerQuietly(page, username);
  await page.goto('/packages?q=cars');
  await hydrated(page);
  await page.getByRole('banner').getByRole('link', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fpackages%3Fq%3Dcars$/);
  await hydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/packages\?q=cars$/);
  await expect(page.getByTestId('current-user')).toHaveText('Quiet User');
});

test('the tokens page shows no form to a signed-out visitor', async ({ page }) => {
  const response = await page.goto('/settings/tokens');
  expect(response?.url()).toMatch(/\/login\?next=%2Fsettings%2Ftokens$/);
  await expect(page.getByRole('button', { name: 'Create token' })).toHaveCount(0);
});

test('a hostile next never leaves the store', async ({ page }) => {
  const username = uniqueName('safe');
  await registerQuietly(page, username);
  await page.goto('/login?next=%2F%2Fexample.com%2F');
  await hydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText('Quiet User');
  expect(new URL(page.url()).host).toBe(new URL(test.info().project.use.baseURL ?? '').host);
  await expect(page).toHaveURL(/\/$/);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a wrong password is shown beside the field and the username is kept', async ({ page }) => {
    const username = uniqueName('nojs');
    await registerQuietly(page, username);
    await page.goto('/upload');
    await expect(page).toHaveURL(/\/login\?next=%2Fupload$/);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill('not my password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/__err=/);
    await expect(page.locator('#password-error')).toHaveText('Wrong username or password.');
    await expect(page.getByLabel('Username')).toHaveValue(username);
    await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
    expect(page.url()).not.toContain('not+my+password');

    // Then the right one, and back to where the visitor was going.
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/\/upload$/);
  });

  test('registration shows every wrong field at once', async ({ page }) => {
    await page.goto('/register');
    await page.getByLabel('Username').fill('Not_Valid');
    await page.getByLabel('Display name').fill('Kept Name');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.locator('#username-error')).toContainText('lowercase letters');
    await expect(page.locator('#password-error')).toContainText('at least 10');
    await expect(page.getByLabel('Username')).toHaveValue('Not_Valid');
    await expect(page.getByLabel('Display name')).toHaveValue('Kept Name');
    await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  });
});

test('registration with several bad fields shows every message (JavaScript on)', async ({ page }) => {
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Username').fill('Not_Valid');
  await page.getByLabel('Display name').fill(' ');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#username-error')).toContainText('lowercase letters');
  await expect(page.locator('#display_name-error')).toContainText('Enter the name other people will see.');
  await expect(page.locator('#password-error')).toContainText('at least 10');
  for (const label of ['Username', 'Display name']) {
    await expect(page.getByLabel(label)).toHaveAttribute('aria-invalid', 'true');
  }
  // Fixing them all registers.
  await registerInPage(page, uniqueName('fixed'), 'Fixed Person');
});
