// Accessibility: the whole purchase with the keyboard alone, axe-core scans of every view (no
// serious or critical violation, WCAG 2.x A/AA rules, contrast included), and a 320 px wide screen.
const { test, expect } = require('@playwright/test');
const { default: AxeBuilder } = require('@axe-core/playwright');
const { secureInput } = require('../helpers/card');
const {
  FORM, SHIPPING, openCheckout, fillCheckout, expectResult, orderIdOf, paymentsForOrder, expectCleanPage,
} = require('../helpers/checkout');

test.use({ locale: 'es-AR' });

/** Serious and critical axe violations of the page (its Secure Field frames included). */
async function axeProblems(page) {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('the whole purchase with the keyboard alone, in a logical focus order', async ({ page, request }) => {
  const { errors, payments } = await openCheckout(page);
  const focused = (name) => page.locator(':focus').and(page.locator(name));
  const tab = async (expected) => {
    await page.keyboard.press('Tab');
    await expect(typeof expected === 'string' ? focused(expected) : expected).toBeFocused();
  };
  const card = (id) => secureInput(page, `${FORM}__${id}`);
  const step = (sku, which) => `.item[data-sku="${sku}"] [data-d="${which}"]`;

  await tab('#lang');
  await tab(step('mate-calabaza', -1));
  await tab(step('mate-calabaza', 1));
  expect(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle)).toBe('solid'); // visible focus
  await page.keyboard.press('Enter');
  await expect(page.locator('#q-mate-calabaza')).toHaveText('2');
  await tab(step('bombilla-acero', -1));
  await tab(step('bombilla-acero', 1));
  await tab(step('yerba-organica-1kg', -1));
  await tab(step('yerba-organica-1kg', 1));
  await page.keyboard.press('Space');
  await expect(page.locator('#q-yerba-organica-1kg')).toHaveText('1');
  await expect(page.locator('#total')).toHaveText('$ 44.250,50');

  await tab(card('cardNumber'));
  await page.keyboard.type('5031755734530604');
  await tab(card('expirationDate'));
  await page.keyboard.type('1130');
  await tab(card('securityCode'));
  await page.keyboard.type('123');
  await tab(`#${FORM}__cardholderName`);
  await page.keyboard.type('APRO');
  await tab(`#${FORM}__issuer`);
  await tab(`#${FORM}__installments`);
  await expect(page.locator(`#${FORM}__installments option:not([disabled])`)).not.toHaveCount(0);
  await page.keyboard.press('ArrowDown'); // 3 installments
  await expect(page.locator(`#${FORM}__installments`)).toHaveValue('3');
  await tab(`#${FORM}__identificationType`);
  await tab(`#${FORM}__identificationNumber`);
  await page.keyboard.type('12345678');
  await tab(`#${FORM}__cardholderEmail`);
  await page.keyboard.type('teclado@example.com');
  for (const [name, value] of Object.entries(SHIPPING)) { // the phone, then the shipping address
    await tab(`#${FORM}__${name}`);
    await page.keyboard.type(value);
  }
  await tab('#pay');
  await expect(page.locator('#pay')).toHaveText('Pagar $ 44.250,50');
  await page.keyboard.press('Enter');

  await expectResult(page, 'approved');
  await expect(page.locator('#r-title')).toBeFocused();
  expect(payments.map((p) => p.body.installments)).toEqual([3]);
  expect(payments[0].body.shipping_address).toMatchObject({ street_name: SHIPPING.street_name, zip_code: SHIPPING.zip_code });
  expect(await paymentsForOrder(request, await orderIdOf(page))).toHaveLength(1);
  await tab('#again');
  await page.keyboard.press('Enter');
  await expect(page.locator('#h-title')).toBeFocused();
  await expectCleanPage(page, errors);
});

test('axe-core finds no serious or critical violation in the form, its errors and every result view', async ({ page }) => {
  test.setTimeout(90_000);
  await openCheckout(page);
  expect(await axeProblems(page), 'form').toEqual([]);
  await page.click('#pay'); // empty form: every field shows its error
  await expect(page.locator('#err-cardNumber')).not.toBeEmpty();
  expect(await axeProblems(page), 'form with errors').toEqual([]);

  for (const [name, status] of [['OTHE', 'rejected'], ['CONT', 'pending'], ['APRO', 'approved']]) {
    await openCheckout(page);
    await fillCheckout(page, { name });
    await page.click('#pay');
    await expectResult(page, status);
    expect(await axeProblems(page), status).toEqual([]);
  }
  await page.reload(); // the receipt at ?order=, from payment_status
  await expectResult(page, 'approved');
  expect(await axeProblems(page), 'receipt after a reload').toEqual([]);
  await page.setViewportSize({ width: 375, height: 800 });
  await openCheckout(page);
  await page.selectOption('#lang', 'en');
  await expect(page.locator('#pay')).toBeEnabled();
  expect(await axeProblems(page), 'form, 375 px, English').toEqual([]);
  await page.locator('.item[data-sku="mate-calabaza"] [data-d="-1"]').click();
  await expect(page.locator('#pay')).toBeDisabled();
  expect(await axeProblems(page), 'empty cart, 375 px').toEqual([]);
});

test('320 px wide: nothing scrolls sideways, every control is usable, and a purchase completes', async ({ page }) => {
  await page.setViewportSize({ width: 320, height: 640 });
  const { errors } = await openCheckout(page);
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(await overflow()).toBe(0);
  for (const control of await page.locator('button:visible, input:visible, select:visible, iframe:visible').all()) {
    const box = await control.boundingBox();
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(320);
    expect(box.height).toBeGreaterThanOrEqual(24); // WCAG 2.2 target size (minimum)
  }
  await fillCheckout(page);
  await page.click('#pay');
  await expectResult(page, 'approved');
  expect(await overflow()).toBe(0);
  const order = await page.locator('#r-order').boundingBox();
  expect(order.x + order.width).toBeLessThanOrEqual(320);
  await expectCleanPage(page, errors);
});
