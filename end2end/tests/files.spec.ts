import { expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPage, hydrated, registerInPage, test, uniqueName } from './helpers';

// Two versions of a game mode: 1.1.0 changes the server script, moves a config file, adds a
// script and drops the client's entry script (which the wizard warns about).
const makeZips = `
import sys, zipfile
out = sys.argv[1]
def manifest(version):
    return f'[meta]\\ntitle = "File Race"\\nauthor = "e2e"\\nversion = "{version}"\\n[game_mode]\\n'
server_v1 = "".join(f"local lap_{i} = {i} -- lap {i}\\n" for i in range(1, 31))
server_v2 = server_v1.replace("local lap_5 = 5", "local lap_5 = 50").replace("local lap_6 = 6 -- lap 6\\n", "")
config = "return { laps = 3 }\\n"
with zipfile.ZipFile(f"{out}/race-1.0.0.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("Package.toml", manifest("1.0.0"))
    z.writestr("Server/Index.lua", server_v1)
    z.writestr("Client/Index.lua", "print('client')\\n")
    z.writestr("Shared/config.lua", config)
with zipfile.ZipFile(f"{out}/race-1.1.0.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("Package.toml", manifest("1.1.0"))
    z.writestr("Server/Index.lua", server_v2)
    z.writestr("Server/extra.lua", "print('extra')\\n")
    z.writestr("Shared/settings/config.lua", config)
with open(f"{out}/server-1.1.0.lua", "w") as f:
    f.write(server_v2)
`;

/** The background of line `n` of the file shown. */
async function lineBackground(page: Page, n: number): Promise<string> {
  return page.locator(`tr#L${n}`).evaluate((row) => getComputedStyle(row).backgroundColor);
}

test('an operator reads a release before installing, and an author sees what changed before uploading', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'nanos-files-'));
  execFileSync('python3', ['-c', makeZips, dir]);
  const name = uniqueName('filerace');
  const team = uniqueName('filecrew');
  await registerInPage(page, uniqueName('author'), 'File Author');

  // The first release, through the wizard.
  await page.goto('/upload');
  await hydrated(page);
  await page.getByLabel('Choose the release zip, or drop it here').setInputFiles(join(dir, 'race-1.0.0.zip'));
  await expect(page.getByText('This zip is valid.')).toBeVisible();
  // A new resource has no latest release to compare with.
  await expect(page.getByTestId('changes-since-latest')).toHaveCount(0);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await expect(page.getByText('✓ available')).toBeVisible();
  await page.getByRole('button', { name: 'Create a new team' }).click();
  await page.getByLabel('Team name').fill(team);
  await page.getByLabel('Title', { exact: true }).first().fill('File Crew');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByLabel('Team', { exact: true })).toHaveValue(team);
  await page.getByLabel('Short description').fill('Laps and laps');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Publish now').check();
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(new RegExp(`/packages/${name}/releases/1.0.0$`), { timeout: 60_000 });

  // The second: before anything is uploaded, the wizard lists what changed since 1.0.0, and warns
  // that the client's entry script is gone.
  const uploads: string[] = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/releases')) uploads.push(r.url()); });
  await page.goto(`/packages/${name}`);
  await hydrated(page);
  await page.getByRole('link', { name: 'New release' }).click();
  await page.getByLabel('Choose the release zip, or drop it here').setInputFiles(join(dir, 'race-1.1.0.zip'));
  await expect(page.getByText('This zip is valid.')).toBeVisible();
  const changes = page.getByTestId('changes-since-latest');
  await expect(changes.getByRole('heading', { name: 'Changes since v1.0.0' })).toBeVisible();
  await expect(changes).toContainText('1 added, 1 removed, 2 changed, 1 renamed');
  await expect(changes.getByRole('alert')).toContainText('Client/Index.lua is gone');
  await changes.getByText('Renamed (1)').click();
  await expect(changes).toContainText('Shared/config.lua → Shared/settings/config.lua');
  expect(uploads).toEqual([]);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Publish now').check();
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(new RegExp(`/packages/${name}/releases/1.1.0$`), { timeout: 60_000 });

  // A server operator, signed out, reads the release's files from its page.
  const visitor = await page.context().browser()!.newContext();
  const operator = await visitor.newPage();
  for (const width of [1280, 390]) {
    await operator.setViewportSize({ width, height: 844 });
    await operator.goto(`/packages/${name}/releases/1.1.0`);
    await hydrated(operator);
    await operator.getByRole('link', { name: 'Browse files' }).click();
    await expect(operator).toHaveURL(new RegExp(`/packages/${name}/releases/1.1.0/files$`));
    await expect(operator.getByRole('heading', { name: /Files of File Race/ })).toBeVisible();
    await operator.getByRole('link', { name: 'Server/' }).click();
    await expect(operator).toHaveURL(/\/files\/Server$/);
    await operator.getByRole('link', { name: 'Index.lua' }).click();
    await expect(operator).toHaveURL(/\/files\/Server\/Index\.lua$/);
    await expect(operator.locator('tr#L5')).toContainText('local lap_5 = 50');
    await checkPage(operator, testInfo, `file-${width}`);

    // Line links: a click chooses a line, a shift-click the lines between; the address says so,
    // and a visit to that address shows them chosen.
    await operator.getByRole('link', { name: 'Line 3', exact: true }).click();
    await expect(operator).toHaveURL(/#L3$/);
    await operator.getByRole('link', { name: 'Line 7', exact: true }).click({ modifiers: ['Shift'] });
    await expect(operator).toHaveURL(/#L3-L7$/);
    const unchosen = await lineBackground(operator, 12);
    await operator.reload();
    await hydrated(operator);
    for (const n of [3, 5, 7]) expect(await lineBackground(operator, n)).not.toBe(unchosen);
    expect(await lineBackground(operator, 8)).toBe(unchosen);
    expect(await lineBackground(operator, 2)).toBe(unchosen);

    // The file alone, downloaded: exactly its bytes.
    const saved = operator.waitForEvent('download');
    await operator.getByRole('link', { name: 'Download this file' }).click();
    const file = await (await saved).path();
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(dir, 'server-1.1.0.lua'), 'utf8'));

    // Back to the folder, then the breadcrumbs to the release.
    await operator.goBack();
    await expect(operator).toHaveURL(/\/files\/Server$/);
    await operator.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'v1.1.0' }).click();
    await expect(operator).toHaveURL(new RegExp(`/packages/${name}/releases/1.1.0$`));

    // What changed since the previous release on the channel.
    await operator.getByRole('link', { name: 'Compare with v1.0.0' }).click();
    await expect(operator).toHaveURL(new RegExp(`/packages/${name}/compare/1\\.0\\.0\\.\\.\\.1\\.1\\.0$`));
    await expect(operator.getByTestId('compare-summary')).toHaveText('5 files changed, +2 \u22123');
    await expect(operator.getByRole('heading', { name: 'Removed (1)' })).toBeVisible();
    await expect(operator.getByRole('heading', { name: 'Renamed (1)' })).toBeVisible();
    const diff = operator.locator('details.diff', { hasText: 'Server/Index.lua' });
    await expect(diff.locator('tr.removed')).toHaveCount(2);
    await expect(diff.locator('tr.added')).toContainText('local lap_5 = 50');
    await checkPage(operator, testInfo, `compare-${width}`);
    // From the comparison to the new file.
    await operator.getByRole('link', { name: 'Server/extra.lua' }).click();
    await expect(operator.locator('tr#L1')).toContainText("print('extra')");
  }
  await visitor.close();
});
