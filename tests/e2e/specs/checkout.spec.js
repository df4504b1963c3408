// A buyer pays on the checkout page served by the local stack (scripts/e2e.sh): Secure Fields, the
// real functions, moto and the Mercado Pago sandbox behind them. Charges are counted in the sandbox
// (GET /__sandbox/payments); every flow also checks that the page raised no CSP violation and no
// uncaught error.
const { test, expect } = require('@playwright/test');
const { TEST_CARDS, secureInput } = require('../helpers/card');
const { cardTokenRequests, clearSandboxRequests } = require('../helpers/sandbox');
const {
  FORM, UUID_V4, appUrl, openCheckout, fillCheckout, expectResult, orderIdOf, paymentsForOrder, sandboxPayments,
  settlePayment, expectCleanPage,
} = require('../helpers/checkout');

test.use({ locale: 'es-AR' });

const orderOf = orderIdOf;
const item = (page, sku) => page.locator(`.item[data-sku="${sku}"]`);
const stepper = (page, sku, label) => item(page, sku).getByRole('button', { name: new RegExp(`^${label}`) });

test('buyer pays with the test Mastercard and cardholder APRO and sees approved', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  // The catalog, priced for the locale; the first product is in the cart.
  await expect(page.locator('#products .item')).toHaveCount(3);
  await expect(item(page, 'mate-calabaza')).toContainText('Mate de calabaza');
  await expect(item(page, 'mate-calabaza').locator('.price')).toHaveText('$ 18.500,00');
  await expect(item(page, 'mate-calabaza').locator('img')).toHaveJSProperty('naturalWidth', 64);
  await expect(page.locator('#total')).toHaveText('$ 18.500,00');
  await expect(page.locator('#pay')).toHaveText('Pagar $ 18.500,00');

  await fillCheckout(page);
  await expect(page.locator(`#${FORM}__installments`)).toHaveValue('1');
  await page.click('#pay');
  const result = await expectResult(page, 'approved');
  await expect(page.locator('#r-title')).toHaveText('Pago aprobado');
  await expect(page.locator('#r-title')).toBeFocused();
  await expect(page.locator('#r-msg')).toHaveText(/^¡Listo! Se acreditó tu pago\. .*\$\s18\.500,00 como MATECITO\.$/);
  await expect(page.locator('#r-amount')).toHaveText('$ 18.500,00');
  const month = new Intl.DateTimeFormat('es-AR', { month: 'long' }).format(new Date());
  await expect(page.locator('#r-date')).toContainText(`de ${month} de ${new Date().getFullYear()}`);
  await expect(page.locator('#again')).toBeVisible();
  await expect(page.locator('#another')).toBeHidden();
  await expect(page.locator('#checkout')).toBeHidden();

  // One request: SKUs and quantities (never a unit price), the total the buyer saw, a UUID v4 key,
  // and the name, phone and shipping address the catalog asks for.
  expect(payments).toHaveLength(1);
  const [sent] = payments;
  expect(sent.key).toMatch(UUID_V4);
  expect(sent.status).toBe(201);
  expect(sent.body).toEqual({
    items: [{ sku: 'mate-calabaza', quantity: 1 }],
    token: expect.stringMatching(/^[0-9a-f]{32}$/),
    payment_method_id: 'master',
    issuer_id: expect.stringMatching(/^\d+$/),
    installments: 1,
    payer: {
      email: 'comprador@example.com', identification: { type: 'DNI', number: '12345678' },
      first_name: 'Ana', last_name: 'García', phone: { number: '+54 11 5555-0100' },
    },
    shipping_address: {
      street_name: 'Av. Corrientes', street_number: '1234', floor: '3°', apartment: 'B', zip_code: 'C1043AAZ',
      city_name: 'Buenos Aires', state_name: 'CABA',
    },
    transaction_amount: 18500,
    locale: 'es-AR',
  });
  const orderId = await orderOf(page);
  expect(orderId).toMatch(UUID_V4);

  // Exactly one charge, for the catalog price, in the sandbox; the attempt is forgotten.
  const charged = await paymentsForOrder(request, orderId);
  expect(charged).toHaveLength(1);
  expect(charged[0]).toMatchObject({ status: 'approved', transaction_amount: 18500 });
  expect(await result.textContent()).not.toContain(TEST_CARDS.master);
  expect(await page.evaluate(() => sessionStorage.getItem('checkout.attempt'))).toBeNull();

  // "New purchase" goes back to a fresh form.
  await page.click('#again');
  await expect(page.locator('#checkout')).toBeVisible();
  await expect(page.locator('#h-title')).toBeFocused();
  await expect(page.locator(`#${FORM}__cardholderEmail`)).toHaveValue('');
  await expect(page.locator('#pay')).toHaveText('Pagar $ 18.500,00');
  await expectCleanPage(page, errors);
});

test('quantity steppers stay within max_quantity, the total follows, and the server charges the catalog total', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  const bombilla = 'bombilla-acero';
  await expect(stepper(page, bombilla, 'Quitar')).toHaveAttribute('aria-disabled', 'true');
  for (let i = 0; i < 10; i++) await stepper(page, bombilla, 'Agregar').click();
  await expect(item(page, bombilla).locator('output')).toHaveText('10');
  await expect(stepper(page, bombilla, 'Agregar')).toHaveAttribute('aria-disabled', 'true');
  await stepper(page, bombilla, 'Agregar').click({ force: true }); // the 11th is refused, with a reason
  await expect(item(page, bombilla).locator('output')).toHaveText('10');
  await expect(item(page, bombilla).locator('.err')).toHaveText('Puedes llevar hasta 10.');
  await expect(page.locator('#total')).toHaveText('$ 113.500,00');
  for (let i = 0; i < 10; i++) await stepper(page, bombilla, 'Quitar').click();
  await expect(item(page, bombilla).locator('output')).toHaveText('0');
  await expect(item(page, bombilla).locator('.err')).toHaveText('');

  await stepper(page, 'mate-calabaza', 'Agregar').click();
  await stepper(page, 'yerba-organica-1kg', 'Agregar').click();
  await expect(page.locator('#lines li')).toHaveText(['2 × Mate de calabaza$ 37.000,00', '1 × Yerba mate orgánica 1 kg$ 7.250,50']);
  await expect(page.locator('#total')).toHaveText('$ 44.250,50');
  await expect(page.locator('#pay')).toHaveText('Pagar $ 44.250,50');
  // The card form's amount follows the cart: installments are quoted for the new total.
  await fillCheckout(page);
  await expect(page.locator(`#${FORM}__installments option[value="1"]`)).toContainText('$ 44.250,50');

  await page.click('#pay');
  await expectResult(page, 'approved');
  await expect(page.locator('#r-amount')).toHaveText('$ 44.250,50');
  expect(payments.map((p) => [p.body.items, p.body.transaction_amount])).toEqual([
    [[{ sku: 'mate-calabaza', quantity: 2 }, { sku: 'yerba-organica-1kg', quantity: 1 }], 44250.5],
  ]);
  const charged = await paymentsForOrder(request, await orderOf(page));
  expect(charged.map((p) => p.transaction_amount)).toEqual([44250.5]);
  await expectCleanPage(page, errors);
});

test('an empty cart cannot be paid', async ({ page }) => {
  const { errors, payments } = await openCheckout(page);
  await stepper(page, 'mate-calabaza', 'Quitar').click();
  await expect(page.locator('#total')).toHaveText('$ 0,00');
  await fillCheckout(page);
  await expect(page.locator('#pay')).toBeDisabled();
  await expect(page.locator('#err-total')).toHaveText('Elige al menos un producto para pagar.');
  await page.locator(`#${FORM}__cardholderEmail`).press('Enter'); // submitting the form sends nothing either
  await page.waitForTimeout(500);
  expect(payments).toHaveLength(0);
  await expectCleanPage(page, errors);
});

test('OTHE is rejected, then another card pays: two attempts, two keys, one charge', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  await fillCheckout(page, { name: 'OTHE' });
  await page.click('#pay');
  await expectResult(page, 'rejected');
  await expect(page.locator('#r-title')).toHaveText('Tu pago fue rechazado');
  await expect(page.locator('#r-title')).toBeFocused();
  await expect(page.locator('#r-msg')).toHaveText(/no procesó el pago\.$/);
  await expect(page.locator('#again')).toBeHidden();
  const rejectedOrder = await orderOf(page);

  await page.click('#another');
  await expect(page.locator('#checkout')).toBeVisible();
  await expect(page.locator('#pay')).toBeEnabled();
  // Fresh, empty Secure Fields, with the focus in the card number; the rest is kept.
  await expect(secureInput(page, `${FORM}__cardNumber`)).toBeFocused();
  await expect(secureInput(page, `${FORM}__cardNumber`)).toHaveValue('');
  await expect(page.locator(`#${FORM}__cardholderEmail`)).toHaveValue('comprador@example.com');
  await fillCheckout(page, { number: TEST_CARDS.visa, name: 'APRO' });
  await page.click('#pay');
  await expectResult(page, 'approved');
  const approvedOrder = await orderOf(page);

  expect(payments).toHaveLength(2);
  expect(payments[0].key).not.toBe(payments[1].key);
  expect(payments[0].body.token).not.toBe(payments[1].body.token);
  expect(payments.map((p) => p.body.payment_method_id)).toEqual(['master', 'visa']);
  expect(approvedOrder).not.toBe(rejectedOrder);
  expect((await paymentsForOrder(request, rejectedOrder)).map((p) => p.status)).toEqual(['rejected']);
  expect((await paymentsForOrder(request, approvedOrder)).map((p) => p.status)).toEqual(['approved']);
  await expectCleanPage(page, errors);
});

test('CONT stays pending, then the page shows approved without a reload once the sandbox settles it', async ({ page, request }) => {
  const { errors } = await openCheckout(page);
  const polls = [];
  page.on('request', (r) => r.url().includes('/api/payment_status/') && polls.push(r.url()));
  await page.evaluate(() => { window.__sameDocument = true; });
  await fillCheckout(page, { name: 'CONT' });
  await page.click('#pay');
  await expectResult(page, 'pending');
  await expect(page.locator('#r-title')).toHaveText('Estamos procesando tu pago');
  await expect(page.locator('#r-msg')).toContainText('esta página te lo mostrará'); // no e-mail is promised
  await expect(page.locator('#r-note')).toHaveText('Esta página se actualizará sola.');
  await expect(page.locator('#again')).toBeHidden();
  const orderId = await orderOf(page);
  await expect.poll(() => polls.length, { timeout: 5_000 }).toBeGreaterThan(0);

  const [payment] = await paymentsForOrder(request, orderId);
  expect(payment.status).toBe('in_process');
  await settlePayment(request, payment.id);

  await expectResult(page, 'approved', 30_000);
  await expect(page.locator('#r-title')).toHaveText('Pago aprobado');
  await expect(page.locator('#r-msg')).toContainText('Se acreditó tu pago');
  await expect(page.locator('#r-note')).toHaveText('');
  expect(await page.evaluate(() => window.__sameDocument)).toBe(true); // no reload
  expect(polls.every((u) => u === `${appUrl()}/api/payment_status/${orderId}?locale=es-AR`)).toBe(true);
  const settledAfter = polls.length;
  await page.waitForTimeout(2_500);
  expect(polls.length, 'polling stops once the payment is final').toBe(settledAfter);
  expect((await paymentsForOrder(request, orderId)).map((p) => p.status)).toEqual(['approved']);
  await expectCleanPage(page, errors);
});

test('a payment still pending at the polling limit ends with a calm timeout message (?poll_timeout_ms)', async ({ page }) => {
  const { errors } = await openCheckout(page, { query: '?poll_timeout_ms=2500' });
  const polls = [];
  page.on('request', (r) => r.url().includes('/api/payment_status/') && polls.push(Date.now()));
  await fillCheckout(page, { name: 'CONT' });
  await page.click('#pay');
  await expectResult(page, 'pending');
  await expect(page.locator('#r-note')).toHaveText('Sigue en proceso. Guarda tu número de pedido: puedes volver a esta página para ver el resultado.', { timeout: 8_000 });
  await expect(page.locator('#live')).toHaveText('Sigue en proceso. Guarda tu número de pedido: puedes volver a esta página para ver el resultado.');
  await expect(page.locator('#result')).toHaveAttribute('data-status', 'pending');
  await expect(page.locator('#again')).toBeVisible();
  const count = polls.length;
  expect(count).toBeGreaterThanOrEqual(2); // backoff: after 1 s, then at the limit
  await page.waitForTimeout(3_000);
  expect(polls.length, 'no polling after the limit').toBe(count);
  await expectCleanPage(page, errors);
});

test('a double-click (and a double submit) on pay sends one request and charges once', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  await clearSandboxRequests(request);
  await fillCheckout(page);
  await page.dblclick('#pay');
  await page.evaluate(() => { // bypasses the disabled button: the page's own guard must hold
    const form = document.getElementById('form-checkout');
    form.requestSubmit();
    form.requestSubmit();
  });
  await expectResult(page, 'approved');
  await page.waitForTimeout(1_000);
  expect(payments).toHaveLength(1);
  expect(await cardTokenRequests(request)).toHaveLength(1);
  expect(await paymentsForOrder(request, await orderOf(page))).toHaveLength(1);
  await expectCleanPage(page, errors);
});

test('a connection lost after the server charged: retry resends the same attempt and the sandbox has one charge', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  let calls = 0;
  await page.route('**/api/process_payment', async (route) => {
    calls += 1;
    if (calls > 1) return route.continue();
    await route.fetch(); // the server processes (and charges) ...
    return route.abort('connectionreset'); // ... but the answer never reaches the page
  });
  const before = (await sandboxPayments(request)).length;
  await fillCheckout(page);
  await page.click('#pay');
  await expect(page.locator('#notice')).toBeVisible();
  await expect(page.locator('#notice-msg')).toHaveText('Se cortó la conexión. Reintenta: es seguro, no se te cobrará dos veces.');
  await expect(page.locator('#retry')).toBeFocused();
  await expect(page.locator('#pay')).toBeDisabled();
  expect((await sandboxPayments(request)).length).toBe(before + 1); // it was charged

  await page.click('#retry');
  await expectResult(page, 'approved');
  expect(payments).toHaveLength(2);
  expect(payments[1].key).toBe(payments[0].key);
  expect(payments[1].raw).toBe(payments[0].raw); // the identical body, same card token
  expect((await sandboxPayments(request)).length).toBe(before + 1);
  expect(await paymentsForOrder(request, await orderOf(page))).toHaveLength(1);
  await expectCleanPage(page, errors);
});

test('503 and 409 request_in_progress are retried with the same key after Retry-After', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  const answers = [
    async (route) => {
      await route.fetch(); // processed and charged, but the edge answers 503
      return route.fulfill({ status: 503, headers: { 'retry-after': '1' }, json: { error: { code: 'service_unavailable', message: 'try later' } } });
    },
    (route) => route.fulfill({ status: 409, headers: { 'retry-after': '1' }, json: { error: { code: 'request_in_progress', message: 'wait' } } }),
  ];
  await page.route('**/api/process_payment', (route) => (answers.shift() || ((r) => r.continue()))(route));
  await fillCheckout(page);
  await page.click('#pay');
  await expect(page.locator('#pay')).toHaveText('Procesando el pago…');
  await expect(page.locator('#pay')).toHaveAttribute('aria-busy', 'true');
  await expectResult(page, 'approved');
  expect(payments.map((p) => p.status)).toEqual([503, 409, 201]);
  expect(new Set(payments.map((p) => p.key)).size).toBe(1);
  expect(new Set(payments.map((p) => p.raw)).size).toBe(1);
  expect(await paymentsForOrder(request, await orderOf(page))).toHaveLength(1);
  await expectCleanPage(page, errors);
});

test('a reload while the payment request is in flight resends the same attempt instead of charging again', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  let processed;
  const firstProcessed = new Promise((resolve) => { processed = resolve; });
  let calls = 0;
  await page.route('**/api/process_payment', async (route) => {
    calls += 1;
    if (calls > 1) return route.continue();
    await route.fetch(); // charged; the answer is held until the page goes away
    processed();
    return undefined;
  });
  const before = (await sandboxPayments(request)).length;
  await fillCheckout(page);
  await page.click('#pay');
  await firstProcessed;
  const stored = JSON.parse(await page.evaluate(() => sessionStorage.getItem('checkout.attempt')));
  expect(stored.key).toBe(payments[0].key);
  await page.reload();
  await expectResult(page, 'approved');
  expect(payments).toHaveLength(2);
  expect(payments[1].key).toBe(payments[0].key);
  expect(payments[1].raw).toBe(payments[0].raw);
  expect((await sandboxPayments(request)).length).toBe(before + 1);
  expect(await page.evaluate(() => sessionStorage.getItem('checkout.attempt'))).toBeNull();
  await expectCleanPage(page, errors);
});

test('server validation errors appear next to their fields; each new attempt has a new key and token', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  const tamper = [
    (body) => { body.payer.email = 'comprador@example'; body.payer.identification.number = '12 345'; },
    (body) => { body.items[0].quantity = 99; body.transaction_amount = 99 * 18500; },
  ];
  await page.route('**/api/process_payment', (route) => {
    const change = tamper.shift();
    if (!change) return route.continue();
    const body = JSON.parse(route.request().postData());
    change(body);
    return route.continue({ postData: JSON.stringify(body) });
  });
  await fillCheckout(page);
  await page.click('#pay');
  await expect(page.locator('#err-cardholderEmail')).toHaveText('Revisa el e-mail (por ejemplo, nombre@correo.com).');
  await expect(page.locator('#err-identificationNumber')).toHaveText('Revisa el número de documento.');
  await expect(page.locator(`#${FORM}__cardholderEmail`)).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator(`#${FORM}__identificationNumber`)).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator(`#${FORM}__identificationNumber`)).toBeFocused(); // the first one, in page order
  await expect(page.locator('#live')).toHaveText('Revisa los datos marcados.');
  await expect(page.locator('#pay')).toBeEnabled();

  await page.click('#pay');
  await expect(item(page, 'mate-calabaza').locator('.err')).toHaveText('Puedes llevar hasta 5.');
  await expect(page.locator('#err-cardholderEmail')).toHaveText('');
  await expect(page.locator(`#${FORM}__cardholderEmail`)).toHaveAttribute('aria-invalid', 'false');

  await page.click('#pay');
  await expectResult(page, 'approved');
  expect(payments.map((p) => p.status)).toEqual([422, 422, 201]);
  expect(new Set(payments.map((p) => p.key)).size).toBe(3);
  expect(new Set(payments.map((p) => p.body.token)).size).toBe(3);
  expect(await paymentsForOrder(request, await orderOf(page))).toHaveLength(1);
  await expectCleanPage(page, errors);
});

test('card problems are shown next to their fields and nothing is sent', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  await clearSandboxRequests(request);
  await page.click('#pay');
  // Empty fields say what to enter (MercadoPago.js codes 205, 208/209, 224, 221, 214).
  await expect(page.locator('#err-cardNumber')).toHaveText('Ingresa el número de tarjeta.');
  await expect(page.locator('#err-expirationDate')).toHaveText('Ingresa el vencimiento (MM/AA).');
  await expect(page.locator('#err-securityCode')).toHaveText('Ingresa el código de seguridad.');
  await expect(page.locator('#err-cardholderName')).toHaveText('Ingresa el nombre del titular.');
  await expect(page.locator('#err-identificationNumber')).toHaveText('Ingresa el número de documento.');
  await expect(page.locator('#err-cardholderEmail')).toHaveText('Ingresa tu e-mail.');
  await expect(page.locator(`#${FORM}__cardNumber`)).toHaveClass(/\bbad\b/);
  await expect(page.locator(`#${FORM}__cardholderName`)).toHaveAttribute('aria-describedby', 'err-cardholderName');
  await expect(secureInput(page, `${FORM}__cardNumber`)).toBeFocused();
  await expect(page.locator('#live')).toHaveText('Revisa los datos marcados.');

  // Inline validation while typing (the SDK's onValidityChange), cleared once corrected.
  await page.fill(`#${FORM}__cardholderName`, 'APRO');
  await secureInput(page, `${FORM}__cardNumber`).pressSequentially('5031755734530605');
  await expect(page.locator('#err-cardNumber')).toHaveText('Revisa el número de tarjeta.');
  await secureInput(page, `${FORM}__cardNumber`).fill('');
  await secureInput(page, `${FORM}__cardNumber`).pressSequentially(TEST_CARDS.master);
  await expect(page.locator('#err-cardNumber')).toHaveText('');
  await expect(page.locator(`#${FORM}__cardNumber`)).not.toHaveClass(/\bbad\b/);
  expect(payments).toHaveLength(0);
  expect(await cardTokenRequests(request)).toHaveLength(0);
  await expectCleanPage(page, errors);
});

test('prices changed on the server: the page reloads the catalog, shows the new total, then charges it', async ({ page, request }) => {
  let served = 0;
  await page.route('**/catalog.json', async (route) => {
    served += 1;
    if (served > 1) return route.continue();
    const catalog = await (await route.fetch()).json();
    catalog.products[0].unit_price = '17000.00'; // what the page saw before the merchant's price change
    return route.fulfill({ json: catalog });
  });
  const { errors, payments } = await openCheckout(page);
  await expect(page.locator('#pay')).toHaveText('Pagar $ 17.000,00');
  const before = (await sandboxPayments(request)).length;
  await fillCheckout(page);
  await page.click('#pay');
  await expect(page.locator('#notice-msg')).toHaveText('Los precios cambiaron. Revisa el nuevo total y vuelve a pagar.');
  await expect(page.locator('#total')).toHaveText('$ 18.500,00');
  await expect(page.locator('#pay')).toHaveText('Pagar $ 18.500,00');
  expect(payments.map((p) => [p.status, p.body.transaction_amount])).toEqual([[409, 17000]]);
  expect((await sandboxPayments(request)).length).toBe(before); // nothing charged

  await page.click('#pay');
  await expectResult(page, 'approved');
  expect(payments[1].body.transaction_amount).toBe(18500);
  expect(payments[1].key).not.toBe(payments[0].key);
  expect((await paymentsForOrder(request, await orderOf(page))).map((p) => p.transaction_amount)).toEqual([18500]);
  await expectCleanPage(page, errors);
});
