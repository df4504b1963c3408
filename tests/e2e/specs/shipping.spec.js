// The buyer's fulfilment data: the phone and shipping address the catalog asks for (catalog.json
// `collect`; the demo store asks for both), checked on the page as the server checks them, sent with
// the payment, shown next to their fields when refused, and kept on the order the merchant ships from.
const fs = require('fs');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { merchantOrder } = require('../helpers/merchant');
const {
  FORM, SHIPPING, appUrl, openCheckout, fillCheckout, expectResult, orderIdOf, paymentsForOrder, sandboxPayments,
  expectCleanPage, screenshot,
} = require('../helpers/checkout');

const LOCALES = path.join(__dirname, '..', '..', '..', 'site', 'locales');
const texts = (lang) => JSON.parse(fs.readFileSync(path.join(LOCALES, `${lang}.json`), 'utf8'));
const input = (page, name) => page.locator(`#${FORM}__${name}`);
const error = (page, name) => page.locator(`#err-${name}`);
const { phone, first_name: firstName, last_name: lastName, ...ADDRESS } = SHIPPING; // as the API names them

test.use({ locale: 'es-AR' });

test('a buyer who leaves the zip code empty is told before paying, and pays once it is filled in', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  const before = (await sandboxPayments(request)).length;
  await fillCheckout(page, { zip_code: '' });
  await page.click('#pay');
  await expect(error(page, 'zip_code')).toHaveText('Ingresa el código postal (3 a 10 letras o números).');
  await expect(input(page, 'zip_code')).toHaveAttribute('aria-invalid', 'true');
  await expect(input(page, 'zip_code')).toBeFocused();
  await expect(page.locator('#live')).toHaveText('Revisa los datos marcados.');
  await expect(page.locator('#pay')).toBeEnabled();
  await page.waitForTimeout(500);
  expect(payments, 'nothing is sent').toHaveLength(0);
  expect((await sandboxPayments(request)).length, 'nothing is charged').toBe(before);

  await input(page, 'zip_code').fill('C1043AAZ');
  await page.click('#pay');
  await expectResult(page, 'approved');
  expect(payments).toHaveLength(1);
  expect(payments[0].body.shipping_address.zip_code).toBe('C1043AAZ');
  await expectCleanPage(page, errors);
});

test('a buyer sees what is wrong with each address field next to it, in their language, before paying', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 812 });
  const { errors, payments } = await openCheckout(page);
  await fillCheckout(page, {
    phone: '555-01', first_name: 'A'.repeat(81), street_number: '12345678901', floor: '3#', zip_code: 'C1', city_name: '   ',
  });
  await page.click('#pay');
  const want = (t) => ({
    phone: t.e_phone, // 5 digits
    first_name: t.l_x.replace('{n}', 80),
    last_name: '',
    street_name: '',
    street_number: t.l_x.replace('{n}', 10),
    floor: t.e_x, // "#" is not allowed ("3°" is)
    apartment: '',
    zip_code: t.e_zip_code,
    city_name: t.m_x, // only spaces
    state_name: '',
  });
  const shown = async () => Object.fromEntries(await Promise.all(Object.keys(SHIPPING).map(async (k) => [k, await error(page, k).textContent()])));
  await expect.poll(shown).toEqual(want(texts('es')));
  expect(want(texts('es'))).toMatchObject({ phone: 'Ingresa un teléfono de 6 a 20 dígitos.', first_name: 'Usa hasta 80 caracteres.' });
  await expect(input(page, 'phone')).toBeFocused(); // the first problem, in page order
  await expect(input(page, 'city_name')).toHaveAttribute('aria-invalid', 'true');
  await expect(input(page, 'last_name')).toHaveAttribute('aria-invalid', 'false');
  await screenshot(page, 'shipping-errors-375');
  await page.selectOption('#lang', 'en');
  await expect.poll(shown).toEqual(want(texts('en')));
  expect(payments).toHaveLength(0);

  await fillCheckout(page, { first_name: '  Ana  ', floor: '3°', city_name: ' Buenos Aires ' });
  await page.click('#pay');
  await expectResult(page, 'approved');
  expect(payments).toHaveLength(1);
  expect(payments[0].body.payer).toMatchObject({ first_name: 'Ana', phone: { number: phone } }); // trimmed
  expect(payments[0].body.shipping_address).toEqual(ADDRESS);
  await expectCleanPage(page, errors);
});

test('a buyer\'s name, phone and shipping address reach the order the merchant ships from', async ({ page, request }) => {
  test.setTimeout(600_000); // the first run builds checkout-admin
  const { errors, payments } = await openCheckout(page);
  await fillCheckout(page, { apartment: '' }); // optional: left out
  await page.click('#pay');
  await expectResult(page, 'approved');
  const { apartment, ...shipped } = ADDRESS;
  expect(apartment).toBeTruthy();
  expect(payments[0].body.shipping_address).toEqual(shipped);
  const orderId = await orderIdOf(page);

  const order = await merchantOrder(orderId);
  expect(order).toMatchObject({ order_id: orderId, status: 'approved' });
  expect(order.buyer).toEqual({
    email: 'comprador@example.com', first_name: firstName, last_name: lastName, phone: { number: phone }, shipping_address: shipped,
  });
  // The buyer's own status endpoint does not give it back.
  const status = await request.get(`${appUrl()}/api/payment_status/${orderId}`);
  expect(status.ok()).toBeTruthy();
  expect(await status.text()).not.toMatch(/Corrientes|5555|García|comprador@/);
  await expectCleanPage(page, errors);
});

test('a buyer whose address the server refuses sees why next to the field, and the corrected address is a new attempt', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  let tampered = false;
  await page.route('**/api/process_payment', (route) => {
    if (tampered) return route.continue();
    tampered = true;
    const body = JSON.parse(route.request().postData());
    body.shipping_address.zip_code = 'C1043ÑÑ'; // letters the server does not take in a zip code
    body.payer.phone.number = '1'.repeat(21);
    return route.continue({ postData: JSON.stringify(body) });
  });
  await fillCheckout(page);
  await page.click('#pay');
  await expect(error(page, 'zip_code')).toHaveText('Ingresa el código postal (3 a 10 letras o números).');
  await expect(error(page, 'phone')).toHaveText('Ingresa un teléfono de 6 a 20 dígitos.'); // payer.phone.number: too_long
  await expect(error(page, 'identificationNumber')).toHaveText(''); // not the document's "number"
  await expect(input(page, 'phone')).toBeFocused();
  await expect(page.locator('#pay')).toBeEnabled();

  await input(page, 'zip_code').fill('C1043ABC');
  await page.click('#pay');
  await expectResult(page, 'approved');
  expect(payments.map((p) => p.status)).toEqual([422, 201]);
  expect(payments[1].key).not.toBe(payments[0].key);
  expect(payments[1].body.shipping_address.zip_code).toBe('C1043ABC');
  expect(payments[1].body.payer.phone.number).toBe(phone);
  expect(await paymentsForOrder(request, await orderIdOf(page))).toHaveLength(1);
  await expectCleanPage(page, errors);
});

test('a buyer whose answer was lost retries with the same address under the same key and is charged once', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  let calls = 0;
  await page.route('**/api/process_payment', async (route) => {
    calls += 1;
    if (calls > 1) return route.continue();
    await route.fetch(); // charged, but the answer is lost
    return route.abort('connectionreset');
  });
  await fillCheckout(page);
  await page.click('#pay');
  await expect(page.locator('#retry')).toBeFocused();
  // The attempt already left with this address (and may have been charged): as with the e-mail, an
  // edit now does not change it, or the same key would carry another request.
  await input(page, 'street_number').fill('999');
  await page.click('#retry');
  await expectResult(page, 'approved');
  expect(payments).toHaveLength(2);
  expect(payments[1].key).toBe(payments[0].key);
  expect(payments[1].raw).toBe(payments[0].raw);
  expect(payments[1].body.shipping_address.street_number).toBe('1234');
  expect(await paymentsForOrder(request, await orderIdOf(page))).toHaveLength(1);
  await expectCleanPage(page, errors);
});

for (const [who, collect, shown] of [
  ['a buyer at a store that asks for no address or phone', undefined, []],
  ['a buyer at a store that asks only for a phone', { phone: true }, ['phone']],
]) {
  test(`${who} sees and sends only that`, async ({ page }) => {
    await page.route('**/catalog.json', async (route) => {
      const catalog = await (await route.fetch()).json();
      return route.fulfill({ json: { ...catalog, collect } });
    });
    const { errors, payments } = await openCheckout(page);
    for (const name of Object.keys(SHIPPING)) await expect(input(page, name)).toBeVisible({ visible: shown.includes(name) });
    await expect(page.locator('#ship')).toBeHidden();
    await fillCheckout(page);
    await page.click('#pay');
    await expect.poll(() => payments.length).toBe(1);
    const { payer, shipping_address: address } = payments[0].body;
    expect(address).toBeUndefined();
    expect(payer).toEqual({
      email: 'comprador@example.com', identification: { type: 'DNI', number: '12345678' }, ...(shown.length && { phone: { number: phone } }),
    });
    // This stack's server asks for both: it refuses, and the page says so without pointing at a hidden field.
    await expect(page.locator('#notice-msg')).toHaveText('No pudimos procesar el pago. Inténtalo de nuevo.');
    await expect(page.locator('.err:visible:not(:empty)')).toHaveCount(0);
    await expectCleanPage(page, errors);
  });
}

test('the address fields are labelled, tied to their errors and filled in by the browser\'s autofill', async ({ page }) => {
  const { errors } = await openCheckout(page);
  const want = {
    phone: ['Teléfono', 'tel'], first_name: ['Nombre', 'given-name'], last_name: ['Apellido', 'family-name'],
    street_name: ['Calle', 'address-line1'], street_number: ['Número', ''], floor: ['Piso (opcional)', ''],
    apartment: ['Depto. (opcional)', ''], zip_code: ['Código postal', 'postal-code'], city_name: ['Ciudad', 'address-level2'],
    state_name: ['Provincia', 'address-level1'],
  };
  for (const [name, [label, autocomplete]] of Object.entries(want)) {
    const field = page.getByLabel(label, { exact: true });
    await expect(field, label).toHaveAttribute('id', `${FORM}__${name}`);
    await expect(field, label).toHaveAttribute('autocomplete', autocomplete);
    await expect(field, label).toHaveAttribute('aria-describedby', `err-${name}`);
  }
  await expect(input(page, 'phone')).toHaveAttribute('type', 'tel'); // the phone keypad
  await expect(page.locator('#ship legend')).toHaveText('Datos de envío');
  await expect(page.locator('[data-t="data"]')).toHaveText(texts('es').data);
  await expect(page.locator('[data-t="data"]')).toContainText('Mercado Pago solo el e-mail');
  await page.selectOption('#lang', 'pt');
  await expect(page.locator('#ship legend')).toHaveText('Dados de entrega');
  await expect(page.getByLabel('Sobrenome', { exact: true })).toHaveAttribute('autocomplete', 'family-name');
  await expectCleanPage(page, errors);
});
