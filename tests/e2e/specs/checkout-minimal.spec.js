// A buyer pays on the page served by the local stack (make dev): Secure Fields, the real
// process_payment function, moto and the sandbox behind it.
const { test, expect } = require('@playwright/test');
const { fillSecureCard, TEST_CARDS } = require('../helpers/card');

const APP_URL = process.env.APP_URL;
const SANDBOX = process.env.MP_SANDBOX_URL;

test.beforeAll(() => {
  if (!APP_URL || !SANDBOX) throw new Error('APP_URL and MP_SANDBOX_URL must point at a running stack (scripts/e2e.sh sets them)');
});

test('buyer pays with the test Mastercard and cardholder APRO and sees approved', async ({ page, request }) => {
  await page.goto(APP_URL);
  await fillSecureCard(page, { number: TEST_CARDS.master, expiry: '1130', cvv: '123' });
  await page.fill('#form-checkout__cardholderName', 'APRO');
  await page.fill('#form-checkout__cardholderEmail', 'comprador@example.com');
  await expect(page.locator('#form-checkout__identificationType option')).not.toHaveCount(0);
  await page.fill('#form-checkout__identificationNumber', '12345678');
  await expect(page.locator('#form-checkout__installments option')).not.toHaveCount(0);
  await page.click('#pay');
  await expect(page.locator('#result')).toHaveAttribute('data-status', 'approved', { timeout: 20_000 });
  await expect(page.locator('#result')).toContainText('approved');
  const payments = await (await request.get(`${SANDBOX}/__sandbox/payments`)).json();
  expect(payments.filter((p) => p.status === 'approved').length).toBeGreaterThanOrEqual(1);
});
