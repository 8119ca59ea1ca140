import { test as base, expect, BrowserContext, Page, TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

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

const packageZipScript = `
import sys, zipfile
path, title, version = sys.argv[1:4]
manifest = f'[meta]\\ntitle = "{title}"\\nauthor = "e2e"\\nversion = "{version}"\\n[game_mode]\\npackages_requirements = ["default-weapons"]\\n'
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("Package.toml", manifest)
    z.writestr("Server/Index.lua", "print('hello')")
`;

/** Writes a small valid game-mode package zip (`name.zip` in `dir`) and returns its path. */
export function writePackageZip(dir: string, name: string, title: string, version: string): string {
  const path = join(dir, `${name}.zip`);
  execFileSync('python3', ['-c', packageZipScript, path, title, version]);
  return path;
}

/**
 * Collects every console error and uncaught page error of the contexts it watches. The `test`
 * exported below watches the test's own context and fails the test if anything was collected;
 * call `watch` on any other context the test opens.
 */
export class ConsoleErrors {
  readonly errors: string[] = [];
  private readonly expected = new Set<string>();

  watch(context: BrowserContext) {
    context.on('console', (message) => {
      if (message.type() !== 'error') return;
      const where = message.location().url;
      // The one justified exception: Chromium logs "Failed to load resource: … status of 404"
      // (or 401) for a document the test loads *because* it answers with that status (the 404
      // page, a member page seen signed out). Only those exact addresses, declared by the test
      // with `expectStatus`, are let through; any other failed load still fails the test.
      if (this.expected.has(where) && /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
        return;
      }
      this.errors.push(`console error at ${where || 'unknown'}: ${message.text()}`);
    });
    context.on('weberror', (error) => {
      this.errors.push(`page error: ${error.error().stack ?? error.error().message}`);
    });
  }

  /** Declares that loading `url` answers with an error status on purpose (see `watch`). */
  expectStatus(url: string) {
    this.expected.add(url);
  }
}

/** Playwright's `test` with a console-error collector that fails any test that logs an error. */
export const test = base.extend<{ consoleErrors: ConsoleErrors }>({
  consoleErrors: [
    async ({ context }, use) => {
      const collector = new ConsoleErrors();
      collector.watch(context);
      await use(collector);
      expect(collector.errors, 'console errors and page errors').toEqual([]);
    },
    { auto: true },
  ],
});

/** One axe finding, as a line a person can act on. */
type Violation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];
function describeViolation(v: Violation): string {
  const nodes = v.nodes
    .slice(0, 5)
    .map((n) => `    - ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ').trim() ?? ''}`)
    .join('\n');
  const more = v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : '';
  return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}${more}`;
}

/**
 * The checks every page must pass, run on the page as it is now:
 * (a) axe finds no `serious` or `critical` accessibility issue;
 * (b) nothing is wider than the window (no horizontal scrolling); the widest elements are named;
 * (c) a full-page screenshot, attached to the test and kept under its output folder
 *     (end2end/test-results/…/<name>.png).
 * (a) and (b) are soft assertions: the test goes on to the next page and fails at its end with
 * every issue of every page listed.
 */
export async function checkPage(page: Page, testInfo: TestInfo, name: string) {
  // Wait for the page to settle: loading placeholders gone, fonts ready.
  await page.waitForLoadState('networkidle');
  await expect(page.getByText('Loading…')).toHaveCount(0);
  await page.evaluate(() => document.fonts.ready);

  const file = testInfo.outputPath(`${name.replace(/[^a-z0-9-]+/gi, '_')}.png`);
  const screenshot = await page.screenshot({ fullPage: true, path: file });
  await testInfo.attach(name, { body: screenshot, contentType: 'image/png' });

  const overflow = await page.evaluate(() => {
    const width = window.innerWidth;
    const scrollWidth = document.scrollingElement?.scrollWidth ?? 0;
    const describe = (el: Element) => {
      const id = el.id ? `#${el.id}` : '';
      const classes = [...el.classList].map((c) => `.${c}`).join('');
      const testId = el.getAttribute('data-testid');
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
      return `${el.tagName.toLowerCase()}${id}${classes}${testId ? `[data-testid=${testId}]` : ''} "${text}"`;
    };
    const wide = [...document.body.querySelectorAll('*')]
      .map((el) => ({ el, right: el.getBoundingClientRect().right }))
      .filter(({ right }) => right > width + 0.5)
      .sort((a, b) => b.right - a.right)
      // The innermost offenders are the ones to fix: drop elements that only hold a wider child.
      .filter(({ el }, _, all) => !all.some((o) => o.el !== el && el.contains(o.el)))
      .slice(0, 6)
      .map(({ el, right }) => `${describe(el)} reaches ${Math.round(right)} px (its content is ${el.scrollWidth} px wide)`);
    return { width, scrollWidth, wide };
  });
  expect.soft(
    overflow.scrollWidth,
    `${name}: the page is ${overflow.scrollWidth} px wide in a ${overflow.width} px window; widest elements:\n${overflow.wide.join('\n')}`,
  ).toBeLessThanOrEqual(overflow.width);

  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect.soft(bad.length, `${name}: axe found serious or critical issues:\n${bad.map(describeViolation).join('\n')}`).toBe(0);
}

/** Waits until the page is hydrated (the app marks `<body data-hydrated>`): from then on forms are
 * sent by the app, not posted by the browser itself. */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}
