import { test, expect } from '@playwright/test';
import { registerInPage, uniqueName } from './helpers';

test('create a token, see it once, use it, revoke it', async ({ page, request }) => {
  const username = uniqueName('tok');
  await registerInPage(page, username, 'Token User');

  await page.goto('/settings/tokens');
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
  await page.getByLabel('Label').fill('Too long');
  await page.getByLabel('Expires').selectOption('date');
  await page.getByLabel('Expiry date').fill('2999-01-01');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.locator('#expiry-error')).toContainText('at most 2 years');
  await expect(page.getByTestId('new-token')).toHaveCount(0);
});
