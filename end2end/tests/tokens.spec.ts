import { test, expect } from '@playwright/test';
import { hydrated, registerInPage, uniqueName } from './helpers';

test('create a token, see it once, use it, revoke it', async ({ page, request }) => {
  const username = uniqueName('tok');
  await registerInPage(page, username, 'Token User');

  await page.goto('/settings/tokens');
  await hydrated(page);
  await expect(page.getByText('No active tokens.')).toBeVisible();
  await page.getByLabel('Label').fill('My game server');
  await page.getByLabel('Expires').selectOption('30');
  await page.getByRole('button', { name: 'Create token' }).click();

  const shown = page.getByTestId('new-token');
  await expect(shown).toHaveValue(/^nwst_[A-Za-z0-9]{38}$/);
  await expect(page.getByText('it will not be shown again')).toBeVisible();
  const token = await shown.inputValue();
  await expect(page.getByRole('cell', { name: 'My game server' })).toBeVisible();

  const me = await request.get('/store/v1/user/me', { headers: { Authorization: `Token ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).username).toBe(username);

  // Shown once: a reload lists the token but never shows the secret again.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('cell', { name: 'My game server' })).toBeVisible();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  expect(await page.content()).not.toContain(token);

  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('button', { name: 'Yes, revoke' }).click();
  await expect(page.getByText('No active tokens.')).toBeVisible();

  const after = await request.get('/store/v1/user/me', { headers: { Authorization: `Token ${token}` } });
  expect(after.status()).toBe(401);
  expect((await after.json()).error).toBe('revoked-token');
});

test('a token may not outlive two years', async ({ page }) => {
  const username = uniqueName('tok2');
  await registerInPage(page, username, 'Token User');

  await page.goto('/settings/tokens');
  await hydrated(page);
  await page.getByLabel('Label').fill('Too long');
  await page.getByLabel('Expires').selectOption('date');
  await page.getByLabel('Expiry date').fill('2999-01-01');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.locator('#expiry-error')).toContainText('at most 2 years');
  await expect(page.getByTestId('new-token')).toHaveCount(0);
});

test('the expiry date picked is the date listed', async ({ page }) => {
  await registerInPage(page, uniqueName('tok3'), 'Token User');
  await page.goto('/settings/tokens');
  await hydrated(page);
  const picked = new Date(Date.now() + 200 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await page.getByLabel('Label').fill('Dated');
  await page.getByLabel('Expires').selectOption('date');
  await page.getByLabel('Expiry date').fill(picked);
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByTestId('new-token')).toBeVisible();
  await expect(page.getByRole('row', { name: /Dated/ }).getByRole('cell').nth(4)).toHaveText(picked);
});

test('at 390 px the tokens page fits the screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await registerInPage(page, uniqueName('tok4'), 'Narrow User');
  await page.goto('/settings/tokens');
  await hydrated(page);
  await page.getByLabel('Label').fill('A rather long label for my game server');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByTestId('new-token')).toBeVisible();
  await expect(page.getByText('A rather long label for my game server', { exact: true })).toBeVisible();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a token is created and shown once, and mistakes are shown beside the fields', async ({ page }) => {
    const username = uniqueName('tok5');
    await page.goto('/register');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Display name').fill('Plain User');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByTestId('current-user')).toHaveText('Plain User');

    await page.goto('/settings/tokens');
    await page.getByLabel('Label').fill('Kept label');
    await page.getByLabel('Expires').selectOption('date');
    await page.getByLabel('Expiry date').fill('2999-01-01');
    for (const scope of ['download', 'publish', 'manage']) {
      await page.getByRole('checkbox', { name: new RegExp(`^${scope}`) }).uncheck();
    }
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.locator('#expiry-error')).toContainText('at most 2 years');
    await expect(page.getByText('Pick at least one scope.')).toBeVisible();
    await expect(page.getByLabel('Label')).toHaveValue('Kept label');

    await page.getByLabel('Expires').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('new-token');
    await expect(shown).toHaveValue(/^nwst_[A-Za-z0-9]{38}$/);
    const token = await shown.inputValue();
    await expect(page.getByRole('cell', { name: 'Kept label' })).toBeVisible();
    await page.reload();
    await expect(page.getByTestId('new-token')).toHaveCount(0);
    expect(await page.content()).not.toContain(token);
  });
});
