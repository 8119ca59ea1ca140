import { expect, Locator, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPage, hydrated, password, test, uniqueName } from './helpers';

// The whole journey of a new author, by clicking and typing only, at desktop and at phone width:
// register, a token, a team, an upload (a bad zip, then a good one), publish, download with every
// Download button (checking the bytes), a second version as a draft then published, search with
// facets, an asset pack, and the profile. Every page on the way passes `checkPage` (axe, no
// horizontal overflow, a screenshot kept under end2end/test-results), and the console must stay
// free of errors (the `test` fixture from helpers.ts).

const makeZips = `
import os, sys, zipfile
out = sys.argv[1]
def package(version):
    return f'[meta]\\ntitle = "Night Drift"\\nauthor = "e2e"\\nversion = "{version}"\\n[game_mode]\\npackages_requirements = ["default-weapons"]\\n'
for version in ["1.0.0", "1.1.0"]:
    with zipfile.ZipFile(f"{out}/drift-{version}.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Package.toml", package(version))
        z.writestr("Server/Index.lua", f"print('drift {version}')")
        z.writestr("Client/data.bin", os.urandom(256 * 1024))
with zipfile.ZipFile(f"{out}/nested.zip", "w") as z:
    z.writestr("drift/Package.toml", package("1.0.0"))
with zipfile.ZipFile(f"{out}/city.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("Assets.toml", '[meta]\\ntitle = "Neon City"\\nauthor = "e2e"\\nversion = "1.0.0"\\n[asset_pack]\\n')
    z.writestr("Maps/City.umap", os.urandom(64 * 1024))
`;

const widths = [
  { label: 'desktop', width: 1280, height: 900 },
  { label: 'phone', width: 390, height: 844 },
];

for (const { label, width, height } of widths) {
  test(`a new author's whole journey, by clicking (${label}, ${width} px)`, async ({ page }, testInfo) => {
    test.setTimeout(300_000);
    await page.setViewportSize({ width, height });
    const dir = mkdtempSync(join(tmpdir(), 'nanos-journey-'));
    execFileSync('python3', ['-c', makeZips, dir]);
    const username = uniqueName('journey');
    const team = uniqueName('crew');
    const mode = uniqueName('drift');
    const city = uniqueName('city');
    let shots = 0;
    const check = (name: string) => checkPage(page, testInfo, `${label}-${String(++shots).padStart(2, '0')}-${name}`);
    const zipInput = () => page.getByLabel('Choose the release zip, or drop it here');
    const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

    // Register, from the home page's header.
    await page.goto('/');
    await check('home-signed-out');
    await page.getByRole('banner').getByRole('link', { name: 'Register' }).click();
    await expect(page).toHaveURL(/\/register/);
    await hydrated(page);
    await check('register');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Display name').fill('Journey Author');
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByTestId('current-user')).toHaveText('Journey Author');
    await check('home-signed-in');

    // A token for the game server, shown once.
    await nav('Settings').click();
    await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
    await check('settings');
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Label').fill('Journey game server');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByTestId('new-token')).toHaveValue(/^nwst_[A-Za-z0-9]{38}$/);
    await check('token-created');

    // A team.
    await nav('Teams').click();
    await page.getByLabel('Team name').fill(team);
    await page.getByLabel('Title', { exact: true }).fill('Journey Crew');
    await page.getByRole('button', { name: 'Create team' }).click();
    await expect(page).toHaveURL(new RegExp(`/teams/${team}$`));
    await check('team');

    // Upload: a bad zip is refused in the browser, a good one goes through the wizard as a draft.
    await nav('Upload').click();
    await expect(page).toHaveURL(/\/upload$/);
    await hydrated(page);
    await zipInput().setInputFiles(join(dir, 'nested.zip'));
    await expect(page.getByTestId('diagnostics')).toContainText('manifest-nested');
    await expect(page.getByRole('button', { name: 'Continue' })).toBeDisabled();
    await check('upload-bad-zip');
    await zipInput().setInputFiles(join(dir, 'drift-1.0.0.zip'));
    await expect(page.getByText('This zip is valid.')).toBeVisible();
    await check('upload-good-zip');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Name', { exact: true }).fill(mode);
    await expect(page.getByText('✓ available')).toBeVisible();
    await page.getByLabel('Team', { exact: true }).selectOption(team);
    await page.getByLabel('Short description').fill('Slide through the city at night');
    await page.getByLabel('Tags (comma-separated, up to 10)').fill('Night Racing, cars');
    await check('upload-details');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Changelog (Markdown)').fill('The **first** release.');
    await check('upload-release');
    await page.getByRole('button', { name: 'Upload' }).click();
    await expect(page).toHaveURL(new RegExp(`/packages/${mode}/releases/1.0.0$`), { timeout: 60_000 });
    await expect(page.getByTestId('release-state')).toHaveText('draft');
    await check('release-draft');

    // Publish it from the resource page.
    await page.getByRole('link', { name: '← Night Drift' }).click();
    await expect(page).toHaveURL(new RegExp(`/packages/${mode}$`));
    await publish(page, '1.0.0');
    await check('resource-published');

    // Every Download button saves the very bytes uploaded.
    const first = readFileSync(join(dir, 'drift-1.0.0.zip'));
    await clickAndCompare(page, page.getByRole('link', { name: 'Download v1.0.0' }), first);
    await clickAndCompare(page, page.getByTestId('release-1.0.0').getByRole('link', { name: 'Download' }), first);
    await page.getByTestId('release-1.0.0').getByRole('link', { name: 'v1.0.0' }).first().click();
    await expect(page).toHaveURL(new RegExp(`/packages/${mode}/releases/1.0.0$`));
    await check('release-published');
    await clickAndCompare(page, page.getByRole('main').getByRole('link', { name: 'Download', exact: true }), first);
    await expect(page).toHaveURL(new RegExp(`/packages/${mode}/releases/1.0.0$`));

    // A second version as a draft, then published; the resource's Download button follows it.
    await page.getByRole('link', { name: '← Night Drift' }).click();
    await page.getByRole('link', { name: 'New release' }).click();
    await expect(page).toHaveURL(new RegExp(`/upload\\?kind=packages&name=${mode}`));
    await hydrated(page);
    await zipInput().setInputFiles(join(dir, 'drift-1.1.0.zip'));
    await expect(page.getByText('This zip is valid.')).toBeVisible();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Changelog (Markdown)').fill('Faster cars.');
    await page.getByRole('button', { name: 'Upload' }).click();
    await expect(page).toHaveURL(new RegExp(`/packages/${mode}/releases/1.1.0$`), { timeout: 60_000 });
    await expect(page.getByTestId('release-state')).toHaveText('draft');
    await page.getByRole('link', { name: '← Night Drift' }).click();
    await expect(page.getByRole('link', { name: 'Download v1.0.0' })).toBeVisible();
    await publish(page, '1.1.0');
    await expect(page.getByRole('link', { name: 'Download v1.1.0' })).toBeVisible();
    await clickAndCompare(page, page.getByRole('link', { name: 'Download v1.1.0' }), readFileSync(join(dir, 'drift-1.1.0.zip')));

    // Search, then narrow with a facet (the tag as the store normalised it), then remove the chip.
    await nav('Browse').click();
    await page.getByLabel('Search', { exact: true }).fill(mode);
    await page.getByLabel('Search', { exact: true }).press('Enter');
    await expect(page.getByTestId('chip-q')).toContainText(mode);
    await expect(page.getByTestId(`card-${mode}`)).toBeVisible();
    // The home page's Packages heading leads to the packages page, with the search and its facets.
    await page.getByRole('main').getByRole('link', { name: 'Packages', exact: true }).click();
    await expect(page).toHaveURL(/\/packages\?q=[^&]+$/);
    await expect(page.getByLabel('Search', { exact: true })).toHaveValue(mode);
    await page.getByTestId('facet-tag').getByRole('link', { name: /#night-racing/ }).click();
    await expect(page.getByTestId('chip-tag')).toContainText('night-racing');
    await expect(page.getByTestId(`card-${mode}`)).toBeVisible();
    await check('search-with-facet');
    await page.getByTestId('chip-tag').click();
    await expect(page.getByTestId('chip-tag')).toHaveCount(0);
    await expect(page.getByTestId(`card-${mode}`)).toBeVisible();
    await page.getByTestId(`card-${mode}`).getByRole('link', { name: 'Night Drift' }).click();
    await expect(page).toHaveURL(new RegExp(`/packages/${mode}$`));
    await page.goBack();
    await expect(page.getByTestId('chip-q')).toContainText(mode);

    // An asset pack, published at once.
    await nav('Upload').click();
    await hydrated(page);
    await zipInput().setInputFiles(join(dir, 'city.zip'));
    await expect(page.getByText('This zip is valid.')).toBeVisible();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Name', { exact: true }).fill(city);
    await expect(page.getByText('✓ available')).toBeVisible();
    await page.getByLabel('Team', { exact: true }).selectOption(team);
    await page.getByLabel('Category').fill('maps');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel(/Publish now/).check();
    await page.getByRole('button', { name: 'Upload' }).click();
    await expect(page).toHaveURL(new RegExp(`/assets/${city}/releases/1.0.0$`), { timeout: 60_000 });
    await expect(page.getByTestId('release-state')).toHaveText('published');
    await page.getByRole('link', { name: '← Neon City' }).click();
    await expect(page).toHaveURL(new RegExp(`/assets/${city}$`));
    await check('asset-pack');
    await clickAndCompare(page, page.getByRole('link', { name: 'Download v1.0.0' }), readFileSync(join(dir, 'city.zip')));

    // The profile lists the team and both resources.
    await page.getByTestId('current-user').click();
    await expect(page).toHaveURL(new RegExp(`/u/${username}$`));
    await expect(page.getByTestId('profile-teams')).toContainText('Journey Crew');
    await expect(page.getByRole('main')).toContainText('Night Drift');
    await expect(page.getByRole('main')).toContainText('Neon City');
    await check('profile');
  });
}

/** Publishes a draft from its card on the resource page. */
async function publish(page: Page, version: string) {
  const card = page.getByTestId(`release-${version}`);
  await card.getByText('Manage this release').click();
  await card.getByRole('button', { name: 'Publish' }).click();
  await expect(card.getByText('draft')).toHaveCount(0);
}

/** Clicks a Download link and checks that the saved file holds `expected`. */
async function clickAndCompare(page: Page, link: Locator, expected: Buffer) {
  const saved = page.waitForEvent('download');
  await link.click();
  const file = await (await saved).path();
  expect(Buffer.compare(readFileSync(file), expected), 'the downloaded file is the uploaded zip').toBe(0);
}
