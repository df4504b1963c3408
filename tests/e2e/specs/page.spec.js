// The page itself: served under a strict CSP that it never violates, no inline script or style,
// no third-party script but MercadoPago.js, and its own HTML+CSS+JS within 30 KB.
const fs = require('fs');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { sandboxUrl } = require('../helpers/sandbox');
const { cspViolations } = require('../helpers/merchant');
const { appUrl, openCheckout, fillCheckout, expectResult, expectCleanPage } = require('../helpers/checkout');

const SITE = path.join(__dirname, '..', '..', '..', 'site');
const BUDGET = 30_000; // bytes (30 KB) of the page's own HTML, CSS and JavaScript, uncompressed

/** site/**\/*.{html,css,js}: the page's own code (images and JSON data excluded). */
function ownFiles(dir = SITE) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return ownFiles(file);
    return /\.(html|css|js|mjs)$/.test(e.name) ? [file] : [];
  });
}

test.use({ locale: 'es-AR' });

test(`own HTML+CSS+JS fits in ${BUDGET} bytes uncompressed, and every file is served`, async ({ request }) => {
  const files = ownFiles();
  expect(files.map((f) => path.relative(SITE, f)).sort()).toEqual(expect.arrayContaining(['app.js', 'i18n.js', 'index.html', 'styles.css']));
  let total = 0;
  for (const file of files) {
    const bytes = fs.statSync(file).size;
    total += bytes;
    const res = await request.get(`${appUrl()}/${path.relative(SITE, file)}`);
    expect(res.status(), path.relative(SITE, file)).toBe(200);
    expect((await res.body()).length).toBe(bytes);
  }
  console.log(`own HTML+CSS+JS: ${total} bytes in ${files.length} files (budget ${BUDGET})`);
  expect(total).toBeLessThanOrEqual(BUDGET);
});

test('no inline script, inline style, inline handler or eval in the page\'s own code', async () => {
  for (const file of ownFiles()) {
    const text = fs.readFileSync(file, 'utf8');
    const name = path.relative(SITE, file);
    if (name.endsWith('.html')) {
      expect(text, name).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i); // every <script> has a src
      expect(text, name).not.toMatch(/<style[\s>]/i);
      expect(text, name).not.toMatch(/\sstyle\s*=/i);
      expect(text, name).not.toMatch(/\son[a-z]+\s*=/i);
      expect(text, name).not.toMatch(/javascript:/i);
    } else if (name.endsWith('.js')) {
      expect(text, name).not.toMatch(/\beval\s*\(|new Function\s*\(|\binnerHTML\b|\bdocument\.write\b|setAttribute\(\s*['"]style/);
    }
  }
});

test('served with a strict CSP; only the page and MercadoPago.js run; no violation through a purchase', async ({ page }) => {
  const sandbox = new URL(sandboxUrl()).origin;
  const app = new URL(appUrl()).origin;
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const response = await page.goto(appUrl());
  const csp = response.headers()['content-security-policy'];
  expect(csp).toBeTruthy();
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  expect(directives['script-src']).toEqual(expect.arrayContaining(["'self'", sandbox]));
  for (const source of directives['script-src']) expect(source).toMatch(/^('self'|https?:\/\/[^*\s]+)$/); // hosts only
  expect(directives['style-src']).toEqual(["'self'"]);

  const { errors } = await openCheckout(page);
  const config = await (await page.request.get(`${appUrl()}/config.json`)).json();
  const scripts = await page.evaluate(() => [...document.scripts].map((s) => s.src));
  expect(scripts.sort()).toEqual([`${app}/app.js`, config.sdk_url].sort());
  await fillCheckout(page);
  await page.click('#pay');
  await expectResult(page, 'approved');
  // Everything the page (and the SDK's frames) loaded came from the site or the sandbox.
  for (const url of requests) expect([app, sandbox]).toContain(new URL(url).origin);
  await expectCleanPage(page, errors);
});

test('the CSP probe is live on this page: an inline style is reported', async ({ page }) => {
  const { errors } = await openCheckout(page);
  expect(await cspViolations(page)).toEqual([]);
  await page.evaluate(() => document.body.setAttribute('style', 'color: red'));
  await expect.poll(async () => (await cspViolations(page)).length).toBe(1);
  expect((await cspViolations(page))[0]).toContain('style-src');
  expect(errors).toEqual([]);
});
