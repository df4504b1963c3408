// The buyer's side after "Pay": a receipt that is a place (?order=), a reload mid-payment that says
// what is going on, one language per page (?lang=), a phone-first layout, trust signals, precise
// errors and focus. Screenshots of each view at 375 and 1280 px go to artifacts/screenshots.
const fs = require('fs');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { secureInput, fillSecureCard } = require('../helpers/card');
const {
  FORM, UUID_V4, appUrl, openCheckout, fillCheckout, expectResult, paymentsForOrder, expectCleanPage, screenshot,
} = require('../helpers/checkout');

const LOCALES = path.join(__dirname, '..', '..', '..', 'site', 'locales');
const texts = (lang) => JSON.parse(fs.readFileSync(path.join(LOCALES, `${lang}.json`), 'utf8'));
const WIDTHS = [[375, 812], [1280, 900]];
const orderInUrl = (page) => new URL(page.url()).searchParams.get('order');

test.use({ locale: 'es-AR' });

for (const [width, height] of WIDTHS) {
  test.describe(`${width} px`, () => {
    test.use({ viewport: { width, height } });

    test('reload and Back after an approved payment show the receipt, never a payable form; one charge', async ({ page, request }) => {
      const { errors, payments } = await openCheckout(page);
      await page.locator('.item[data-sku="yerba-organica-1kg"] [data-d="1"]').click();
      await fillCheckout(page);
      await page.click('#pay');
      await expectResult(page, 'approved');
      const orderId = await page.locator('#result').getAttribute('data-order-id');
      expect(orderId).toMatch(UUID_V4);
      expect(orderInUrl(page)).toBe(orderId);
      await expect(page.locator('#r-title')).toBeFocused();
      const receipt = async () => {
        await expectResult(page, 'approved');
        await expect(page.locator('#checkout')).toBeHidden();
        await expect(page.locator('#r-order')).toHaveText(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
        await expect(page.locator('#r-items li')).toHaveText(['1 × Mate de calabaza$ 18.500,00', '1 × Yerba mate orgánica 1\u00a0kg$ 7.250,50']);
        await expect(page.locator('#r-amount')).toHaveText('$ 25.750,50');
        await expect(page.locator('#r-payment')).toHaveText(/^\d+$/);
        await expect(page.getByText('¡Listo!')).toHaveCount(1); // the server's message says it; the title does not repeat it
      };
      await receipt();
      const number = await page.locator('#r-order').textContent();
      await screenshot(page, `receipt-${width}`);

      await page.reload();
      await receipt();
      await expect(page.locator('#r-order')).toHaveText(number);
      await page.goto('about:blank');
      await page.goBack();
      await receipt();
      expect(orderInUrl(page)).toBe(orderId);
      expect(payments).toHaveLength(1);
      expect(await paymentsForOrder(request, orderId), 'one charge at Mercado Pago').toHaveLength(1);

      await page.click('#again'); // a new purchase leaves the receipt's URL
      await expect(page.locator('#pay')).toBeEnabled({ timeout: 20_000 });
      expect(orderInUrl(page)).toBeNull();
      await expectCleanPage(page, errors);
    });

    test('a reload during a payment says at once that it is being confirmed, then shows the result', async ({ page, request }) => {
      const { errors, payments } = await openCheckout(page);
      let release;
      const held = new Promise((resolve) => { release = resolve; });
      let calls = 0;
      await page.route('**/api/process_payment', async (route) => {
        calls += 1;
        if (calls === 1) { await route.fetch(); return undefined; } // charged; the answer never arrives
        await held; // the resent attempt waits until the test has seen the message
        return route.continue();
      });
      await fillCheckout(page);
      await page.click('#pay');
      await expect.poll(() => calls).toBe(1);
      await page.reload();
      await expect(page.locator('#r-title')).toHaveText('Estamos confirmando tu pago', { timeout: 5_000 });
      await expect(page.locator('#r-msg')).toContainText('No vuelvas a pagar');
      await expect(page.locator('#checkout')).toBeHidden();
      await expect(page.locator('#r-amount')).toHaveText('$ 18.500,00');
      await screenshot(page, `resuming-${width}`);
      release();
      await expectResult(page, 'approved');
      await expect(page.locator('#r-title')).toHaveText('Pago aprobado');
      expect(payments.map((p) => p.key)).toEqual([payments[0].key, payments[0].key]);
      expect(await paymentsForOrder(request, orderInUrl(page))).toHaveLength(1);
      await expectCleanPage(page, errors);
    });

    test('phone first: the total and Pay are on screen with the catalog; nothing is cut or broken', async ({ page }) => {
      const { errors } = await openCheckout(page);
      const inView = async (selector) => {
        const box = await page.locator(selector).boundingBox();
        return box && box.y >= 0 && box.y + box.height <= height && box.x >= 0 && box.x + box.width <= width;
      };
      expect(await inView('#pay'), 'Pay without scrolling').toBe(true);
      expect(await inView('#total'), 'the total beside it').toBe(true);
      expect(await inView('#h-products'), 'the catalog starts on the first screen').toBe(true);
      await expect(page.locator('#total')).toHaveText('$ 18.500,00');
      await expect(page.locator('#count')).toHaveText('(1 producto)');
      // Still there after scrolling to the last field.
      await page.locator(`#${FORM}__cardholderEmail`).scrollIntoViewIfNeeded();
      expect(await inView('#pay')).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
      await expect(page.locator('.item[data-sku="yerba-organica-1kg"] h3')).toHaveText('Yerba mate orgánica 1\u00a0kg');
      // Installment labels fit their select: measured in the select's own font.
      await fillCheckout(page);
      const fits = await page.evaluate((id) => {
        const select = document.getElementById(id);
        const ctx = document.createElement('canvas').getContext('2d');
        const style = getComputedStyle(select);
        ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24; // the arrow
        return [...select.options].filter((o) => !o.disabled).map((o) => [o.text, ctx.measureText(o.text).width <= room]);
      }, `${FORM}__installments`);
      expect(fits.length).toBeGreaterThan(1);
      for (const [text, ok] of fits) expect(ok, `"${text}" fits`).toBe(true);
      await screenshot(page, `form-filled-${width}`);
      await expectCleanPage(page, errors);
    });
  });
}

test('quantity 0 of everything disables Pay and says why; installments follow the total', async ({ page }) => {
  const { errors } = await openCheckout(page);
  await fillCheckout(page);
  const installment = page.locator(`#${FORM}__installments option[value="1"]`);
  await expect(installment).toHaveText('1 pago de $ 18.500,00');
  await page.locator('.item[data-sku="bombilla-acero"] [data-d="1"]').click();
  await expect(installment).toHaveText('1 pago de $ 28.000,00');
  await page.locator('.item[data-sku="bombilla-acero"] [data-d="-1"]').click();
  await page.locator('.item[data-sku="mate-calabaza"] [data-d="-1"]').click();
  await expect(page.locator('#pay')).toBeDisabled();
  await expect(page.locator('#err-total')).toHaveText('Elige al menos un producto para pagar.');
  await expect(page.locator('#err-total')).toBeVisible();
  await expect(page.locator('#count')).toHaveText('');
  await screenshot(page, 'empty-cart-375');
  await page.locator('.item[data-sku="mate-calabaza"] [data-d="1"]').click();
  await expect(page.locator('#pay')).toBeEnabled();
  await expect(page.locator('#err-total')).toHaveText('');
  await expectCleanPage(page, errors);
});

/** Every text a buyer (or a screen reader) meets on the page, its frames included. */
async function everyText(page) {
  const own = await page.evaluate(() => {
    const out = [document.body.innerText, document.title, document.querySelector('meta[name=description]').content];
    for (const e of document.querySelectorAll('[aria-label], [placeholder], [title], option')) {
      if (e.closest('#lang')) continue; // each language's name is in that language
      out.push(e.getAttribute('aria-label'), e.getAttribute('placeholder'), e.getAttribute('title'), e.localName === 'option' ? e.text : '');
    }
    return out.filter(Boolean);
  });
  for (const id of ['cardNumber', 'expirationDate', 'securityCode']) {
    const input = secureInput(page, `${FORM}__${id}`);
    if (await input.count()) own.push(await input.getAttribute('aria-label'), await input.getAttribute('placeholder'));
  }
  return own.filter(Boolean).join('\n');
}

/** Spanish texts of the page (those that differ in `lang`) and amounts written the Spanish way. */
function expectNoSpanish(text, lang) {
  const es = texts('es');
  const other = texts(lang);
  for (const [k, v] of Object.entries(es)) {
    const plain = v.replace(/\{\w+\}/g, '').trim();
    if (v === other[k] || plain.length < 5) continue;
    for (const part of v.split(/\{\w+\}/).map((s) => s.trim()).filter((s) => s.length >= 5)) {
      const whole = new RegExp(`(^|[^\\p{L}])${part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')}($|[^\\p{L}])`, 'u'); // "Privacidad" is not in "Privacidade"
      expect(text, `Spanish "${part}" (${k}) on the ${lang} page`).not.toMatch(whole);
    }
  }
  for (const word of ['Número de tarjeta', 'cuota', 'sin interés', 'Vencimiento', 'Pagar $', 'Tarjeta', 'producto']) {
    expect(text, `"${word}" on the ${lang} page`).not.toContain(word);
  }
  expect(text, 'an amount formatted es-AR style ("$ 18.500,00")').not.toMatch(/(^|[^R])\$\s?\d/);
  if (lang === 'en') expect(text, 'an amount with a decimal comma').not.toMatch(/\d\.\d{3},\d{2}/);
}

for (const [lang, want] of [['en', { title: 'Payment approved', inst: '1 payment of ARS 18,500.00' }], ['pt', { title: 'Pagamento aprovado', inst: '1 parcela de ARS 18.500,00' }]]) {
  test(`the ${lang} page has no Spanish text or Spanish-formatted amount, installments and receipt included`, async ({ page }) => {
    const { errors } = await openCheckout(page, { query: `?lang=${lang}` });
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    await fillCheckout(page);
    await expect(page.locator(`#${FORM}__installments option[value="1"]`)).toHaveText(want.inst);
    expectNoSpanish(await everyText(page), lang);
    // Errors too: an empty card number and an invalid e-mail.
    await secureInput(page, `${FORM}__cardNumber`).fill('');
    await page.fill(`#${FORM}__cardholderEmail`, 'no-at-sign');
    await page.click('#pay');
    await expect(page.locator('#err-cardNumber')).toHaveText(texts(lang).m_cardNumber);
    await expect(page.locator('#err-cardholderEmail')).toHaveText(texts(lang).e_cardholderEmail);
    expectNoSpanish(await everyText(page), lang);
    await fillCheckout(page);
    await page.click('#pay');
    await expectResult(page, 'approved');
    await expect(page.locator('#r-title')).toHaveText(want.title);
    expectNoSpanish(await everyText(page), lang);
    await page.reload(); // the receipt keeps the language (?lang= stays in the URL)
    await expectResult(page, 'approved');
    await expect(page.locator('#r-title')).toHaveText(want.title);
    expectNoSpanish(await everyText(page), lang);
    await screenshot(page, `receipt-${lang}-375`);
    await expectCleanPage(page, errors);
  });
}

test('?lang=pt overrides the browser language and a remembered choice', async ({ page }) => {
  await page.addInitScript(() => { if (!sessionStorage.getItem('seeded')) { localStorage.setItem('lang', 'en'); sessionStorage.setItem('seeded', '1'); } });
  const { errors } = await openCheckout(page, { query: '?lang=pt' });
  await expect(page.locator('html')).toHaveAttribute('lang', 'pt');
  await expect(page.locator('#h-title')).toHaveText('Finalize sua compra');
  await expect(page.locator('#pay')).toHaveText('Pagar ARS 18.500,00');
  await expect(page.locator('meta[name=description]')).toHaveAttribute('content', /Mercado Pago/);
  await page.selectOption('#lang', 'en'); // the switch rewrites ?lang= so a reload keeps it
  await expect.poll(() => new URL(page.url()).searchParams.get('lang')).toBe('en');
  await expectCleanPage(page, errors);
});

test('switching language keeps what the buyer typed, card fields included, and the payment goes through', async ({ page }) => {
  const { errors, payments } = await openCheckout(page);
  await fillCheckout(page);
  await page.selectOption(`#${FORM}__installments`, '3');
  const card = secureInput(page, `${FORM}__cardNumber`);
  const before = await Promise.all(['cardNumber', 'expirationDate', 'securityCode'].map((id) => secureInput(page, `${FORM}__${id}`).inputValue()));
  expect(before.every(Boolean)).toBe(true);
  await page.selectOption('#lang', 'en');
  await expect(page.locator('#h-title')).toHaveText('Complete your purchase');
  await page.selectOption('#lang', 'pt');
  await expect(page.locator('#h-title')).toHaveText('Finalize sua compra');
  const after = await Promise.all(['cardNumber', 'expirationDate', 'securityCode'].map((id) => secureInput(page, `${FORM}__${id}`).inputValue()));
  expect(after).toEqual(before);
  await expect(card).toHaveAttribute('placeholder', '1234 1234 1234 1234');
  await expect(secureInput(page, `${FORM}__expirationDate`)).toHaveAttribute('placeholder', 'MM/AA');
  await expect(page.locator(`#${FORM}__cardholderName`)).toHaveValue('APRO');
  await expect(page.locator(`#${FORM}__cardholderEmail`)).toHaveValue('comprador@example.com');
  await expect(page.locator(`#${FORM}__installments`)).toHaveValue('3');
  await expect(page.locator(`#${FORM}__installments option[value="3"]`)).toHaveText(/^3 × ARS\s[\d.]+,\d\d/);
  await page.click('#pay');
  await expectResult(page, 'approved');
  expect(payments).toHaveLength(1);
  expect(payments[0].body.installments).toBe(3);
  expect(payments[0].body.locale).toBe('pt-BR');
  await expectCleanPage(page, errors);
});

test('the test-mode banner shows with a TEST- public key and not with a production-looking one', async ({ page }) => {
  const { errors } = await openCheckout(page);
  await expect(page.locator('#test-mode')).toBeVisible();
  await expect(page.locator('#test-mode')).toContainText('Modo de prueba');

  await page.route('**/config.json', async (route) => {
    const res = await route.fetch();
    const config = await res.json();
    expect(config.public_key).toMatch(/^TEST-/);
    await route.fulfill({ response: res, json: { ...config, public_key: 'APP_USR-3a1b2c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d' } });
  });
  await page.reload();
  await expect(page.locator('#h-title')).toBeVisible();
  await expect(page.locator('#test-mode')).toBeHidden();
  expect(errors).toEqual([]);
});

test('trust: accepted cards, store contact and the merchant\'s links, the withdrawal link for an MLA store', async ({ page }) => {
  const { errors } = await openCheckout(page);
  const catalog = await (await page.request.get(`${appUrl()}/catalog.json`)).json();
  expect(catalog.site_id).toBe('MLA');
  await expect(page.locator('#brands li')).toHaveText(catalog.card_brands);
  await expect(page.locator('#brands')).toHaveAttribute('aria-label', 'Tarjetas aceptadas');
  await expect(page.locator('.brand')).toHaveText(catalog.store_name);
  const m = catalog.merchant;
  await expect(page.locator('#contact a')).toHaveText([m.contact_email, m.contact_phone]);
  await expect(page.locator(`#contact a[href="mailto:${m.contact_email}"]`)).toBeVisible();
  const links = page.locator('#links a');
  await expect(links).toHaveText(['Términos y condiciones', 'Cambios y devoluciones', 'Privacidad', 'Botón de arrepentimiento']);
  expect(await links.evaluateAll((as) => as.map((a) => a.getAttribute('href'))))
    .toEqual([m.terms_url, m.returns_url, m.privacy_url, m.withdrawal_url]);
  for (const href of [m.terms_url, m.withdrawal_url]) {
    expect((await page.request.get(`${appUrl()}/${href.split('#')[0]}`)).status(), href).toBe(200);
  }

  // A store in Brazil has no "Botón de arrepentimiento".
  await page.route('**/catalog.json', async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, json: { ...(await res.json()), site_id: 'MLB' } });
  });
  await page.reload();
  await expect(page.locator('#h-title')).toBeVisible();
  await expect(page.locator('#links a')).toHaveCount(3);
  expect(errors).toEqual([]);
});

test('precise messages: missing fields say "Ingresa", an expired card says it expired', async ({ page }) => {
  const { errors, payments } = await openCheckout(page);
  await page.click('#pay');
  const es = texts('es');
  await expect(page.locator('#err-cardNumber')).toHaveText(es.m_cardNumber);
  await expect(page.locator('#err-expirationDate')).toHaveText(es.m_expirationDate);
  await expect(page.locator('#err-securityCode')).toHaveText(es.m_securityCode);
  await expect(page.locator('#err-cardholderName')).toHaveText(es.m_cardholderName);
  await expect(page.locator('#err-cardholderEmail')).toHaveText(es.m_cardholderEmail);
  await expect(secureInput(page, `${FORM}__cardNumber`)).toBeFocused(); // the first problem, in page order
  await fillSecureCard(page, { number: '5031755734530604', expiry: '0120', cvv: '123' });
  await expect(page.locator('#err-expirationDate')).toHaveText(es.x_expirationDate);
  await page.click('#pay');
  await expect(page.locator('#err-expirationDate')).toHaveText(es.x_expirationDate);
  await page.selectOption('#lang', 'en'); // the shown messages follow the language
  await expect(page.locator('#err-expirationDate')).toHaveText(texts('en').x_expirationDate);
  await expect(page.locator('#err-cardholderName')).toHaveText(texts('en').m_cardholderName);
  expect(payments).toHaveLength(0);
  await expectCleanPage(page, errors);
});

test('focus stays on Pay while processing, then moves to the result heading', async ({ page }) => {
  const { errors } = await openCheckout(page);
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/api/process_payment', async (route) => { await held; return route.continue(); });
  await fillCheckout(page);
  await page.focus('#pay');
  await page.keyboard.press('Enter');
  await expect(page.locator('#pay')).toHaveAttribute('aria-busy', 'true');
  await expect(page.locator('#pay')).toHaveText('Procesando el pago…');
  await expect(page.locator('#pay')).toBeFocused();
  await page.keyboard.press('Enter'); // a second press while busy sends nothing more
  release();
  await expectResult(page, 'approved');
  await expect(page.locator('#r-title')).toBeFocused();
  await expectCleanPage(page, errors);
});

test('a receipt link for an unknown order says so and offers a new purchase', async ({ page }) => {
  const { errors } = await openCheckoutAt(page, '?order=0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10');
  await expectResult(page, 'rejected');
  await expect(page.locator('#r-title')).toHaveText('No encontramos este pedido');
  await expect(page.locator('#again')).toBeVisible();
  await expect(page.locator('#checkout')).toBeHidden();
  await page.click('#again');
  await expect(page.locator('#pay')).toBeEnabled({ timeout: 20_000 });
  expect(errors).toEqual([]);
});

/** Opens a URL of the page that shows a receipt (no card form to wait for). */
async function openCheckoutAt(page, query) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${appUrl()}/${query}`);
  return { errors };
}
