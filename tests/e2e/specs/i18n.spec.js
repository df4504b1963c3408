// Spanish, Portuguese and English: chosen from the browser, overridden by the switch, sent to the
// server (payment and polling), with amounts and dates formatted for the locale; one text file per
// language (site/locales), each with the same texts.
const fs = require('fs');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { secureInput } = require('../helpers/card');
const {
  FORM, openCheckout, fillCheckout, expectResult, orderIdOf, paymentsForOrder, settlePayment, expectCleanPage,
} = require('../helpers/checkout');

const TEXTS = {
  'pt-BR': { lang: 'pt', title: 'Finalize sua compra', product: 'Cuia de cabaça', price: 'ARS 18.500,00', pay: 'Pagar ARS 18.500,00', card: 'Número do cartão', frame: /Número do cartão/ },
  'en-US': { lang: 'en', title: 'Complete your purchase', product: 'Gourd mate cup', price: 'ARS 18,500.00', pay: 'Pay ARS 18,500.00', card: 'Card number', frame: /Card number/ },
  'fr-FR': { lang: 'es', title: 'Finaliza tu compra', product: 'Mate de calabaza', price: '$ 18.500,00', pay: 'Pagar $ 18.500,00', card: 'Número de tarjeta', frame: /Número de tarjeta/ },
};

// The page's texts (site/locales) and the 3-D Secure challenge's (site/locales/challenge, loaded
// only with a challenge).
test('every language has the same texts, each with the same {placeholders}', () => {
  for (const dir of ['locales', 'locales/challenge'].map((d) => path.join(__dirname, '..', '..', '..', 'site', d))) {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(['en.json', 'es.json', 'pt.json']);
    const [es, ...others] = ['es', 'pt', 'en'].map((l) => JSON.parse(fs.readFileSync(path.join(dir, `${l}.json`), 'utf8')));
    const holes = (text) => (text.match(/\{\w+\}/g) || []).sort();
    for (const other of others) {
      expect(Object.keys(other).sort()).toEqual(Object.keys(es).sort());
      for (const [k, v] of Object.entries(es)) {
        expect(typeof other[k], k).toBe('string');
        expect(holes(other[k]), k).toEqual(holes(v));
      }
    }
  }
});

for (const [locale, want] of Object.entries(TEXTS)) {
  test.describe(locale, () => {
    test.use({ locale });

    test(`browser language ${locale} shows the page in ${want.lang}`, async ({ page }) => {
      const { errors } = await openCheckout(page);
      await expect(page.locator('html')).toHaveAttribute('lang', want.lang);
      await expect(page.locator('#lang')).toHaveValue(want.lang);
      await expect(page.locator('#h-title')).toHaveText(want.title);
      await expect(page.locator('.item h3').first()).toHaveText(want.product);
      await expect(page.locator('.item .price').first()).toHaveText(want.price);
      await expect(page.locator('#pay')).toHaveText(want.pay);
      await expect(page.getByText(want.card, { exact: true })).toBeVisible();
      // The Secure Fields follow the page language too (the SDK is created with its locale).
      await expect(page.locator(`#${FORM}__cardNumber iframe`)).toHaveAttribute('title', want.frame);
      await expect(secureInput(page, `${FORM}__cardNumber`)).toHaveAttribute('aria-label', want.card);
      await fillCheckout(page);
      await expectCleanPage(page, errors);
    });
  });
}

test.describe('es-AR', () => {
  test.use({ locale: 'es-AR' });

  test('the switch re-renders every text, is remembered, and its locale goes to the payment and the polling', async ({ page, request }) => {
    const { errors, payments } = await openCheckout(page);
    const polls = [];
    page.on('request', (r) => r.url().includes('/api/payment_status/') && polls.push(new URL(r.url()).searchParams.get('locale')));

    await page.selectOption('#lang', 'en');
    await expect(page.locator('#h-title')).toHaveText('Complete your purchase');
    await expect(page.locator('.item h3')).toHaveText(['Gourd mate cup', 'Steel bombilla', 'Organic yerba mate 1 kg']);
    await expect(page.locator('.item p:not(.price):not(.err)').first()).toHaveText('Hand-cured gourd with a nickel-silver rim.');
    await expect(page.locator('#lines li')).toHaveText(['1 × Gourd mate cupARS 18,500.00']);
    await expect(page.getByRole('button', { name: 'Add one Steel bombilla' })).toBeVisible();
    await expect(page.locator('legend')).toHaveText(['Card', 'Your details', 'Shipping details']);
    await expect(page.locator('#pay')).toHaveText('Pay ARS 18,500.00', { timeout: 10_000 });
    await expect(page).toHaveTitle('Payment · Matecito');
    await expect(page.locator('.secure')).toHaveText('Your card details go straight to Mercado Pago, never to this store.');

    await page.reload(); // the choice is remembered
    await expect(page.locator('#h-title')).toHaveText('Complete your purchase');
    await expect(page.locator('#pay')).toBeEnabled({ timeout: 20_000 });

    await fillCheckout(page, { name: 'CONT' });
    await page.click('#pay');
    await expectResult(page, 'pending');
    await expect(page.locator('#r-title')).toHaveText('We are processing your payment');
    await expect(page.locator('#r-msg')).toHaveText(/^We are processing your payment\. Within 2 business days .*this page will show it/);
    await expect(page.locator('#r-amount')).toHaveText('ARS 18,500.00');
    expect(payments[0].body.locale).toBe('en-US');
    await expect.poll(() => polls.length).toBeGreaterThan(0);
    expect(new Set(polls)).toEqual(new Set(['en-US']));

    // Switching while pending: our texts at once, the server's message on the next answer.
    await page.selectOption('#lang', 'pt');
    await expect(page.locator('#r-title')).toHaveText('Estamos processando seu pagamento');
    await expect(page.locator('#r-msg')).toHaveText(/^Estamos processando seu pagamento\. Em menos de 2 dias úteis .*esta página mostrará/);
    await expect(page.locator('#result dt:visible')).toHaveText(['Número do pedido', 'Produtos', 'Valor', 'Operação do Mercado Pago', 'Data']);
    const [payment] = await paymentsForOrder(request, await orderIdOf(page));
    await settlePayment(request, payment.id);
    await expectResult(page, 'approved', 30_000);
    await expect(page.locator('#r-title')).toHaveText('Pagamento aprovado');
    await expect(page.locator('#r-msg')).toHaveText(/^Pronto, seu pagamento foi aprovado!/);
    await expect(page.locator('#r-amount')).toHaveText('ARS 18.500,00');
    const month = new Intl.DateTimeFormat('pt-BR', { month: 'long' }).format(new Date());
    await expect(page.locator('#r-date')).toContainText(`de ${month} de ${new Date().getFullYear()}`);
    await expect(page.locator('#again')).toHaveText('Fazer outra compra');
    expect(polls).toContain('pt-BR');
    await expectCleanPage(page, errors);
  });

  test('result texts in es, pt and en', async ({ page }) => {
    const want = {
      es: ['Tu pago fue rechazado', /no procesó el pago\.$/, 'Pagar con otra tarjeta'],
      pt: ['Seu pagamento foi recusado', /não processou o pagamento\.$/, 'Pagar com outro cartão'],
      en: ['Your payment was declined', /did not process the payment\.$/, 'Pay with another card'],
    };
    const { errors } = await openCheckout(page);
    await fillCheckout(page, { name: 'OTHE' });
    await page.click('#pay');
    await expectResult(page, 'rejected');
    for (const lang of ['pt', 'en', 'es']) {
      await page.selectOption('#lang', lang);
      const [title, message, button] = want[lang];
      await expect(page.locator('#r-title')).toHaveText(title);
      await expect(page.locator('#r-msg')).toHaveText(message); // refetched from payment_status in the new language
      await expect(page.locator('#another')).toHaveText(button);
    }
    await expectCleanPage(page, errors);
  });
});
