import { test, expect, CDPSession } from '@playwright/test';

// A measurement, not a test of behaviour: run it with NANOS_MEASURE=1, against a release build for
// the figures that count (scripts/run). It reports what a first visit to / transfers and when the
// page becomes interactive (hydrated) in Chromium, then what a repeat visit transfers: the bundle's
// files are kept for good under their content-hashed names, so nothing of it is downloaded again.

/** What one visit's requests transferred, as Chromium's network log counts it. */
class Transfers {
  private urls = new Map<string, string>();
  private encodings = new Map<string, string>();
  private bytes = new Map<string, number>();
  private cached = new Set<string>();

  constructor(cdp: CDPSession) {
    cdp.on('Network.responseReceived', (e) => {
      this.urls.set(e.requestId, e.response.url);
      const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      this.encodings.set(e.requestId, String(headers['content-encoding'] ?? 'none'));
      if (e.response.fromDiskCache || e.response.fromPrefetchCache) this.cached.add(e.requestId);
    });
    cdp.on('Network.requestServedFromCache', (e) => this.cached.add(e.requestId));
    cdp.on('Network.loadingFinished', (e) => this.bytes.set(e.requestId, e.encodedDataLength));
  }

  /** One line per request (path, encoding, bytes over the wire or "cache"), and the totals. */
  report(): { lines: string[]; total: number; bundle: number } {
    let total = 0;
    let bundle = 0;
    const lines: string[] = [];
    for (const [id, url] of this.urls) {
      const path = new URL(url).pathname;
      const cached = this.cached.has(id);
      const bytes = cached ? 0 : this.bytes.get(id) ?? 0;
      total += bytes;
      if (path.startsWith('/pkg/')) bundle += bytes;
      lines.push(`  ${path}  ${cached ? 'from cache' : `${bytes} B, encoding ${this.encodings.get(id)}`}`);
    }
    return { lines, total, bundle };
  }
}

async function visit(page: import('@playwright/test').Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const transfers = new Transfers(cdp);
  await page.goto('/');
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  const hydratedAt = await page.evaluate(() => (window as unknown as { hydratedAt?: number }).hydratedAt ?? NaN);
  await cdp.detach();
  return { hydratedAt, ...transfers.report() };
}

test('measure: what a first and a repeat visit of / transfer, and when it is interactive', async ({ page }) => {
  test.skip(!process.env.NANOS_MEASURE, 'set NANOS_MEASURE=1 to run this measurement');
  // The moment the app marks the page hydrated, from the start of the navigation.
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.dataset.hydrated === 'true') {
        (window as unknown as { hydratedAt: number }).hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  });
  const kb = (b: number) => (b / 1024).toFixed(1);

  const first = await visit(page);
  console.log(`first visit of /: ${kb(first.total)} KiB transferred (bundle ${kb(first.bundle)} KiB), interactive after ${first.hydratedAt.toFixed(0)} ms`);
  console.log(first.lines.join('\n'));

  const repeat = await visit(page);
  console.log(`repeat visit of /: ${kb(repeat.total)} KiB transferred (bundle ${kb(repeat.bundle)} KiB), interactive after ${repeat.hydratedAt.toFixed(0)} ms`);
  console.log(repeat.lines.join('\n'));
  expect(repeat.bundle, 'a repeat visit downloads none of the bundle').toBe(0);
});
