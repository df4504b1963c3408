// A buyer on the stack's site pays through the page: scripts/e2e.sh runs this file against the
// MLA stack with the rest of the suite, then once per other site (SITE=MLB ... MCO: the catalog
// examples/sites/<SITE>.json and the sandbox on that site). The site is the one the stack runs
// (config.json's site_id). Test cards and documents: Mercado Pago's test-cards page per country
// (README.md, "Sites").
const { test, expect } = require('@playwright/test');
const { sandboxUrl } = require('../helpers/sandbox');
const { appUrl, openCheckout, fillCheckout, expectResult, expectCleanPage, screenshot } = require('../helpers/checkout');

// Per site: the Mastercard test card, the document typed (type, number; none on MLM), the page's
// language, what one mate-calabaza costs as the page writes it (U+00A0 where Intl puts a space),
// and the amount Mercado Pago receives.
const SITES = {
  MLA: { card: '5031755734530604', document: ['DNI', '12345678'], price: '$\u00a018.500,00', amount: '18500' },
  MLB: { card: '5031433215406351', document: ['CPF', '12345678909'], price: 'R$\u00a0149,90', amount: '149.9' },
  MLM: { card: '5474925432670366', document: null, price: '$899.00', amount: '899' },
  // Mercado Pago's test CI (12345678) fails Uruguay's check digit; its page also gives Otro.
  MLU: { card: '5031755734530604', document: ['Otro', '123456789'], price: '$\u00a01.590,00', amount: '1590' },
  MLC: { card: '5416752602582580', document: ['Otro', '123456789'], price: '$18.500', amount: '18500' },
  MPE: { card: '5031755734530604', document: ['Otro', '123456789'], price: 'S/\u00a089.90', amount: '89.9' },
  MCO: { card: '5254133674403564', document: ['CC', '123456789'], price: '$\u00a085.000', amount: '85000' },
};

/** The stack's site and locale, from the page's own config.json. */
async function stackSite(request) {
  const res = await request.get(`${appUrl()}/config.json`);
  expect(res.ok()).toBeTruthy();
  const { site_id: siteId, locale } = await res.json();
  return { siteId, locale };
}

test('a buyer pays on the site the shop runs, with its test card, document, currency and format', async ({ browser, request }) => {
  const { siteId, locale } = await stackSite(request);
  const site = SITES[siteId];
  expect(site, `a known site: ${siteId}`).toBeTruthy();
  // A buyer of that country: the browser speaks the site's language.
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  const { errors, payments } = await openCheckout(page);

  // The price as the site writes its currency (no decimals for CLP and COP).
  await expect(page.locator('.price').first()).toHaveText(site.price);
  // The document types are the site's (MercadoPago.js asks the sandbox, which answers per site);
  // Mexico asks for none.
  if (site.document) {
    await expect(page.locator('#ident')).toBeVisible();
    await page.selectOption('#form-checkout__identificationType', site.document[0]);
  } else {
    await expect(page.locator('#ident')).toBeHidden();
  }
  await fillCheckout(page, { number: site.card, document: site.document?.[1] ?? null });
  await page.click('#pay');
  await expectResult(page, 'approved');
  await expect(page.locator('#r-amount')).toHaveText(site.price);
  await screenshot(page, `site-${siteId}-approved`);

  // What the page sent, and what Mercado Pago received: the site's document, the whole amount.
  expect(payments).toHaveLength(1);
  const identification = site.document && { type: site.document[0], number: site.document[1] };
  expect(payments[0].body.payer.identification).toEqual(identification ?? undefined);
  const log = await (await request.get(`${sandboxUrl()}/__sandbox/requests`)).json();
  const created = log.filter((r) => r.method === 'POST' && r.path === '/v1/payments').pop();
  expect(String(created.body.transaction_amount)).toBe(site.amount);
  expect(created.body.payer.identification).toEqual(identification ?? undefined);
  const payment = (await (await request.get(`${sandboxUrl()}/__sandbox/payments`)).json()).pop();
  const config = await (await request.get(`${sandboxUrl()}/__sandbox/config`)).json();
  expect(payment.currency_id).toBe(config.currency_id);
  await expectCleanPage(page, errors);
  await context.close();
});
