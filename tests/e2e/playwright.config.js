// Browser tests against the offline Mercado Pago sandbox and the site, in the system's Chromium
// (Debian package `chromium`; no Playwright browser download). Install with:
//   PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci
// Base URLs come from environment variables read by each spec (e.g. MP_SANDBOX_URL).
const { defineConfig } = require('@playwright/test');
const { CHROMIUM, FLAGS } = require('./chromium');

module.exports = defineConfig({
  testDir: 'specs',
  outputDir: 'test-results',
  reporter: 'list',
  retries: 0,
  workers: 1,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: FLAGS,
    },
  },
});
