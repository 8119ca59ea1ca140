import { expect, Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPage, ConsoleErrors, registerInPage, test, uniqueName, writePackageZip } from './helpers';

// Every page of the store, at desktop and phone width, signed out and signed in, holding real data
// made by clicking: each must pass `checkPage` (axe, no horizontal overflow, a screenshot).

const author = uniqueName('pages');
const team = uniqueName('pages-team');
const resource = uniqueName('pages-mode');
const version = '1.0.0';
let session: Awaited<ReturnType<import('@playwright/test').BrowserContext['storageState']>>;

test.beforeAll(async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const context = await browser.newContext();
  const errors = new ConsoleErrors();
  errors.watch(context);
  const page = await context.newPage();
  await registerInPage(page, author, 'Page Tester');

  // A team, made on the teams page.
  await page.getByRole('link', { name: 'Teams' }).click();
  await page.getByLabel('Team name').fill(team);
  await page.getByLabel('Title', { exact: true }).fill('Page Testers');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page).toHaveURL(new RegExp(`/teams/${team}$`));

  // A package, uploaded through the wizard by choosing its zip, and published at once.
  const zip = writePackageZip(mkdtempSync(join(tmpdir(), 'nanos-pages-')), resource, 'Page Mode', version);
  await page.getByRole('link', { name: 'Upload' }).click();
  await page.getByLabel('Choose the release zip, or drop it here').setInputFiles(zip);
  await expect(page.getByText('This zip is valid.')).toBeVisible();
  // The wizard's steps have no address of their own: checked here, on the way.
  await checkPage(page, testInfo, 'upload-checked-zip');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Name', { exact: true }).fill(resource);
  await expect(page.getByText('✓ available')).toBeVisible();
  await page.getByLabel('Team', { exact: true }).selectOption(team);
  await page.getByLabel('Short description').fill('A mode made to look at every page');
  await page.getByLabel('Tags (comma-separated, up to 10)').fill('testing, pages');
  await checkPage(page, testInfo, 'upload-details');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByLabel('Changelog (Markdown)')).toBeVisible();
  await checkPage(page, testInfo, 'upload-release');
  await page.getByLabel('Changelog (Markdown)').fill('The **first** release, with a [link](https://nanos.world).');
  await page.getByLabel(/Publish now/).check();
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(new RegExp(`/packages/${resource}/releases/${version}$`), { timeout: 60_000 });
  await expect(page.getByTestId('release-state')).toHaveText('published');

  // A token, so that the tokens page lists one.
  // (Reached by clicking, as a person does: the page is then hydrated before the form is used.)
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'Tokens' }).click();
  await page.getByLabel('Label').fill('A game server with a rather long label');
  await page.getByLabel('Expires').selectOption('30');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByTestId('new-token')).toBeVisible();

  session = await context.storageState();
  await context.close();
  expect(errors.errors, 'console errors and page errors while making the data').toEqual([]);
});

/** The pages, with what a visitor who is signed out gets when it is not the page itself. */
function pages(): { name: string; path: string; membersOnly?: boolean; status?: number }[] {
  return [
    { name: 'home', path: '/' },
    { name: 'packages', path: '/packages' },
    { name: 'assets', path: '/assets' },
    { name: 'resource', path: `/packages/${resource}` },
    { name: 'release', path: `/packages/${resource}/releases/${version}` },
    { name: 'upload', path: '/upload', membersOnly: true },
    { name: 'login', path: '/login' },
    { name: 'register', path: '/register' },
    { name: 'settings', path: '/settings', membersOnly: true },
    { name: 'tokens', path: '/settings/tokens', membersOnly: true },
    { name: 'profile', path: `/u/${author}` },
    { name: 'teams', path: '/teams', membersOnly: true },
    { name: 'team', path: `/teams/${team}` },
    { name: 'team-settings', path: `/teams/${team}/settings`, membersOnly: true },
    { name: 'not-found', path: '/no/such/page', status: 404 },
  ];
}

async function visitAll(page: Page, consoleErrors: ConsoleErrors, signedIn: boolean) {
  const testInfo = test.info();
  for (const { name, path, membersOnly, status } of pages()) {
    await test.step(`${name} (${path})`, async () => {
      const url = new URL(path, testInfo.project.use.baseURL).href;
      // These answer with an error status on purpose (see ConsoleErrors.watch).
      if (status || (membersOnly && !signedIn)) consoleErrors.expectStatus(url);
      const response = await page.goto(url);
      if (status) expect(response?.status(), `${path}`).toBe(status);
      else if (!membersOnly || signedIn) expect(response?.status(), `${path}`).toBe(200);
      if (signedIn) await expect(page.getByTestId('current-user')).toHaveText('Page Tester');
      else await expect(page.getByRole('link', { name: 'Log in' }).first()).toBeVisible();
      await checkPage(page, testInfo, `${name}-${signedIn ? 'signed-in' : 'signed-out'}-${page.viewportSize()?.width}`);
    });
  }
}

for (const width of [1280, 390]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: width > 600 ? 800 : 844 } });

    test('every page, signed out', async ({ page, consoleErrors }) => {
      test.setTimeout(180_000);
      await visitAll(page, consoleErrors, false);
    });

    test('every page, signed in', async ({ browser, consoleErrors }) => {
      test.setTimeout(180_000);
      const context = await browser.newContext({ storageState: session, viewport: { width, height: width > 600 ? 800 : 844 } });
      consoleErrors.watch(context);
      const page = await context.newPage();
      await visitAll(page, consoleErrors, true);
      await context.close();
    });
  });
}

// The member pages hydrate cleanly load after load (team settings failed to hydrate in one CI
// run). The `consoleErrors` fixture fails the test on any hydration error.
test('member pages hydrate cleanly, load after load', async ({ browser, consoleErrors }) => {
  test.setTimeout(180_000);
  const context = await browser.newContext({ storageState: session });
  consoleErrors.watch(context);
  const page = await context.newPage();
  for (let round = 0; round < 6; round++) {
    for (const path of ['/upload', '/settings', '/settings/tokens', '/teams', `/teams/${team}/settings`]) {
      await page.goto(path);
      await expect(page.locator('body[data-hydrated]')).toBeAttached();
      await expect(page.getByTestId('current-user')).toHaveText('Page Tester');
    }
  }
  await context.close();
});
