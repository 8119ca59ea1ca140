import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerInPage, uniqueName } from './helpers';

// The upload wizard as a person uses it: steps with their own addresses, the browser's Back and
// Forward, leaving half-way, a duplicate version, drag and drop, and deleting a resource.

const makeZips = `
import sys, zipfile
out = sys.argv[1]
for version in ["1.0.0", "1.1.0"]:
    with zipfile.ZipFile(f"{out}/kart-{version}.zip", "w") as z:
        z.writestr("Package.toml", f'[meta]\\ntitle = "Kart Night"\\nauthor = "e2e"\\nversion = "{version}"\\n[game_mode]\\n')
        z.writestr("Server/Index.lua", "print('kart')")
`;

function zips(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nanos-wizard-'));
  execFileSync('python3', ['-c', makeZips, dir]);
  return dir;
}

const zipInput = (page: Page) => page.getByLabel('Choose the release zip, or drop it here');

/** Chooses the zip and goes on to Details. */
async function chooseZip(page: Page, file: string) {
  await zipInput(page).setInputFiles(file);
  await expect(page.getByText('This zip is valid.')).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/upload\?step=details$/);
}

/** Fills the Details step, creating the team inline. */
async function fillDetails(page: Page, name: string, team: string) {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await expect(page.getByText('✓ available')).toBeVisible();
  await page.getByRole('button', { name: 'Create a new team' }).click();
  await page.getByLabel('Team name').fill(team);
  await page.getByLabel('Title', { exact: true }).first().fill('Kart Crew');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByLabel('Team', { exact: true })).toHaveValue(team);
  await page.getByLabel('Short description').fill('Karts at night');
  await page.getByLabel('Tags (comma-separated, up to 10)').fill('Fun Stuff, racing');
}

test('Back and Forward move between the steps and keep the file, details and release', async ({ page }) => {
  test.setTimeout(90_000);
  const dir = zips();
  const name = uniqueName('kart');
  const team = uniqueName('karts');
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await registerInPage(page, uniqueName('racer'), 'Racer');

  await page.goto('/upload');
  await chooseZip(page, join(dir, 'kart-1.0.0.zip'));
  await expect(page.getByRole('heading', { name: 'Details' })).toBeFocused();
  await fillDetails(page, name, team);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/upload\?step=release$/);
  await expect(page.getByRole('heading', { name: 'Release' })).toBeFocused();
  await expect(page.getByTestId('channel-help')).toContainText('private');
  await expect(page.getByText('A draft is not a channel')).toBeVisible();
  await page.getByLabel('Changelog (Markdown)').fill('Night races');
  await page.getByLabel('Channel').selectOption('beta');

  // The browser's Back: Details, as it was.
  await page.goBack();
  await expect(page).toHaveURL(/\/upload\?step=details$/);
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(name);
  await expect(page.getByLabel('Team', { exact: true })).toHaveValue(team);
  await expect(page.getByLabel('Short description')).toHaveValue('Karts at night');
  // Back again: the chosen file is still there, named by the input too.
  await page.goBack();
  await expect(page).toHaveURL(/\/upload$/);
  await expect(page.getByTestId('chosen-file')).toContainText('kart-1.0.0.zip');
  expect(await zipInput(page).evaluate((i: HTMLInputElement) => i.files?.[0]?.name)).toBe('kart-1.0.0.zip');
  // Forward twice: the Release step with its fields.
  await page.goForward();
  await expect(page).toHaveURL(/\/upload\?step=details$/);
  await page.goForward();
  await expect(page).toHaveURL(/\/upload\?step=release$/);
  await expect(page.getByLabel('Changelog (Markdown)')).toHaveValue('Night races');
  await expect(page.getByLabel('Channel')).toHaveValue('beta');

  // The Release step's own Back button.
  await page.getByRole('button', { name: '← Back' }).click();
  await expect(page).toHaveURL(/\/upload\?step=details$/);
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(name);
  await page.goForward();
  await expect(page).toHaveURL(/\/upload\?step=release$/);

  // Leaving the wizard and coming back with Back keeps everything too.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Teams' }).click();
  await expect(page).toHaveURL(/\/teams$/);
  await page.goBack();
  await expect(page).toHaveURL(/\/upload\?step=release$/);
  await expect(page.getByLabel('Changelog (Markdown)')).toHaveValue('Night races');

  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(new RegExp(`/packages/${name}/releases/1.0.0$`), { timeout: 30_000 });
  await page.goto(`/packages/${name}`);
  await expect(page.getByRole('link', { name: '#fun-stuff' }).first()).toBeVisible();
  expect(errors).toEqual([]);
});

test('leaving the wizard after Details creates nothing', async ({ page }) => {
  const dir = zips();
  const name = uniqueName('ghost');
  const team = uniqueName('ghosts');
  await registerInPage(page, uniqueName('leaver'), 'Leaver');

  await page.goto('/upload');
  await chooseZip(page, join(dir, 'kart-1.0.0.zip'));
  await fillDetails(page, name, team);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/upload\?step=release$/);

  // Gone elsewhere: no resource exists.
  await page.goto(`/packages/${name}`);
  await expect(page.getByText('Page not found')).toBeVisible();
  expect((await page.request.get(`/store/v1/packages/${name}`)).status()).toBe(404);

  // A step address loaded without a chosen file: step 1, saying why.
  await page.goto('/upload?step=release');
  await expect(page.getByTestId('wizard-notice')).toContainText('Choose the zip first');
  await expect(page).toHaveURL(/\/upload$/);
  await expect(zipInput(page)).toBeVisible();

  // And the name is still free.
  await chooseZip(page, join(dir, 'kart-1.0.0.zip'));
  await page.getByLabel('Name', { exact: true }).fill(name);
  await expect(page.getByText('✓ available')).toBeVisible();
});

test('a duplicate version is shown before anything is sent; a resource is deleted from its page', async ({ page }) => {
  test.setTimeout(90_000);
  const dir = zips();
  const name = uniqueName('dupe');
  const team = uniqueName('dupes');
  await registerInPage(page, uniqueName('owner'), 'Owner');

  await page.goto('/upload');
  await chooseZip(page, join(dir, 'kart-1.0.0.zip'));
  await fillDetails(page, name, team);
  // A stale error goes as soon as its field changes.
  const nameError = page.locator('.field', { has: page.getByLabel('Name', { exact: true }) }).locator('.field-error');
  await page.getByLabel('Name', { exact: true }).fill('Bad Name');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(nameError).toContainText('lowercase letters');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await expect(nameError).toBeEmpty();
  await page.getByLabel('Tags (comma-separated, up to 10)').fill('Fun Stuff, ' + 'y'.repeat(40));
  await page.getByRole('button', { name: 'Continue' }).click();
  const tagsError = page.locator('.field', { has: page.getByLabel('Tags (comma-separated, up to 10)') }).locator('.field-error');
  await expect(tagsError).toContainText('is not valid');
  await page.getByLabel('Tags (comma-separated, up to 10)').fill('Fun Stuff');
  await expect(tagsError).toBeEmpty();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Publish now').check();
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(new RegExp(`/packages/${name}/releases/1.0.0$`), { timeout: 30_000 });

  // The same version again: said at once, and Continue is blocked; nothing is uploaded.
  const uploads: string[] = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/store/v1/')) uploads.push(r.url()); });
  await page.goto(`/packages/${name}`);
  await page.getByRole('link', { name: 'New release' }).click();
  await zipInput(page).setInputFiles(join(dir, 'kart-1.0.0.zip'));
  await expect(page.getByTestId('duplicate-version')).toHaveText('1.0.0 already exists; raise the version in Package.toml and choose the zip again.');
  await expect(page.getByRole('button', { name: 'Continue' })).toBeDisabled();
  // Dropping another file: the input names the dropped file, not the previous one.
  const dropped = await page.evaluateHandle(async (bytes) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(bytes)], 'kart-1.1.0.zip', { type: 'application/zip' }));
    return transfer;
  }, [...readFileSync(join(dir, 'kart-1.1.0.zip'))]);
  await page.dispatchEvent('.dropzone', 'drop', { dataTransfer: dropped });
  await expect(page.getByTestId('chosen-file')).toContainText('kart-1.1.0.zip');
  expect(await zipInput(page).evaluate((i: HTMLInputElement) => i.files?.[0]?.name)).toBe('kart-1.1.0.zip');
  await expect(page.getByTestId('duplicate-version')).toHaveCount(0);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(new RegExp(`step=release$`));
  await expect(page.getByRole('button', { name: 'Upload' })).toBeEnabled();
  expect(uploads).toEqual([]);

  // Delete the resource from its page: type the name, then the team's page.
  await page.goto(`/packages/${name}`);
  await page.getByLabel(`Type ${name} to confirm`).fill('not-the-name');
  await page.getByRole('button', { name: 'Delete this resource' }).click();
  await expect(page.getByText(`Type the resource's name, ${name}, to confirm.`)).toBeVisible();
  await page.getByLabel(`Type ${name} to confirm`).fill(name);
  await page.getByRole('button', { name: 'Delete this resource' }).click();
  await expect(page).toHaveURL(new RegExp(`/teams/${team}$`));
  await page.goto(`/packages/${name}`);
  await expect(page.getByText('Page not found')).toBeVisible();
});

test('a zip chosen before the page has started its script is checked once it has', async ({ page }) => {
  const dir = zips();
  await registerInPage(page, uniqueName('early'), 'Early');
  // Hold the bundle back, as on a slow connection, and choose the file meanwhile.
  let release = () => {};
  const held = new Promise<void>((resolve) => { release = resolve; });
  await page.route('**/pkg/*.wasm', async (route) => { await held; await route.continue(); });
  await page.goto('/upload', { waitUntil: 'domcontentloaded' });
  await zipInput(page).setInputFiles(join(dir, 'kart-1.0.0.zip'));
  release();
  await expect(page.getByText('This zip is valid.')).toBeVisible();
  await expect(page.getByTestId('chosen-file')).toContainText('kart-1.0.0.zip');
});

test("the wizard takes the store's size limit from the store and refuses a larger zip at once", async ({ page }) => {
  const dir = zips();
  await registerInPage(page, uniqueName('big'), 'Big');
  // The store's real answer, with its limit lowered to 100 bytes (as NANOS_STORE_MAX_UPLOAD_SIZE=100
  // would), so that a small zip is over it.
  await page.route('**/api/resources/upload-limits', async (route) => {
    const response = await route.fetch();
    const limits = await response.json();
    expect(limits.validator.max_archive_size).toBe(limits.max_upload_size);
    limits.max_upload_size = 100;
    limits.validator.max_archive_size = 100;
    await route.fulfill({ response, json: limits });
  });
  await page.goto('/upload');
  await expect(page.getByText('Up to 100 bytes per upload on this store.')).toBeVisible();
  await zipInput(page).setInputFiles(join(dir, 'kart-1.0.0.zip'));
  await expect(page.getByTestId('choose-error')).toContainText("over this store's upload limit of 100 bytes");
  await expect(page.getByRole('button', { name: 'Continue' })).toHaveCount(0);
});
