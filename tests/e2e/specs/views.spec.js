// Every view at a phone width (375 px) and a desktop width (1280 px), saved as test artifacts in
// tests/e2e/artifacts/screenshots/<view>-<width>.png: the form, approved, pending (and its timeout
// message), rejected, and the lost-connection notice. Each view is also checked for sideways
// scrolling and for its key content.
const { test, expect } = require('@playwright/test');
const {
  openCheckout, fillCheckout, expectResult, expectCleanPage, screenshot,
} = require('../helpers/checkout');

test.use({ locale: 'es-AR' });

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

for (const width of [375, 1280]) {
  test.describe(`${width} px`, () => {
    test.use({ viewport: { width, height: width < 600 ? 812 : 900 } });

    test('form and lost-connection notice', async ({ page }) => {
      const { errors } = await openCheckout(page);
      await expect(page.locator('#form-checkout__cardNumber iframe')).toBeVisible();
      expect(await overflow(page)).toBe(0);
      await screenshot(page, `form-${width}`);
      await page.route('**/api/process_payment', (route) => route.abort('internetdisconnected'));
      await fillCheckout(page);
      await page.click('#pay');
      await expect(page.locator('#notice')).toBeVisible();
      await page.locator('#notice').scrollIntoViewIfNeeded();
      await screenshot(page, `network-error-${width}`);
      await expectCleanPage(page, errors);
    });

    for (const [view, name, query] of [['approved', 'APRO'], ['rejected', 'OTHE'], ['pending', 'CONT', '?poll_timeout_ms=2000']]) {
      test(view, async ({ page }) => {
        const { errors } = await openCheckout(page, { query });
        await fillCheckout(page, { name });
        await page.click('#pay');
        await expectResult(page, view);
        await expect(page.locator('#r-order')).not.toBeEmpty();
        await expect(page.locator('#r-msg')).not.toBeEmpty();
        expect(await overflow(page)).toBe(0);
        await screenshot(page, `${view}-${width}`);
        if (view === 'pending') {
          await expect(page.locator('#again')).toBeVisible({ timeout: 8_000 }); // the polling limit passed
          await screenshot(page, `pending-timeout-${width}`);
        }
        await expectCleanPage(page, errors);
      });
    }
  });
}
