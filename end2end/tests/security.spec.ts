import { test, expect, Page, Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerInPage, uniqueName } from './helpers';

// Ends a textarea and the title, then starts an element whose handler would set a global. Short
// enough (53 characters) for every field, display names and token labels included.
const payload = '</textarea></title><img src=x onerror=window.__xss=1>';

const makeZip = `
import sys, zipfile
payload = sys.argv[2].replace('\\\\', '\\\\\\\\').replace('"', '\\\\"')
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("Package.toml", f'[meta]\\ntitle = "{payload}"\\nauthor = "{payload}"\\nversion = "1.0.0"\\n[game_mode]\\n')
    z.writestr("Server/Index.lua", "print('hi')")
`;

/** The payload neither ran nor became markup: no global, no element with its handler. */
async function assertInert(page: Page, where: string) {
  await page.waitForLoadState('networkidle');
  const ran = await page.evaluate(() => (window as unknown as { __xss?: number }).__xss);
  expect(ran, `${where}: the payload ran`).toBeUndefined();
  expect(await page.locator('[onerror]').count(), `${where}: the payload became markup`).toBe(0);
}

async function visit(page: Page, path: string, who: string) {
  const response = await page.goto(path);
  expect(response?.status(), `${path} as ${who}`).toBe(200);
  await assertInert(page, `${path} as ${who}`);
}

test('hostile text in every field is shown as text, never run', async ({ page, browser }: { page: Page; browser: Browser }) => {
  test.setTimeout(120_000);
  const violations: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/.test(m.text())) violations.push(m.text()); });

  // Display name, set in the registration form.
  const username = uniqueName('mallory');
  await registerInPage(page, username, payload);

  // Token label, set in the tokens page; the token then sets everything else as CI would.
  await page.goto('/settings/tokens');
  await page.getByLabel('Label').fill(payload);
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByTestId('new-token').inputValue();
  await expect(page.getByRole('cell', { name: payload })).toBeVisible();
  const auth = { Authorization: `Token ${token}` };

  const team = uniqueName('evil');
  const name = uniqueName('evilpkg');
  let response = await page.request.post('/store/v1/teams', { headers: auth, data: { name: team, title: payload, description: payload } });
  expect(response.status(), await response.text()).toBe(201);
  const resource = { name, team, title: payload, short_description: payload, description: payload, category: 'game-mode' };
  response = await page.request.post('/store/v1/packages', { headers: auth, data: { ...resource, tags: [payload] } });
  if (response.status() !== 201) {
    // Tags are plain words: the hostile one is refused with a message for the tags field.
    expect(response.status()).toBe(422);
    expect((await response.json()).field).toBe('tags');
    response = await page.request.post('/store/v1/packages', { headers: auth, data: { ...resource, tags: ['ok'] } });
    expect(response.status(), await response.text()).toBe(201);
  }
  const dir = mkdtempSync(join(tmpdir(), 'nanos-xss-'));
  const zipPath = join(dir, 'evil.zip');
  execFileSync('python3', ['-c', makeZip, zipPath, payload]);
  response = await page.request.post(`/store/v1/packages/${name}/releases`, {
    headers: auth,
    multipart: { file: { name: 'release.zip', mimeType: 'application/zip', buffer: readFileSync(zipPath) }, changelog: payload },
  });
  expect(response.status(), await response.text()).toBe(201);
  response = await page.request.post(`/store/v1/packages/${name}/releases/1.0.0/publish`, { headers: auth });
  expect(response.status(), await response.text()).toBe(200);

  const publicPages = ['/', '/packages', `/packages?q=${name}`, `/packages/${name}`, `/packages/${name}/releases/1.0.0`, `/u/${username}`, `/teams/${team}`];
  const ownerPages = [...publicPages, '/teams', `/teams/${team}/settings`, '/settings/tokens'];

  // The owner, at desktop width: every page, then the fields that hold the text.
  for (const path of ownerPages) await visit(page, path, 'owner');
  await page.goto(`/teams/${team}/settings`);
  await expect(page.locator('#description')).toHaveValue(payload);
  await expect(page.locator('#title')).toHaveValue(payload);
  await page.goto(`/packages/${name}`);
  expect(await page.title()).toBe(`${payload} · nanos store`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(payload);
  await page.getByText('Edit information').click();
  await expect(page.locator('#edit-description')).toHaveValue(payload);
  const release = page.getByTestId('release-1.0.0');
  await release.getByText('Manage this release').click();
  await expect(page.locator('#changelog-1\\.0\\.0')).toHaveValue(payload);

  // Rendered in the browser instead of by the server: follow links, then go Back.
  await page.goto(`/teams/${team}`);
  await page.locator(`main a[href="/packages/${name}"]`).first().click();
  await expect(page).toHaveURL(new RegExp(`/packages/${name}$`));
  await assertInert(page, 'resource page after a click');
  await page.getByText('Edit information').click();
  await expect(page.locator('#edit-description')).toHaveValue(payload);
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`/teams/${team}$`));
  await assertInert(page, 'team page after Back');

  // An anonymous visitor on a phone.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const visitor = await context.newPage();
  visitor.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/.test(m.text())) violations.push(m.text()); });
  for (const path of publicPages) await visit(visitor, path, 'visitor');
  await visitor.goto(`/u/${username}`);
  expect(await visitor.title()).toBe(`${payload} · nanos store`);
  await expect(visitor.getByRole('heading', { level: 1 })).toHaveText(payload);
  await visitor.goto(`/packages/${name}/releases/1.0.0`);
  await expect(visitor.getByText(payload).first()).toBeVisible();
  await context.close();

  // The store's own scripts ran under its Content-Security-Policy without being refused.
  expect(violations).toEqual([]);
});
