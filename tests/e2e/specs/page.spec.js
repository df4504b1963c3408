// The page itself: served under a strict CSP that it never violates, no inline script or style,
// no third-party script but MercadoPago.js and Mercado Pago's device script, and its own code and
// texts within a byte budget.
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
// The device id and the 3-D Secure hook (issue 14) fit in it by cuts elsewhere (39,994 bytes, the
// Portuguese texts being the longest): the challenge itself is not part of a visit.
const BUDGET = 40_000;
const PAGE = ['index.html', 'app.js', 'styles.css'];
const LANGS = ['es', 'pt', 'en'];
// A visit whose payment needs the bank's 3-D Secure challenge (the card's issuer decides; most
// payments have none) also loads, only then, challenge.js, challenge.css and the challenge's texts
// (locales/challenge/<lang>.json): the dialog, the form posted into the bank's frame, and the end of
// the challenge (the bank's message, Cancel, Escape, the time limit). That is 5.8 KB (2.7 KB
// gzipped); such a visit was 45,798 bytes when written. 46 KB leaves room for a fix, not for a
// feature: growing the challenge is a decision, as growing the page is.
const CHALLENGE_BUDGET = 46_000;
const CHALLENGE = ['challenge.js', 'challenge.css'];

/** site/**\/*.{html,css,js}: the page's own code (images and JSON data excluded). */
function ownFiles(dir = SITE) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return ownFiles(file);
    return /\.(html|css|js|mjs)$/.test(e.name) ? [file] : [];
  });
}

test.use({ locale: 'es-AR' });

test(`one visit loads at most ${BUDGET} bytes of the page's own code and texts (${CHALLENGE_BUDGET} with a 3-D Secure challenge), and every file is served`, async ({ request }) => {
  const texts = LANGS.flatMap((l) => [path.join(SITE, 'locales', `${l}.json`), path.join(SITE, 'locales', 'challenge', `${l}.json`)]);
  for (const file of [...ownFiles(), ...texts]) {
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
  const challenge = CHALLENGE.reduce((s, f) => s + size(f), 0);
  const withChallenge = LANGS.map((l, i) => visits[i] + challenge + size(`locales/challenge/${l}.json`));
  console.log(`a visit with a 3-D Secure challenge: ${Math.max(...withChallenge)} bytes (+ ${CHALLENGE.join(', ')} + texts), budget ${CHALLENGE_BUDGET}`);
  for (const v of withChallenge) expect(v).toBeLessThanOrEqual(CHALLENGE_BUDGET);
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

test('served with a strict CSP; only the page, MercadoPago.js and the device script run; no violation through a purchase', async ({ page }) => {
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
  // The card issuer's 3-D Secure page: `https:` as deployed; here the sandbox's ACS, on its own origin.
  const acs = sandbox.replace('//127.0.0.1:', '//localhost:');
  expect(directives['frame-src']).toEqual([sandbox, acs]);
  expect(directives['form-action']).toEqual(["'self'", acs]);

  const { errors } = await openCheckout(page);
  const config = await (await page.request.get(`${appUrl()}/config.json`)).json();
  const scripts = await page.evaluate(() => [...document.scripts].map((s) => ({ src: s.src, view: s.getAttribute('view'), code: s.text })));
  expect(scripts.map((s) => s.src).sort()).toEqual([`${app}/app.js`, config.sdk_url, config.device_script_url].sort());
  expect(scripts.every((s) => s.code === ''), 'no inline code').toBe(true);
  // Mercado Pago's device script, as documented: an external script with view="checkout".
  expect(config.device_script_url).toBe(`${sandbox}/v2/security.js`);
  expect(scripts.find((s) => s.src === config.device_script_url).view).toBe('checkout');
  expect(await page.evaluate(() => typeof window.MP_DEVICE_SESSION_ID)).toBe('string');
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
