import { expect, Page } from '@playwright/test';

export const password = 'correct horse battery';

/** A username no earlier run has taken. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

/** Registers through the page and waits until the header shows the new user. */
export async function registerInPage(page: Page, username: string, displayName: string) {
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill(displayName);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(displayName);
}

/** Waits until the page is hydrated (the app marks `<body data-hydrated>`): from then on forms are
 * sent by the app, not posted by the browser itself. */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}
