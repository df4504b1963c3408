// 3-D Secure 2.0 and the device id. When Mercado Pago answers a payment with a challenge
// (201 pending/pending_challenge with three_ds_info), the page shows the bank's page (the sandbox's
// ACS stand-in, on its own origin: http://localhost:<port>, the page being on 127.0.0.1) in a modal
// dialog, posts creq into it, waits for the bank's {status: "COMPLETE"}, then shows the result as
// for any pending payment. The buyer may also give up (Cancel, Escape, the time limit): the page
// says so calmly and a new attempt has a new key. Mercado Pago's test cards (DOC-3DS, "Integration
// test"; expiry 11/30, the docs' 11/25 having passed). Every flow checks for CSP violations and
// uncaught errors; screenshots of the open dialog go to artifacts/screenshots.
const fs = require('fs');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { default: AxeBuilder } = require('@axe-core/playwright');
const { secureInput } = require('../helpers/card');
const { sandboxUrl, sandboxRequests } = require('../helpers/sandbox');
const { cspViolations } = require('../helpers/merchant');
const {
  FORM, SHIPPING, UUID_V4, SCREENSHOTS, appUrl, openCheckout, fillCheckout, expectResult, orderIdOf, paymentsForOrder,
  expectCleanPage,
} = require('../helpers/checkout');

const CARDS = { success: '5483928164574623', failure: '5361956806117557' };
const FRAME = 'mp-3ds-frame';
const TEXTS = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'site', 'locales', 'challenge', 'es.json'), 'utf8'));

/** The server's Spanish buyer message for `id` (crates/domain/locales/es.ftl, Fluent). */
function serverMessage(id) {
  const ftl = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'crates', 'domain', 'locales', 'es.ftl'), 'utf8');
  const line = ftl.split('\n').find((l) => l.startsWith(`${id} = `));
  if (!line) throw new Error(`no message ${id} in crates/domain/locales/es.ftl`);
  return line.slice(id.length + 3).trim();
}

/** Every 201 answer of POST /api/process_payment, parsed, in order. */
function answersOf(page) {
  const answers = [];
  page.on('response', async (res) => {
    if (res.request().method() === 'POST' && res.url().endsWith('/api/process_payment') && res.status() === 201) {
      answers.push(await res.json());
    }
  });
  return answers;
}

/** A screenshot of what the buyer sees (the viewport: the dialog is fixed over the page). */
async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  return file;
}

const dialog = (page) => page.getByRole('dialog', { name: TEXTS.title });
const acs = (page) => page.frameLocator(`iframe[name="${FRAME}"]`);

/** Waits for the challenge: the dialog, its heading focused, the bank's page loaded in the frame. */
async function expectChallenge(page) {
  await expect(dialog(page)).toBeVisible({ timeout: 20_000 });
  await expect(dialog(page).getByRole('heading', { name: TEXTS.title })).toBeFocused();
  await expect(acs(page).getByRole('button', { name: 'Confirm' })).toBeVisible();
}

/** The sandbox's POST /v1/payments request for an order (its external_reference). */
async function paymentRequest(request, orderId) {
  const all = await sandboxRequests(request);
  return all.find((r) => r.method === 'POST' && r.path === '/v1/payments' && r.body?.external_reference === orderId);
}

test.use({ locale: 'es-AR' });

test('the success card: the buyer confirms in the bank\'s frame, on another origin, and sees approved', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  const answers = answersOf(page);
  await fillCheckout(page, { number: CARDS.success });
  await page.click('#pay');
  await expectChallenge(page);

  // Mercado Pago's answer: pending_challenge with the bank's URL and creq, on the ACS origin.
  expect(answers).toHaveLength(1);
  const [answer] = answers;
  expect(answer).toMatchObject({ status: 'pending', status_detail: 'pending_challenge' });
  const { external_resource_url: acsUrl, creq } = answer.three_ds_info;
  const acsOrigin = new URL(acsUrl).origin;
  expect(acsOrigin).not.toBe(new URL(appUrl()).origin);
  expect(acsOrigin).not.toBe(new URL(sandboxUrl()).origin);
  expect(JSON.parse(Buffer.from(creq, 'base64url').toString())).toMatchObject({ messageType: 'CReq', challengeWindowSize: '04' });

  // The dialog: labelled, modal, its frame named, titled, at least 600 × 500 px, showing the bank's
  // page that the page posted creq to (form method post, target the frame).
  await expect(dialog(page)).toHaveAttribute('aria-describedby', /.+/);
  expect(await dialog(page).evaluate((d) => d.matches(':modal'))).toBe(true);
  const frame = dialog(page).locator(`iframe[name="${FRAME}"]`);
  await expect(frame).toHaveAttribute('title', TEXTS.frame);
  const box = await frame.boundingBox();
  expect(box.width).toBeGreaterThanOrEqual(600);
  expect(box.height).toBeGreaterThanOrEqual(500);
  const around = await dialog(page).boundingBox(); // centred over the dimmed page, all of it on screen
  expect(around.x).toBeGreaterThan(0);
  expect(around.x + around.width).toBeLessThan(page.viewportSize().width);
  expect(around.y + around.height).toBeLessThanOrEqual(page.viewportSize().height);
  expect(new URL(page.frame({ name: FRAME }).url()).origin).toBe(acsOrigin);
  await expect(dialog(page).getByRole('button', { name: TEXTS.cancel })).toBeVisible();
  expect(await cspViolations(page), 'CSP violations with the bank\'s page open').toEqual([]);
  const file = await screenshot(page, 'threeds-challenge-1280');
  expect(fs.statSync(file).size).toBeGreaterThan(0);

  // A COMPLETE from anything but the bank's frame is ignored.
  await page.evaluate(() => window.postMessage({ status: 'COMPLETE' }, '*'));
  await page.waitForTimeout(300);
  await expect(dialog(page)).toBeVisible();

  await acs(page).getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog(page)).toBeHidden();
  await expectResult(page, 'approved', 20_000);
  await expect(page.locator('#r-title')).toHaveText('Pago aprobado');
  await expect(page.locator('#r-msg')).toContainText('Se acreditó tu pago');
  const orderId = await orderIdOf(page);
  expect(orderId).toBe(answer.order_id);
  expect(new URL(page.url()).searchParams.get('order')).toBe(orderId);

  // One request, one charge: approved/accredited, asked with three_d_secure_mode.
  expect(payments).toHaveLength(1);
  const charged = await paymentsForOrder(request, orderId);
  expect(charged).toHaveLength(1);
  expect(charged[0]).toMatchObject({ status: 'approved', status_detail: 'accredited' });
  expect((await paymentRequest(request, orderId)).body.three_d_secure_mode).toBe('optional');
  expect(await page.locator('dialog').count(), 'the dialog is gone').toBe(0);
  await expectCleanPage(page, errors);
});

test('the failure card: the bank does not authorize and the buyer reads why, with a way to pay with another card', async ({ page, request }) => {
  const { errors } = await openCheckout(page);
  await fillCheckout(page, { number: CARDS.failure });
  await page.click('#pay');
  await expectChallenge(page);
  await acs(page).getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog(page)).toBeHidden();
  await expectResult(page, 'rejected', 20_000);
  await expect(page.locator('#r-title')).toHaveText('Tu pago fue rechazado');
  await expect(page.locator('#r-msg')).toHaveText(serverMessage('rejected-cc_rejected_3ds_challenge'));
  await expect(page.locator('#another')).toBeVisible();
  const charged = await paymentsForOrder(request, await orderIdOf(page));
  expect(charged.map((p) => [p.status, p.status_detail])).toEqual([['rejected', 'cc_rejected_3ds_challenge']]);
  await expectCleanPage(page, errors);
});

test('a buyer who cancels the challenge is told calmly that nothing was charged, and a new attempt (new key) pays', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  const answers = answersOf(page);
  await fillCheckout(page, { number: CARDS.success });
  await page.click('#pay');
  await expectChallenge(page);
  await dialog(page).getByRole('button', { name: TEXTS.cancel }).click();

  await expect(dialog(page)).toBeHidden();
  await expect(page.locator('#notice-msg')).toHaveText(TEXTS.cancelled);
  await expect(page.locator('#live')).toHaveText(TEXTS.cancelled);
  await expect(page.locator('#checkout')).toBeVisible();
  await expect(page.locator('#result')).toBeHidden();
  await expect(page.locator('#retry')).toBeFocused();
  await expect(page.locator('#retry')).toHaveText('Reintentar');
  await expect(page.locator('#pay')).toHaveText('Pagar $ 18.500,00');
  expect(new URL(page.url()).searchParams.get('order')).toBeNull();
  // Nothing charged: the first payment still waits for the bank (it expires there).
  const first = answers[0].order_id;
  expect((await paymentsForOrder(request, first)).map((p) => p.status)).toEqual(['pending']);

  // Retry: a new attempt (new key, new card token, the same card), a new challenge, approved.
  await page.click('#retry');
  await expectChallenge(page);
  await acs(page).getByRole('button', { name: 'Confirm' }).click();
  await expectResult(page, 'approved', 20_000);
  expect(payments).toHaveLength(2);
  expect(payments[0].key).toMatch(UUID_V4);
  expect(payments[1].key).not.toBe(payments[0].key);
  expect(payments[1].body.token).not.toBe(payments[0].body.token);
  expect(await orderIdOf(page)).not.toBe(first);
  expect((await paymentsForOrder(request, await orderIdOf(page))).map((p) => p.status)).toEqual(['approved']);
  await expectCleanPage(page, errors);
});

test('the challenge\'s time limit (?challenge_timeout_ms) and Escape end it calmly too', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page, { query: '?challenge_timeout_ms=4000' });
  const answers = answersOf(page);
  await fillCheckout(page, { number: CARDS.success });
  await page.click('#pay');
  await expectChallenge(page);
  await expect(dialog(page)).toBeHidden({ timeout: 10_000 }); // nobody answered
  await expect(page.locator('#notice-msg')).toHaveText(TEXTS.late);
  await expect(page.locator('#retry')).toBeFocused();

  await page.click('#pay'); // Pay is the other way to try again
  await expectChallenge(page);
  await page.keyboard.press('Escape');
  await expect(dialog(page)).toBeHidden();
  await expect(page.locator('#notice-msg')).toHaveText(TEXTS.cancelled);
  await expect(page.locator('#retry')).toBeFocused();

  expect(payments).toHaveLength(2);
  expect(payments[1].key).not.toBe(payments[0].key);
  for (const { order_id: id } of answers) {
    expect((await paymentsForOrder(request, id)).map((p) => p.status), 'nothing charged').toEqual(['pending']);
  }
  await expectCleanPage(page, errors);
});

test('keyboard only: through the form, into the bank\'s frame, Confirm, to the approved result', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  const focused = (name) => page.locator(':focus').and(page.locator(name));
  const tab = async (expected) => {
    await page.keyboard.press('Tab');
    await expect(typeof expected === 'string' ? focused(expected) : expected).toBeFocused();
  };
  const card = (id) => secureInput(page, `${FORM}__${id}`);
  await tab('#lang');
  for (const sku of ['mate-calabaza', 'bombilla-acero', 'yerba-organica-1kg']) {
    await tab(`.item[data-sku="${sku}"] [data-d="-1"]`);
    await tab(`.item[data-sku="${sku}"] [data-d="1"]`);
  }
  await page.keyboard.press('Space'); // one yerba
  await expect(page.locator('#q-yerba-organica-1kg')).toHaveText('1');
  await tab(card('cardNumber'));
  await page.keyboard.type(CARDS.success);
  await tab(card('expirationDate'));
  await page.keyboard.type('1130');
  await tab(card('securityCode'));
  await page.keyboard.type('123');
  await tab(`#${FORM}__cardholderName`);
  await page.keyboard.type('APRO');
  await tab(`#${FORM}__issuer`);
  await tab(`#${FORM}__installments`);
  await expect(page.locator(`#${FORM}__installments option:not([disabled])`)).not.toHaveCount(0);
  await tab(`#${FORM}__identificationType`);
  await tab(`#${FORM}__identificationNumber`);
  await page.keyboard.type('12345678');
  await tab(`#${FORM}__cardholderEmail`);
  await page.keyboard.type('teclado@example.com');
  for (const [name, value] of Object.entries(SHIPPING)) {
    await tab(`#${FORM}__${name}`);
    await page.keyboard.type(value);
  }
  await tab('#pay');
  await page.keyboard.press('Enter');

  await expectChallenge(page); // the focus is on the dialog's heading
  await page.keyboard.press('Tab'); // into the bank's page: Confirm is its first control
  await expect(acs(page).getByRole('button', { name: 'Confirm' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expectResult(page, 'approved', 20_000);
  await expect(page.locator('#r-title')).toBeFocused();
  expect(payments).toHaveLength(1);
  expect(await paymentsForOrder(request, await orderIdOf(page))).toHaveLength(1);
  await expectCleanPage(page, errors);
});

test('the challenge fits a phone: the dialog fills the screen, its frame and Cancel are reachable', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 812 });
  const { errors } = await openCheckout(page);
  await fillCheckout(page, { number: CARDS.success });
  await page.click('#pay');
  await expectChallenge(page);
  const frame = await dialog(page).locator(`iframe[name="${FRAME}"]`).boundingBox();
  expect(frame.x).toBeGreaterThanOrEqual(0);
  expect(frame.x + frame.width).toBeLessThanOrEqual(375);
  expect(frame.height).toBeGreaterThanOrEqual(320);
  const cancel = dialog(page).getByRole('button', { name: TEXTS.cancel });
  await expect(cancel).toBeInViewport();
  await screenshot(page, 'threeds-challenge-375');
  // axe-core: no serious or critical violation in the dialog (the bank's page included).
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const problems = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(problems.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await cancel.click();
  await expect(page.locator('#notice-msg')).toHaveText(TEXTS.cancelled);
  await expectCleanPage(page, errors);
});

test('the payment carries the device id: the page sends X-Meli-Session-Id and it reaches Mercado Pago', async ({ page, request }) => {
  const sent = [];
  page.on('request', (r) => r.url().endsWith('/api/process_payment') && sent.push(r.headers()['x-meli-session-id']));
  const { errors } = await openCheckout(page);
  const device = await page.evaluate(() => window.MP_DEVICE_SESSION_ID);
  expect(device).toMatch(/^[!-~]{1,200}$/);
  await fillCheckout(page);
  await page.click('#pay');
  await expectResult(page, 'approved');
  expect(sent).toEqual([device]);
  const forwarded = await paymentRequest(request, await orderIdOf(page));
  expect(forwarded, 'POST /v1/payments of this order').toBeTruthy();
  expect(forwarded.headers['x-meli-session-id']).toBe(device);
  await expectCleanPage(page, errors);
});

// The sandbox's risk rule (README, "The Mercado Pago sandbox"): a card payment without a device id
// from the high-risk amount up (5000 by default; the mate is 18,500) is declined as high risk.
test('without the device script the page sends no device id header, and the sandbox\'s risk rule declines the amount', async ({ page, request }) => {
  await page.route('**/v2/security.js', (route) => route.abort());
  const sent = [];
  page.on('request', (r) => r.url().endsWith('/api/process_payment') && sent.push(r.headers()));
  const { errors } = await openCheckout(page);
  expect(await page.evaluate(() => window.MP_DEVICE_SESSION_ID)).toBeUndefined();
  await fillCheckout(page);
  await page.click('#pay');
  await expectResult(page, 'rejected');
  await expect(page.locator('#r-msg')).toHaveText(serverMessage('rejected-cc_rejected_high_risk'));
  expect(sent).toHaveLength(1);
  expect(sent[0]).not.toHaveProperty('x-meli-session-id');
  const forwarded = await paymentRequest(request, await orderIdOf(page));
  expect(forwarded.headers).not.toHaveProperty('x-meli-session-id');
  await expectCleanPage(page, errors);
});
