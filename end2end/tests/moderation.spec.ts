import { expect, Browser, BrowserContext } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConsoleErrors, checkPage, hydrated, registerInPage, test, uniqueName, writePackageZip } from './helpers';

// The staff's journey (issue #16), by clicking and typing only, on a store of its own that holds
// every release for review (NANOS_STORE_REVIEW_POLICY=all-releases): an author's upload waits in
// review and is approved from /admin; a user reports the release; a moderator finds the report in
// the queue, takes the resource down with a reason; an anonymous visitor gets the 410 page and the
// API 410 JSON; the team's owner reads the reason; the moderator resolves the report (the reporter
// reads the outcome) and restores the resource, which everyone sees again.

const bin = process.env.NANOS_STORE_BIN;
const siteRoot = process.env.LEPTOS_SITE_ROOT;

/** A free port on the loopback interface. */
async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/** A store of this test's own, with `env` added to its settings. */
async function startStore(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'nanos-moderation-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const settings = {
    ...process.env,
    NANOS_STORE_REGISTRATIONS_PER_HOUR: '1000',
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    NANOS_STORE_DATA_DIR: join(dataDir, 'data'),
    ...env,
  };
  const server: ChildProcess = spawn(bin!, ['serve'], { cwd: resolve('..'), env: settings, stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 150 || server.exitCode !== null) throw new Error(`the store at ${url} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    /** Runs the store's command line against this store's data. */
    cli: (...args: string[]) => execFileSync(bin!, args, { cwd: resolve('..'), env: settings }).toString(),
    stop: () => {
      server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function contextFor(browser: Browser, baseURL: string, errors: ConsoleErrors): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL });
  errors.watch(context);
  return context;
}

test('staff review an upload, act on a report, take a resource down and restore it', async ({ browser, consoleErrors }, testInfo) => {
  test.skip(!bin || !siteRoot, 'needs NANOS_STORE_BIN and LEPTOS_SITE_ROOT (scripts/test sets them)');
  test.setTimeout(180_000);
  const store = await startStore({ NANOS_STORE_REVIEW_POLICY: 'all-releases', LEPTOS_SITE_ROOT: siteRoot! });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'nanos-moderation-zips-'));
    const name = uniqueName('heist');
    const team = uniqueName('crew');
    const [authorName, reporterName, moderatorName] = [uniqueName('author'), uniqueName('reporter'), uniqueName('mod')];

    // The author uploads with "Publish now": under the policy, the release waits in review.
    const author = await (await contextFor(browser, store.url, consoleErrors)).newPage();
    await registerInPage(author, authorName, 'Author');
    await author.goto('/upload');
    await hydrated(author);
    await author.getByLabel('Choose the release zip, or drop it here').setInputFiles(writePackageZip(dir, 'heist', 'Bank Heist', '1.0.0'));
    await expect(author.getByText('This zip is valid.')).toBeVisible();
    await author.getByRole('button', { name: 'Continue' }).click();
    await author.getByLabel('Name', { exact: true }).fill(name);
    await expect(author.getByText('✓ available')).toBeVisible();
    await author.getByRole('button', { name: 'Create a new team' }).click();
    await author.getByLabel('Team name').fill(team);
    await author.getByLabel('Title', { exact: true }).first().fill('Heist Crew');
    await author.getByRole('button', { name: 'Create team' }).click();
    await expect(author.getByLabel('Team', { exact: true })).toHaveValue(team);
    await author.getByLabel('Short description').fill('Rob the bank');
    await author.getByRole('button', { name: 'Continue' }).click();
    await author.getByLabel('Publish now').check();
    await author.getByRole('button', { name: 'Upload' }).click();
    await expect(author).toHaveURL(new RegExp(`/packages/${name}/releases/1.0.0$`), { timeout: 60_000 });
    await expect(author.getByTestId('review')).toHaveText('in review');
    await expect(author.getByTestId('review-note')).toContainText('published once they approve it');

    // Nobody else sees it yet.
    const visitorContext = await contextFor(browser, store.url, consoleErrors);
    const visitor = await visitorContext.newPage();
    await visitor.goto(`/packages/${name}`);
    await expect(visitor.getByText('No releases yet.')).toBeVisible();

    // A moderator (granted from the command line) approves it from the queue.
    const moderator = await (await contextFor(browser, store.url, consoleErrors)).newPage();
    await registerInPage(moderator, moderatorName, 'Moderator');
    store.cli('user', 'grant', moderatorName, 'moderator');
    await moderator.reload();
    await hydrated(moderator);
    await moderator.getByTestId('admin-link').click();
    await expect(moderator).toHaveURL(/\/admin$/);
    const reviews = moderator.getByTestId('review-queue');
    await expect(reviews).toContainText(`${name} 1.0.0`);
    await checkPage(moderator, testInfo, 'admin');
    await reviews.getByRole('button', { name: 'Approve and publish' }).click();
    await expect(reviews).toContainText('Nothing waits for review.');

    // Now it is public.
    await visitor.reload();
    await expect(visitor.getByTestId('release-1.0.0')).toBeVisible();

    // A user reports the release from its page.
    const reporter = await (await contextFor(browser, store.url, consoleErrors)).newPage();
    await registerInPage(reporter, reporterName, 'Reporter');
    await reporter.goto(`/packages/${name}/releases/1.0.0`);
    await hydrated(reporter);
    await reporter.getByText('Report this').click();
    await reporter.getByLabel('Why', { exact: true }).selectOption('malware');
    await reporter.getByLabel('Details (what is wrong, where)').fill('Server/Index.lua sends passwords away');
    await reporter.getByRole('button', { name: 'Send report' }).click();
    await expect(reporter.getByRole('status')).toContainText('the staff will look at it');

    // The moderator finds it in the queue, opens the resource and takes it down with a reason.
    await moderator.reload();
    await hydrated(moderator);
    const report = moderator.getByTestId('report-item').filter({ hasText: name });
    await expect(report).toContainText('malware');
    await expect(report).toContainText('Server/Index.lua sends passwords away');
    await report.getByRole('button', { name: 'Assign to me' }).click();
    await expect(report).toContainText(`assigned to ${moderatorName}`);
    await moderator.goto(`/packages/${name}`);
    await hydrated(moderator);
    const panel = moderator.getByTestId('staff-panel');
    // No reason: refused, with the field's message (a 422 the console notes).
    consoleErrors.expectStatus(`${store.url}/api/moderation/take-down`);
    await panel.getByRole('button', { name: 'Take this resource down' }).click();
    await expect(panel).toContainText('Give a reason');
    await panel.getByLabel('Reason (everyone who reaches it reads it)').fill('It steals passwords');
    await panel.getByRole('button', { name: 'Take this resource down' }).click();
    await expect(moderator.getByTestId('takedown-note')).toContainText('It steals passwords');

    // An anonymous visitor gets the 410 page, and the API 410 JSON, at phone width too.
    const pageUrl = `${store.url}/packages/${name}`;
    consoleErrors.expectStatus(pageUrl);
    for (const width of [1280, 390]) {
      await visitor.setViewportSize({ width, height: 800 });
      const response = await visitor.goto(`/packages/${name}`);
      expect(response?.status()).toBe(410);
      await expect(visitor.getByRole('heading', { name: 'Taken down' })).toBeVisible();
      await expect(visitor.getByTestId('taken-down')).toContainText('It steals passwords');
    }
    const api = await visitorContext.request.get(`/store/v1/packages/${name}`);
    expect(api.status()).toBe(410);
    expect(await api.json()).toMatchObject({ error: 'taken-down' });
    await visitor.goto(`/packages?q=${name}`);
    await expect(visitor.getByText('Nothing found.')).toBeVisible();

    // The team's owner still sees the resource, and why it was taken down.
    await author.goto(`/packages/${name}`);
    await expect(author.getByTestId('takedown-note')).toContainText('It steals passwords');

    // The moderator resolves the report; the reporter reads the outcome.
    await moderator.goto('/admin');
    await hydrated(moderator);
    const assigned = moderator.getByTestId('report-item').filter({ hasText: name });
    await assigned.getByLabel('Outcome (the reporter reads it)').fill('Taken down, thank you');
    await assigned.getByRole('button', { name: 'Resolve' }).click();
    await expect(assigned).toContainText('acted on');
    await reporter.goto('/settings');
    await expect(reporter.getByTestId('my-reports')).toContainText('Taken down, thank you');

    // The log says who did what, and why.
    await moderator.getByRole('link', { name: 'The moderation log' }).click();
    await expect(moderator.getByTestId('moderation-log')).toContainText('It steals passwords');
    // The staff's pages pass the checks of every page (axe, no overflow) at phone width too.
    await checkPage(moderator, testInfo, 'moderation log');
    await moderator.setViewportSize({ width: 390, height: 844 });
    for (const [path, label] of [['/admin/log', 'moderation log, phone'], ['/admin?q=heist', 'admin search, phone'], [`/packages/${name}`, 'staff panel, phone']]) {
      await moderator.goto(path);
      await hydrated(moderator);
      await checkPage(moderator, testInfo, label);
    }
    await moderator.setViewportSize({ width: 1280, height: 800 });

    // The moderator restores it; everyone sees it again.
    await moderator.goto(`/packages/${name}`);
    await hydrated(moderator);
    await moderator.getByLabel('Why restore it (for the moderation log)').fill('Fixed in review');
    await moderator.getByRole('button', { name: 'Restore this resource' }).click();
    await expect(moderator.getByTestId('takedown-note')).toHaveCount(0);
    await visitor.setViewportSize({ width: 1280, height: 800 });
    const restored = await visitor.goto(`/packages/${name}`);
    expect(restored?.status()).toBe(200);
    await expect(visitor.getByTestId('release-1.0.0')).toBeVisible();
    expect((await visitorContext.request.get(`/store/v1/packages/${name}`)).status()).toBe(200);

    // The author yanks the release by ticking it in the release list, then takes the yank back.
    await author.goto(`/packages/${name}`);
    await hydrated(author);
    await author.getByLabel('Choose v1.0.0').check();
    await author.getByLabel('With the chosen releases').selectOption('yank');
    await author.getByLabel('Why (shown beside a yanked release)').fill('Crashes on start');
    await author.getByRole('button', { name: 'Apply' }).click();
    await expect(author.getByTestId('bulk-outcomes')).toContainText('v1.0.0: done');
    await expect(author.getByTestId('release-1.0.0').getByTestId('yank-note')).toContainText('Crashes on start');
    await author.getByLabel('Choose v1.0.0').check();
    await author.getByLabel('With the chosen releases').selectOption('unyank');
    await author.getByRole('button', { name: 'Apply' }).click();
    await expect(author.getByTestId('release-1.0.0').getByTestId('yank-note')).toHaveCount(0);
  } finally {
    store.stop();
  }
});
