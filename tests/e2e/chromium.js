// Debian's Chromium as every browser run here starts it: Playwright (playwright.config.js) and
// Lighthouse (lighthouse.mjs). CHROMIUM_PATH overrides the binary.
module.exports = {
  CHROMIUM: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  FLAGS: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    // Without these, Chromium keeps calling Google's hosts, which this closed network refuses.
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
};
