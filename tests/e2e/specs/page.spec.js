// The page itself: served under a strict CSP that it never violates, no inline script or style,
// no third-party script but MercadoPago.js, and its own code and texts within a byte budget.
const fs = require('fs');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { sandboxUrl } = require('../helpers/sandbox');
const { cspViolations } = require('../helpers/merchant');
const { appUrl, openCheckout, fillCheckout, expectResult, expectCleanPage } = require('../helpers/checkout');

const SITE = path.join(__dirname, '..', '..', '..', 'site');
// Bytes of the page's own code that one visit loads: index.html, app.js, styles.css and one
// language's texts (locales/<lang>.json), uncompressed. It was 30 KB until the receipt, the resume
// view, the trust signals, the installment labels and the precise errors came (issue 12): 37.4 KB
// then, 13.0 KB gzipped as CloudFront serves it. README "The page" says why it was raised. The
// buyer's phone and shipping address (issue 13) brought it to 39,995 bytes (14.0 KB gzipped).
const BUDGET = 40_000;
const PAGE = ['index.html', 'app.js', 'styles.css'];
const LANGS = ['es', 'pt', 'en'];

/** site/**\/*.{html,css,js}: the page's own code (images and JSON data excluded). */
function ownFiles(dir = SITE) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return ownFiles(file);
    return /\.(html|css|js|mjs)$/.test(e.name) ? [file] : [];
  });
}

test.use({ locale: 'es-AR' });

test(`one visit loads at most ${BUDGET} bytes of the page's own code and texts, and every file is served`, async ({ request }) => {
  for (const file of [...ownFiles(), ...LANGS.map((l) => path.join(SITE, 'locales', `${l}.json`))]) {
    const res = await request.get(`${appUrl()}/${path.relative(SITE, file)}`);
    expect(res.status(), path.relative(SITE, file)).toBe(200);
    expect((await res.body()).length).toBe(fs.statSync(file).size);
  }
  const size = (name) => fs.statSync(path.join(SITE, name)).size;
  const code = PAGE.reduce((s, f) => s + size(f), 0);
  const visits = LANGS.map((l) => code + size(`locales/${l}.json`));
  const gzip = require('zlib').gzipSync(Buffer.concat([...PAGE, 'locales/es.json'].map((f) => fs.readFileSync(path.join(SITE, f))))).length;
  console.log(`a visit: ${Math.max(...visits)} bytes (${PAGE.join(', ')} + texts; ${gzip} gzipped), budget ${BUDGET}`);
  for (const v of visits) expect(v).toBeLessThanOrEqual(BUDGET);
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
