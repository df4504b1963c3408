// Serving fixture pages at a made-up merchant origin (no web server: page.route answers), probes
// that watch what the merchant page sees (CSP violations and the postMessages it receives), and the
// merchant's command line (checkout-admin) against the stack the tests run on.
const fs = require('fs');
const path = require('path');
const { promisify } = require('util');
const execFile = promisify(require('child_process').execFile);

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'application/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * A strict merchant CSP: no inline script or style; scripts, frames and API calls only from the
 * sandbox. This is what Mercado Pago asks merchants to allow for Secure Fields.
 */
function strictCsp(sandboxOrigin) {
  const api = new URL(sandboxOrigin).origin;
  return `default-src 'self'; script-src 'self' ${api}; frame-src ${api}; connect-src ${api}; style-src 'self'; img-src 'self' data:`;
}

/**
 * Answers `${origin}/<file>` with tests/e2e/fixtures/<file> (404 for anything else). In HTML files
 * `{{NAME}}` is replaced by vars[NAME]; HTML responses carry the `csp` header when given.
 */
async function serveFixtures(page, { origin = 'http://merchant.test', vars = {}, csp, dir = FIXTURES } = {}) {
  await page.route(`${origin}/**`, async (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname).replace(/^\/+/, '');
    const file = path.join(dir, name);
    const type = TYPES[path.extname(file)];
    if (!name || !file.startsWith(dir + path.sep) || !type || !fs.existsSync(file)) {
      return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
    }
    let body = fs.readFileSync(file, 'utf8');
    const headers = { 'cache-control': 'no-store' };
    if (file.endsWith('.html')) {
      body = body.replace(/\{\{(\w+)\}\}/g, (whole, key) => (key in vars ? String(vars[key]) : whole));
      if (csp) headers['content-security-policy'] = csp;
    }
    return route.fulfill({ status: 200, contentType: type, headers, body });
  });
}

/**
 * Before any page script runs, in every frame: count `securitypolicyviolation` events and keep
 * every postMessage the window receives (as JSON) in `window.__probe`.
 */
async function installPageProbes(page) {
  await page.addInitScript(() => {
    const probe = { violations: [], messages: [] };
    Object.defineProperty(window, '__probe', { value: probe });
    document.addEventListener('securitypolicyviolation', (e) => {
      probe.violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
    window.addEventListener('message', (e) => {
      probe.messages.push(JSON.stringify({ origin: e.origin, data: e.data }));
    });
  });
}

/** CSP violations recorded in the top page and in every frame (probes installed). */
async function cspViolations(page) {
  const all = [];
  for (const frame of page.frames()) {
    const found = await frame.evaluate(() => (window.__probe ? window.__probe.violations : [])).catch(() => []);
    all.push(...found.map((v) => `${frame.url()}: ${v}`));
  }
  return all;
}

/** Messages (JSON strings) the top page received. */
function receivedMessages(page) {
  return page.evaluate(() => window.__probe.messages);
}

/**
 * One order as the merchant sees it: `checkout-admin --local=<stack> orders show <order> --json`
 * (built by cargo on first use, which can take minutes) against the stack whose state directory
 * is STACK_LOGS (.dev/<stack>, set by scripts/e2e.sh).
 */
async function merchantOrder(order) {
  const state = process.env.STACK_LOGS;
  if (!state) throw new Error('STACK_LOGS is not set: run the browser tests with scripts/e2e.sh');
  const args = ['run', '--quiet', '-p', 'checkout-admin', '--', `--local=${path.basename(state)}`, 'orders', 'show', order, '--json'];
  const { stdout } = await execFile('cargo', args, { cwd: path.dirname(path.dirname(state)), timeout: 600_000, maxBuffer: 1 << 20 });
  return JSON.parse(stdout);
}

module.exports = { strictCsp, serveFixtures, installPageProbes, cspViolations, receivedMessages, merchantOrder };
