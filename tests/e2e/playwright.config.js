// Browser tests against the offline Mercado Pago sandbox and the site, in the system's Chromium
// (Debian package `chromium`; no Playwright browser download). Install with:
//   PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci
// Base URLs come from environment variables read by each spec (e.g. MP_SANDBOX_URL).
const { defineConfig } = require('@playwright/test');

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
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        // Fixture pages are served at made-up public origins (http://merchant.test) and call the
        // sandbox on 127.0.0.1. Chromium's Local Network Access blocks public→loopback requests
        // from non-secure pages; a real deployment (https page → https API) never meets it.
        '--disable-features=LocalNetworkAccessChecks',
      ],
    },
  },
});
