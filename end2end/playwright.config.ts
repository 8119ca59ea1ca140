import { defineConfig } from '@playwright/test';

// The store under test is started by scripts/test (a fresh data dir, a free port) and its address
// given in NANOS_STORE_URL. Chromium comes from Debian (`/usr/bin/chromium`): Playwright's own
// browser downloads are not used.
const baseURL = process.env.NANOS_STORE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    // A click or fill that cannot happen fails within 15 s, naming the step, instead of waiting
    // for the whole test's time limit.
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    },
  },
});
