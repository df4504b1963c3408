// The checkout page (site/) as the local stack serves it (APP_URL), driven as a buyer would, plus
// what the tests check around it: the process_payment requests the page sent, the payments the
// sandbox made, CSP violations and uncaught errors.
const fs = require('fs');
const path = require('path');
const { expect } = require('@playwright/test');
const { sandboxUrl } = require('./sandbox');
const { installPageProbes, cspViolations } = require('./merchant');
const { TEST_CARDS, fillSecureCard, waitForSecureFields } = require('./card');

const SCREENSHOTS = path.join(__dirname, '..', 'artifacts', 'screenshots');
const FORM = 'form-checkout';
// The fulfilment fields (catalog.json `collect`: phone; shipping_address, the rest) in page order,
// by the API's names, which are also the fields' ids (form-checkout__<name>): a buyer in Buenos Aires.
const SHIPPING = {
  phone: '+54 11 5555-0100', first_name: 'Ana', last_name: 'García', street_name: 'Av. Corrientes', street_number: '1234',
  floor: '3°', apartment: 'B', zip_code: 'C1043AAZ', city_name: 'Buenos Aires', state_name: 'CABA',
};
const BUYER = { number: TEST_CARDS.master, expiry: '1130', cvv: '123', name: 'APRO', document: '12345678', email: 'comprador@example.com', ...SHIPPING };
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** APP_URL without a trailing slash; throws a clear error when it is not set. */
function appUrl() {
  const url = process.env.APP_URL;
  if (!url) throw new Error('APP_URL is not set: run the browser tests with scripts/e2e.sh (or point APP_URL at `make dev`)');
  return url.replace(/\/+$/, '');
}

/**
 * Opens the checkout (with CSP and error probes) and waits until the card form is ready.
 * Returns `{ errors, payments }`: uncaught page errors, and every POST /api/process_payment the
 * page sent ({ key, body (parsed), raw (exact bytes), status } in order; status filled on response).
 */
async function openCheckout(page, { query = '' } = {}) {
  await installPageProbes(page);
  const errors = [];
  const payments = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  const sent = new Map(); // request → its entry in `payments`
  page.on('request', (req) => {
    if (req.method() !== 'POST' || !req.url().endsWith('/api/process_payment')) return;
    const raw = req.postData();
    const entry = { key: req.headers()['idempotency-key'], raw, body: JSON.parse(raw) };
    sent.set(req, entry);
    payments.push(entry);
  });
  page.on('response', (res) => {
    const entry = sent.get(res.request());
    if (entry) entry.status = res.status();
  });
  await page.goto(`${appUrl()}/${query}`);
  await expect(page.locator('#pay')).toBeEnabled({ timeout: 20_000 });
  await waitForSecureFields(page);
  return { errors, payments };
}

/** Fills the fulfilment fields the page shows (the catalog asks for) from `values` (SHIPPING by default). */
async function fillShipping(page, values = {}) {
  const v = { ...SHIPPING, ...values };
  for (const name of Object.keys(SHIPPING)) {
    const input = page.locator(`#${FORM}__${name}`);
    if (v[name] != null && (await input.isVisible())) await input.fill(v[name]);
  }
}

/**
 * Types the card into the Secure Fields and fills the buyer's fields, the fulfilment fields the
 * page shows included (BUYER's values, overridden by `buyer`); waits for installments.
 */
async function fillCheckout(page, buyer = {}) {
  const b = { ...BUYER, ...buyer };
  await fillSecureCard(page, { number: b.number, expiry: b.expiry, cvv: b.cvv });
  await page.fill(`#${FORM}__cardholderName`, b.name);
  if (b.document != null && (await page.locator('#ident').isVisible())) await page.fill(`#${FORM}__identificationNumber`, b.document);
  await page.fill(`#${FORM}__cardholderEmail`, b.email);
  await fillShipping(page, b);
  await expect(page.locator(`#${FORM}__installments option:not([disabled])`)).not.toHaveCount(0);
}

/** The result view once it shows `status` (approved | pending | rejected). */
async function expectResult(page, status, timeout = 20_000) {
  const result = page.locator('#result');
  await expect(result).toHaveAttribute('data-status', status, { timeout });
  await expect(result).toBeVisible();
  return result;
}

/** The order id (UUID) of the result on screen: the receipt shows its short number instead. */
function orderIdOf(page) {
  return page.locator('#result').getAttribute('data-order-id');
}

/** Every payment the sandbox made (GET /__sandbox/payments). */
async function sandboxPayments(request) {
  const res = await request.get(`${sandboxUrl()}/__sandbox/payments`);
  expect(res.ok()).toBeTruthy();
  return res.json();
}

/** The sandbox payments made for one order (its `external_reference`). */
async function paymentsForOrder(request, orderId) {
  return (await sandboxPayments(request)).filter((p) => p.external_reference === orderId);
}

/** Settles a pending (CONT) payment in the sandbox. */
async function settlePayment(request, paymentId, status = 'approved') {
  const res = await request.post(`${sandboxUrl()}/__sandbox/payments/${paymentId}/settle`, { data: { status } });
  expect(res.ok(), `settle ${paymentId}: HTTP ${res.status()}`).toBeTruthy();
}

/** No uncaught error and no CSP violation in the page or its frames. */
async function expectCleanPage(page, errors) {
  expect(errors, 'uncaught page errors').toEqual([]);
  expect(await cspViolations(page), 'CSP violations').toEqual([]);
}

/** Full-page screenshot to artifacts/screenshots/<name>.png (the test artifacts). */
async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
  return file;
}

module.exports = {
  FORM, BUYER, SHIPPING, UUID_V4, SCREENSHOTS, appUrl, openCheckout, fillCheckout, fillShipping, expectResult, orderIdOf, sandboxPayments,
  paymentsForOrder, settlePayment, expectCleanPage, screenshot,
};
