// The sandbox's MercadoPago.js v2 stand-in (/js/v2) and its Secure Fields, driven by a merchant
// page written against the real SDK's docs (fixtures/card-form*.html + card-form.js), served at
// http://merchant.test under a strict CSP. Needs a running sandbox on its default site (MLA):
//   MP_SANDBOX_URL=http://127.0.0.1:8181 npx playwright test specs/sdk-standin.spec.js
const { test, expect } = require('@playwright/test');
const { sandboxUrl, sandboxConfig, cardTokenRequests, clearSandboxRequests } = require('../helpers/sandbox');
const { strictCsp, serveFixtures, installPageProbes, cspViolations, receivedMessages } = require('../helpers/merchant');
const { TEST_CARDS, secureInput, waitForSecureFields, fillSecureCard, fillPlainCard } = require('../helpers/card');

const SANDBOX = sandboxUrl(); // fails the run with instructions when MP_SANDBOX_URL is unset
const MERCHANT = 'http://merchant.test';
const CARD = TEST_CARDS.master;
const CARD_SPACED = '5031 7557 3453 0604';
const BUYER = { name: 'APRO', document: '12345678', email: 'buyer@example.com' };

let publicKey;
let pageErrors;

test.beforeAll(async ({ request }) => {
  const config = await sandboxConfig(request);
  expect(config.site_id, 'these tests expect the sandbox on its default site, MLA').toBe('MLA');
  publicKey = config.public_key;
});

test.beforeEach(async ({ page, request }) => {
  await clearSandboxRequests(request);
  await serveFixtures(page, { origin: MERCHANT, csp: strictCsp(SANDBOX), vars: { MP_SANDBOX_URL: SANDBOX, MP_PUBLIC_KEY: publicKey } });
  await installPageProbes(page);
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
});

/** No uncaught exception and no CSP violation, in the page or in any of its frames. */
async function expectCleanPage(page) {
  expect(pageErrors, 'uncaught errors').toEqual([]);
  expect(await cspViolations(page), 'CSP violations').toEqual([]);
}

async function fillBuyer(page) {
  await page.fill('#form-checkout__cardholderName', BUYER.name);
  await page.selectOption('#form-checkout__identificationType', 'DNI');
  await page.fill('#form-checkout__identificationNumber', BUYER.document);
  await page.fill('#form-checkout__cardholderEmail', BUYER.email);
}

const events = (page) => page.evaluate(() => window.checkout.events.slice());

test('secure fields: lookup, tokenization inside the iframes, nothing of the card on the page', async ({ page, request }) => {
  await page.goto(`${MERCHANT}/card-form.html`);

  // Mount: identification types fill the select, then onFormMounted, then onReady once the frames are up.
  await expect(page.locator('#status')).toHaveText('ready');
  await expect(page.locator('#form-checkout__identificationType option[value="DNI"]')).toHaveCount(1);
  await expect(page.locator('#form-checkout__identificationType')).toHaveValue('DNI');
  expect(await events(page)).toEqual([
    'fetching:identificationTypes', 'fetched:identificationTypes', 'onIdentificationTypesReceived', 'onFormMounted', 'onReady',
  ]);
  await expect(page.locator('#form-checkout__cardholderName')).toHaveAttribute('placeholder', 'Titular de la tarjeta');

  // The card fields are sandbox-origin iframes with accessible names, sized like inputs.
  const frame = page.locator('#form-checkout__cardNumber iframe');
  await expect(frame).toHaveAttribute('src', new RegExp(`^${SANDBOX}/secure-fields/field\\.html\\?field=cardNumber&`));
  await expect(frame).toHaveAttribute('title', /Número de tarjeta/);
  const box = await frame.boundingBox();
  expect(box.height).toBeGreaterThan(30);
  expect(box.height).toBeLessThan(60);
  const number = secureInput(page, 'form-checkout__cardNumber');
  await expect(number).toHaveAttribute('autocomplete', 'cc-number');
  await expect(number).toHaveAttribute('inputmode', 'numeric');
  await expect(number).toHaveAttribute('placeholder', 'Número de tarjeta');
  await expect(number).toHaveAttribute('aria-label', 'Número de tarjeta');
  await expect(number).toHaveCSS('font-size', '18px'); // from form.cardNumber.style
  await expect(secureInput(page, 'form-checkout__securityCode')).toHaveAttribute('autocomplete', 'cc-csc');

  // Typing the card: formatted, BIN reported, payment method, issuers and installments filled.
  await fillSecureCard(page, { number: CARD, expiry: '1130', cvv: '123' });
  await expect(number).toHaveValue(CARD_SPACED);
  await expect(secureInput(page, 'form-checkout__expirationDate')).toHaveValue('11/30');
  await expect(page.locator('#bin')).toHaveText('50317557');
  await expect(page.locator('#payment-method')).toHaveText('master');
  await expect(page.locator('#form-checkout__issuer')).toHaveValue('3');
  await expect(page.locator('#form-checkout__issuer option', { hasText: 'Banco Sandbox' })).toHaveCount(1);
  await expect(page.locator('#form-checkout__installments option', { hasText: '1 cuota de $ 100,00 ($ 100,00)' })).toHaveCount(1);
  await expect(page.locator('#form-checkout__installments')).toHaveValue('1');
  expect(await events(page)).toEqual(expect.arrayContaining(['onBinChange', 'onPaymentMethodsReceived', 'onIssuersReceived', 'onInstallmentsReceived']));

  // Pay: the token exists inside onSubmit, through getCardFormData().
  await fillBuyer(page);
  await page.click('#form-checkout__submit');
  await expect(page.locator('#token')).toHaveText(/^[0-9a-f]{32}$/);
  const data = JSON.parse(await page.locator('#card-form-data').textContent());
  expect(data).toEqual({
    token: expect.stringMatching(/^[0-9a-f]{32}$/),
    installments: '1',
    paymentMethodId: 'master',
    issuerId: '3',
    identificationType: 'DNI',
    identificationNumber: BUYER.document,
    processingMode: 'aggregator',
    merchantAccountId: '',
    cardholderEmail: BUYER.email,
    amount: '100.00',
  });
  await expect(page.locator('#MPHiddenInputToken')).toHaveValue(data.token);
  await expect(page.locator('#MPHiddenInputPaymentMethod')).toHaveValue('master');
  await expect(page.locator('#MPHiddenInputProcessingMode')).toHaveValue('aggregator');
  await expect(page.locator('#submit-count')).toHaveText('1');
  const order = await events(page);
  expect(order.indexOf('onCardTokenReceived')).toBeLessThan(order.indexOf('onSubmit'));

  // The sandbox recorded one tokenization, sent by the sandbox-origin frame, not by the page.
  const posts = await cardTokenRequests(request);
  expect(posts).toHaveLength(1);
  expect(posts[0].status).toBe(201);
  expect(posts[0].headers.origin).toBe(new URL(SANDBOX).origin);
  expect(posts[0].body).toMatchObject({
    card_number: '503175******0604',
    expiration_month: 11,
    expiration_year: 2030,
    cardholder: { name: 'APRO', identification: { type: 'DNI', number: BUYER.document } },
  });

  // The merchant page never holds the card number: not in its DOM (markup or live form values),
  // not in any message it received.
  const html = await page.evaluate(() => document.documentElement.outerHTML);
  const values = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')].map((e) => e.value).join('|'));
  const messages = await receivedMessages(page);
  expect(messages.length).toBeGreaterThan(0);
  for (const text of [html, values, ...messages]) {
    expect(text).not.toContain(CARD);
    expect(text).not.toContain(CARD_SPACED);
  }
  for (const message of messages) expect(message).not.toMatch(/"(security_code|card_number)"/); // raw card data fields
  await expectCleanPage(page);
});

test('secure fields: a Luhn-invalid number is reported and never tokenized', async ({ page, request }) => {
  await page.goto(`${MERCHANT}/card-form.html`);
  await expect(page.locator('#status')).toHaveText('ready');
  await fillSecureCard(page, { number: '5031755734530605', expiry: '1130', cvv: '123' });
  await expect(page.locator('#validity')).toContainText('cardNumber: invalid_value');
  await expect(secureInput(page, 'form-checkout__cardNumber')).toHaveAttribute('aria-invalid', 'true');
  await fillBuyer(page);
  await page.click('#form-checkout__submit');
  await expect(page.locator('#token-error')).toHaveText('E301 cardNumber');
  await expect(page.locator('#token')).toHaveText('');
  await expect(page.locator('#submit-count')).toHaveText('0');
  await expect(page.locator('#MPHiddenInputToken')).toHaveValue('');
  expect(await events(page)).toEqual(expect.arrayContaining(['onCardTokenReceived', 'onError']));
  expect(await events(page)).not.toContain('onSubmit');
  expect(await cardTokenRequests(request)).toHaveLength(0);

  // Empty required fields give the documented codes too.
  await secureInput(page, 'form-checkout__securityCode').fill('');
  await page.fill('#form-checkout__cardholderName', '');
  await page.click('#form-checkout__submit');
  await expect(page.locator('#token-error')).toHaveText('221 cardholderName, E301 cardNumber, 224 securityCode');

  // Correcting the number clears the error and the same form then pays.
  await fillSecureCard(page, { number: CARD, cvv: '123' });
  await page.fill('#form-checkout__cardholderName', BUYER.name);
  await expect(page.locator('#validity')).toContainText('cardNumber: ok');
  await page.click('#form-checkout__submit');
  await expect(page.locator('#token')).toHaveText(/^[0-9a-f]{32}$/);
  expect(await cardTokenRequests(request)).toHaveLength(1);
  await expectCleanPage(page);
});

test('secure fields: issuer change and amount update refetch installments; clearing the card resets them', async ({ page }) => {
  await page.goto(`${MERCHANT}/card-form.html`);
  await expect(page.locator('#status')).toHaveText('ready');
  await fillSecureCard(page, { number: CARD });
  const installments = page.locator('#form-checkout__installments');
  await expect(installments.locator('option', { hasText: '1 cuota de $ 100,00' })).toHaveCount(1);

  const fetches = async () => (await events(page)).filter((e) => e === 'fetching:installments').length;
  const before = await fetches();
  await page.selectOption('#form-checkout__issuer', '1042');
  await expect.poll(fetches).toBe(before + 1);
  await expect(installments.locator('option', { hasText: '1 cuota de $ 100,00' })).toHaveCount(1);

  await page.evaluate(() => window.checkout.cardForm.update('amount', '200.00'));
  await expect(installments.locator('option', { hasText: '1 cuota de $ 200,00 ($ 200,00)' })).toHaveCount(1);
  expect(await page.evaluate(() => window.checkout.cardForm.getCardFormData().amount)).toBe('200.00');

  await secureInput(page, 'form-checkout__cardNumber').fill('');
  await expect(installments).toHaveValue('');
  await expect(page.locator('#form-checkout__issuer')).toHaveValue('');
  expect(await page.evaluate(() => window.checkout.cardForm.getCardFormData().paymentMethodId)).toBe('');
  await expectCleanPage(page);
});

test('secure fields: keyboard Tab moves between page fields and the iframe inputs', async ({ page }) => {
  await page.goto(`${MERCHANT}/card-form.html`);
  await expect(page.locator('#status')).toHaveText('ready');
  await waitForSecureFields(page);
  await page.focus('#back-to-cart');
  await page.keyboard.press('Tab');
  await expect(secureInput(page, 'form-checkout__cardNumber')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(secureInput(page, 'form-checkout__expirationDate')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(secureInput(page, 'form-checkout__securityCode')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.locator('#form-checkout__cardholderName')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(secureInput(page, 'form-checkout__securityCode')).toBeFocused();
  await expectCleanPage(page);
});

test('iframe: false: the page\'s own inputs also yield a token', async ({ page, request }) => {
  await page.goto(`${MERCHANT}/card-form-inputs.html`);
  await expect(page.locator('#status')).toHaveText('ready');
  await expect(page.locator('#form-checkout__cardNumber iframe')).toHaveCount(0);
  await expect(page.locator('#form-checkout__cardNumber')).toHaveAttribute('placeholder', 'Número de tarjeta');
  await fillPlainCard(page, { number: CARD, expiry: '11/30', cvv: '123' });
  await expect(page.locator('#payment-method')).toHaveText('master');
  await expect(page.locator('#form-checkout__installments option', { hasText: '1 cuota de $ 100,00' })).toHaveCount(1);
  await fillBuyer(page);
  await page.click('#form-checkout__submit');
  await expect(page.locator('#token')).toHaveText(/^[0-9a-f]{32}$/);
  const posts = await cardTokenRequests(request);
  expect(posts).toHaveLength(1);
  expect(posts[0].status).toBe(201);
  expect(posts[0].headers.origin).toBe(MERCHANT); // here the page itself tokenizes
  expect(posts[0].body.card_number).toBe('503175******0604');
  await expectCleanPage(page);
});

test('core methods and mp.fields (no cardForm) answer the documented shapes and tokenize', async ({ page, request }) => {
  await page.goto(`${MERCHANT}/fields.html`);
  await expect(page.locator('#status')).toHaveText('ready');
  await expect(page.locator('#form-checkout__identificationType option[value="DNI"]')).toHaveCount(1);

  const core = await page.evaluate(async () => {
    const { mp } = window.checkout;
    const card = { cardNumber: '4509953566233704', cardholderName: 'APRO', cardExpirationMonth: '11', cardExpirationYear: '2030', securityCode: '123' };
    const rejection = (promise) => promise.then(() => 'resolved', (errors) => errors);
    const methods = await mp.getPaymentMethods({ bin: '45099535' });
    return {
      paging: methods.paging,
      method: methods.results[0].id,
      unknownBin: (await mp.getPaymentMethods({ bin: '99999999' })).results.length,
      issuers: (await mp.getIssuers({ paymentMethodId: 'visa', bin: '45099535' })).map((i) => i.id).length > 0,
      payerCosts: (await mp.getInstallments({ amount: '100.00', bin: '45099535' }))[0].payer_costs.map((c) => c.installments),
      luhn: await rejection(mp.createCardToken({ ...card, cardNumber: '4509953566233705' })),
      noName: await rejection(mp.createCardToken({ ...card, cardholderName: '' })),
      token: await mp.createCardToken({ ...card, identificationType: 'DNI', identificationNumber: '12345678' }),
    };
  });
  expect(core).toMatchObject({ paging: { total: 1 }, method: 'visa', unknownBin: 0, issuers: true });
  expect(core.payerCosts).toContain(1);
  expect(core.luhn).toEqual([{ code: 'E301', message: 'Enter a valid card number.', field: 'cardNumber' }]);
  expect(core.noName).toEqual([expect.objectContaining({ code: '3020', field: 'cardholderName' })]);
  expect(core.token).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/), first_six_digits: '450995', last_four_digits: '3704' });

  // Secure Fields mounted by hand: binChange drives the lookups, createCardToken the token.
  await fillSecureCard(page, { number: CARD, expiry: '1130', cvv: '123' });
  await expect(page.locator('#payment-method')).toHaveText('master');
  await expect(page.locator('#form-checkout__installments option', { hasText: '1 cuota de $ 100,00' })).toHaveCount(1);
  await page.click('#form-checkout__submit');
  await expect(page.locator('#token-error')).toHaveText('3020 cardholderName'); // the API's cause, mapped to its field
  await fillBuyer(page);
  await page.click('#form-checkout__submit');
  await expect(page.locator('#token')).toHaveText(/^[0-9a-f]{32}$/);
  // Core createCardToken posts from the page; the Secure Fields post from the sandbox origin.
  const posts = await cardTokenRequests(request);
  expect(posts.map((p) => [p.status, p.headers.origin])).toEqual([
    [400, MERCHANT], [201, MERCHANT], [400, new URL(SANDBOX).origin], [201, new URL(SANDBOX).origin],
  ]);
  await expectCleanPage(page);
});

test('a site without identification types (MLM) mounts and pays without documents', async ({ page, request }) => {
  await page.route(`${SANDBOX}/v1/identification_types**`, (route) => route.fulfill({
    status: 200,
    contentType: 'application/json',
    headers: { 'access-control-allow-origin': MERCHANT },
    body: '[]',
  }));
  await page.goto(`${MERCHANT}/card-form.html`);
  await expect(page.locator('#status')).toHaveText('ready');
  await expect(page.locator('#form-checkout__identificationType option')).toHaveCount(0);
  await expect(page.locator('#form-checkout__identificationNumber')).toBeHidden();
  await fillSecureCard(page, { number: CARD, expiry: '1130', cvv: '123' });
  await expect(page.locator('#form-checkout__installments option', { hasText: '1 cuota' })).toHaveCount(1);
  await page.fill('#form-checkout__cardholderName', BUYER.name);
  await page.fill('#form-checkout__cardholderEmail', BUYER.email);
  await page.click('#form-checkout__submit');
  await expect(page.locator('#token')).toHaveText(/^[0-9a-f]{32}$/);
  const data = await page.evaluate(() => window.checkout.cardForm.getCardFormData());
  expect(data.identificationType).toBe('');
  const [post] = await cardTokenRequests(request);
  expect(post.body.cardholder).toEqual({ name: 'APRO' });
  await expectCleanPage(page);
});

test('the CSP probe is live: an inline style on the merchant page is caught', async ({ page }) => {
  await page.goto(`${MERCHANT}/card-form.html`);
  await expect(page.locator('#status')).toHaveText('ready');
  expect(await cspViolations(page)).toEqual([]);
  await page.evaluate(() => document.body.setAttribute('style', 'color: red'));
  await expect.poll(async () => (await cspViolations(page)).length).toBe(1);
  expect((await cspViolations(page))[0]).toContain('style-src');
});
