import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hydrated, registerInPage, uniqueName } from './helpers';

const makeZips = `
import os, sys, zipfile
out = sys.argv[1]
def manifest(version):
    return f'[meta]\\ntitle = "Drift Race"\\nauthor = "e2e"\\nversion = "{version}"\\n[game_mode]\\npackages_requirements = ["default-weapons"]\\n'
for version in ["1.0.0", "1.1.0"]:
    with zipfile.ZipFile(f"{out}/mode-{version}.zip", "w", zipfile.ZIP_STORED) as z:
        z.writestr("Package.toml", manifest(version))
        z.writestr("Server/Index.lua", "print('race')")
        z.writestr("Client/data.bin", os.urandom(24 * 1024 * 1024))
with zipfile.ZipFile(f"{out}/nested.zip", "w") as z:
    z.writestr("drift/Package.toml", manifest("1.0.0"))
`;

test('a new author uploads, publishes and shares a game mode', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'nanos-upload-'));
  execFileSync('python3', ['-c', makeZips, dir]);
  const name = uniqueName('drift');
  const team = uniqueName('crew');

  await registerInPage(page, uniqueName('author'), 'Author');
  const apiCalls: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/store/v1/')) apiCalls.push(r.url()); });

  // A bad zip: the browser's verdict, and nothing sent to the server.
  await page.goto('/upload');
  await hydrated(page);
  await page.getByLabel('Choose the release zip, or drop it here').setInputFiles(join(dir, 'nested.zip'));
  await expect(page.getByTestId('diagnostics')).toContainText('manifest-nested');
  await expect(page.getByTestId('diagnostics')).toContainText("Zip the folder's contents, not the folder");
  await expect(page.getByRole('button', { name: 'Continue' })).toBeDisabled();
  expect(apiCalls).toEqual([]);

  // A good one.
  await page.getByLabel('Choose the release zip, or drop it here').setInputFiles(join(dir, 'mode-1.0.0.zip'));
  await expect(page.getByText('This zip is valid.')).toBeVisible();
  await expect(page.getByTestId('manifest')).toContainText('Drift Race');
  await expect(page.getByTestId('check-time')).toBeVisible();
  expect(apiCalls).toEqual([]);
  await page.getByRole('button', { name: 'Continue' }).click();

  // Details, with a team created inline.
  await page.getByLabel('Name', { exact: true }).fill(name);
  await expect(page.getByText('✓ available')).toBeVisible();
  await page.getByRole('button', { name: 'Create a new team' }).click();
  await page.getByLabel('Team name').fill(team);
  await page.getByLabel('Title', { exact: true }).first().fill('Drift Crew');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByLabel('Team', { exact: true })).toHaveValue(team);
  await expect(page.locator('#res-title')).toHaveValue('Drift Race');
  await expect(page.locator('#res-category')).toHaveValue('game-mode');
  await page.getByLabel('Short description').fill('Slide around corners');
  await page.getByLabel('Tags (comma-separated, up to 10)').fill('racing, cars');
  await page.getByRole('button', { name: 'Continue' }).click();
  // The details are checked, not stored: the resource is created with its first release.
  await expect(page).toHaveURL(/\/upload\?step=release$/);
  expect((await page.request.get(`/store/v1/packages/${name}`)).status()).toBe(404);

  // Release: keep as a draft.
  await page.getByLabel('Changelog (Markdown)').fill('**First** release');
  const progressSeen = page.waitForSelector('[data-testid=upload-progress]');
  await page.getByRole('button', { name: 'Upload' }).click();
  await progressSeen;
  await expect(page).toHaveURL(new RegExp(`/packages/${name}/releases/1.0.0$`), { timeout: 60_000 });
  await expect(page.getByTestId('release-state')).toHaveText('draft');

  // Anonymous visitors do not see the draft.
  const anonymous = await browser.newContext();
  const visitor = await anonymous.newPage();
  await visitor.goto(`/packages/${name}`);
  await expect(visitor.getByText('No releases yet.')).toBeVisible();

  // Publish it from the resource page.
  await page.goto(`/packages/${name}`);
  // Publishing is a form the app sends once the page is hydrated.
  await hydrated(page);
  const release = page.getByTestId('release-1.0.0');
  await release.getByText('Manage this release').click();
  await release.getByRole('button', { name: 'Publish' }).click();
  await expect(release.getByText('draft')).toHaveCount(0);

  // Now everyone sees it and downloads the same bytes.
  await visitor.goto(`/packages/${name}`);
  await expect(visitor.getByTestId('release-1.0.0')).toBeVisible();
  // A requirement the store does not hold (it ships with the game server) is named, not linked.
  await expect(visitor.getByTestId('requirements')).toContainText('default-weapons');
  // Clicking each Download button (on a phone-width page too) saves the very bytes uploaded.
  const expected = readFileSync(join(dir, 'mode-1.0.0.zip'));
  const clickAndSave = async (link: ReturnType<Page['getByRole']>) => {
    const saved = visitor.waitForEvent('download');
    await link.click();
    const file = await (await saved).path();
    expect(Buffer.compare(readFileSync(file), expected)).toBe(0);
  };
  await clickAndSave(visitor.getByRole('link', { name: 'Download v1.0.0' }));
  await clickAndSave(visitor.getByTestId('release-1.0.0').getByRole('link', { name: 'Download' }));
  await visitor.setViewportSize({ width: 390, height: 844 });
  await visitor.goto(`/packages/${name}/releases/1.0.0`);
  await clickAndSave(visitor.getByRole('main').getByRole('link', { name: 'Download' }));
  await expect(visitor).toHaveURL(new RegExp(`/packages/${name}/releases/1.0.0$`));
  await visitor.setViewportSize({ width: 1280, height: 800 });
  // The footer's API link opens the API's documentation, not "Page not found".
  await visitor.getByRole('link', { name: 'API' }).click();
  await expect(visitor).toHaveURL(/\/store\/docs\/$/);
  await expect(visitor.getByText('Page not found')).toHaveCount(0);
  await visitor.goBack();
  await expect(visitor).toHaveURL(new RegExp(`/packages/${name}/releases/1.0.0$`));

  // A second version, published at once.
  await page.getByRole('link', { name: 'New release' }).click();
  await page.getByLabel('Choose the release zip, or drop it here').setInputFiles(join(dir, 'mode-1.1.0.zip'));
  await expect(page.getByText('This zip is valid.')).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Publish now').check();
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(new RegExp(`/packages/${name}/releases/1.1.0$`), { timeout: 60_000 });
  await expect(page.getByTestId('release-state')).toHaveText('published');

  // Search and filters find it.
  for (const query of [`q=${name}`, 'tag=racing', `team=${team}`, `category=game-mode&q=${name}`]) {
    await visitor.goto(`/packages?${query}`);
    await expect(visitor.getByTestId(`card-${name}`)).toBeVisible();
  }
  await visitor.goto(`/packages?q=${name}&tag=nothing-like-this`);
  await expect(visitor.getByText('Nothing found.')).toBeVisible();
  await anonymous.close();
});
