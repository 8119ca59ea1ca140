import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerInPage, uniqueName } from './helpers';

// A release zip with an image beside the manifest and a README, and an icon to upload. The images
// are PNGs written without any imaging library; the store recognises images by their bytes, so the
// zip's Package.jpg may hold a PNG.
const makeFiles = `
import struct, sys, zlib, zipfile
out = sys.argv[1]
def png(width, height, colour):
    rows = b"".join(b"\\x00" + bytes(colour) * width for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
manifest = '[meta]\\ntitle = "Orbit"\\nauthor = "e2e"\\nversion = "1.0.0"\\n[script]\\npackages_requirements = ["default-weapons"]\\n'
with zipfile.ZipFile(f"{out}/orbit.zip", "w") as z:
    z.writestr("Package.toml", manifest)
    z.writestr("Package.jpg", png(300, 150, (40, 120, 220)))
    z.writestr("README.md", "# Orbit\\n\\nHello from the README inside the zip.\\n")
    z.writestr("Server/Index.lua", "print('orbit')")
with open(f"{out}/icon.png", "wb") as f:
    f.write(png(256, 256, (220, 60, 90)))
`;

/** Fails when the page is wider than the window (a horizontal scroll bar). */
async function expectNoHorizontalOverflow(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll, `the page is ${scroll} px wide in a ${client} px window`).toBeLessThanOrEqual(client);
}

/** The natural width of a loaded image (0 when it did not load). */
async function loadedWidth(page: Page, selector: string): Promise<number> {
  const image = page.locator(selector).first();
  await expect(image).toBeVisible();
  await image.evaluate((img: HTMLImageElement) => img.decode().catch(() => undefined));
  return image.evaluate((img: HTMLImageElement) => img.naturalWidth);
}

for (const width of [1280, 390]) {
  test(`a release's icon and README show on its page, and browse filters by facet chips (${width} px)`, async ({ page }) => {
    test.setTimeout(90_000);
    await page.setViewportSize({ width, height: 900 });
    const dir = mkdtempSync(join(tmpdir(), 'nanos-pages-'));
    execFileSync('python3', ['-c', makeFiles, dir]);
    const name = uniqueName('orbit');
    const team = uniqueName('space');
    const tag = uniqueName('tag').slice(0, 30);
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

    await registerInPage(page, uniqueName('author'), 'Author');
    // The team, the resource and its first release come from the API, as CI would send them; the
    // rest is done on the pages.
    const origin = new URL(page.url()).origin;
    const api = (path: string, data: object) =>
      page.request.post(path, { headers: { Origin: origin }, data });
    expect((await api('/store/v1/teams', { name: team, title: 'Space' })).status()).toBe(201);
    expect((await api('/store/v1/packages', {
      name, team, title: 'Orbit', short_description: 'Circle the map', category: 'script', tags: [tag],
    })).status()).toBe(201);
    const upload = await page.request.post(`/store/v1/packages/${name}/releases`, {
      headers: { Origin: origin },
      multipart: {
        file: { name: 'release.zip', mimeType: 'application/zip', buffer: readFileSync(join(dir, 'orbit.zip')) },
        publish: 'true',
      },
    });
    expect(upload.status(), await upload.text()).toBe(201);

    // The resource page: the zip's image as the icon, the README as the description, the facts.
    await page.goto('/packages');
    await page.getByLabel('Search', { exact: true }).fill(name);
    await page.getByLabel('Search', { exact: true }).press('Enter');
    await page.getByTestId(`card-${name}`).getByRole('link', { name: 'Orbit' }).click();
    await expect(page).toHaveURL(new RegExp(`/packages/${name}$`));
    await expect(page.locator('.resource-header img.resource-icon')).toHaveAttribute('src', /^\/media\/[0-9a-f]{64}\.png$/);
    expect(await loadedWidth(page, '.resource-header img.resource-icon')).toBe(128);
    await expect(page.getByTestId('description')).toContainText('Hello from the README inside the zip.');
    const sidebar = page.getByTestId('sidebar');
    await expect(sidebar).toContainText('Latest stable');
    await expect(sidebar.locator('time').first()).toHaveText(/just now|minute/);
    await expect(sidebar.locator('time').first()).toHaveAttribute('title', /UTC$/);
    await expect(page.getByTestId('requirements')).toContainText('default-weapons');
    await expectNoHorizontalOverflow(page);

    // The release page fits the window (its SHA-256 wraps).
    await sidebar.getByRole('link', { name: 'v1.0.0' }).click();
    await expect(page.getByTestId('release-state')).toHaveText('published');
    await expectNoHorizontalOverflow(page);
    await page.goBack();

    // A new icon, chosen on the page.
    await page.getByText('Icon and screenshots').click();
    await page.getByLabel('Icon image').setInputFiles(join(dir, 'icon.png'));
    await page.getByRole('button', { name: 'Upload icon' }).click();
    await expect(page.getByTestId('media-outcome')).toHaveText('Saved.');
    expect(await loadedWidth(page, '.resource-header img.resource-icon')).toBe(128);
    await expectNoHorizontalOverflow(page);

    // Browse: search, narrow by a tag from the facets, then remove the chips one by one.
    await page.goto('/packages');
    await page.getByLabel('Search', { exact: true }).fill(name);
    await page.getByLabel('Search', { exact: true }).press('Enter');
    await expect(page.getByTestId('chip-q')).toContainText(name);
    await page.getByTestId('facet-tag').getByRole('link', { name: new RegExp(`#${tag}`) }).click();
    await expect(page.getByTestId('chip-tag')).toContainText(tag);
    await expect(page.locator('.card')).toHaveCount(1);
    await expect(page.getByTestId(`card-${name}`).locator('img.resource-icon')).toBeVisible();
    expect(await loadedWidth(page, `[data-testid="card-${name}"] img.resource-icon`)).toBe(64);
    await expectNoHorizontalOverflow(page);
    await page.getByTestId('chip-tag').click();
    await expect(page.getByTestId('chip-tag')).toHaveCount(0);
    await expect(page.getByTestId('chip-q')).toBeVisible();
    await expect(page).not.toHaveURL(/tag=/);
    await page.getByTestId('chip-q').click();
    await expect(page.getByTestId('chip-q')).toHaveCount(0);
    await expect(page).toHaveURL(/\/packages$/);
    await expectNoHorizontalOverflow(page);

    await page.screenshot({ path: test.info().outputPath(`browse-${width}.png`), fullPage: true });
    expect(errors).toEqual([]);
  });
}
