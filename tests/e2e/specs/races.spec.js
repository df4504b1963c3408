// Several Lambda instances racing for one order, through the whole local stack: the edge,
// `cargo lambda watch` running each function with several instances (--concurrency, as Lambda
// runs concurrent requests in separate execution environments), moto and the sandbox. The
// in-process integration tests race the same lease inside one process; this races processes.
const crypto = require('crypto');
const { test, expect } = require('@playwright/test');
const { sandboxUrl, sandboxConfig } = require('../helpers/sandbox');
const { appUrl, paymentsForOrder } = require('../helpers/checkout');

test('ten identical payment requests at once through the local stack charge the card once', async ({ request }) => {
  const { public_key: publicKey } = await sandboxConfig(request);
  const tokenRes = await request.post(`${sandboxUrl()}/v1/card_tokens?public_key=${publicKey}`, {
    data: {
      card_number: '5031755734530604', expiration_month: 11, expiration_year: 2030, security_code: '123',
      cardholder: { name: 'APRO', identification: { type: 'DNI', number: '12345678' } },
    },
  });
  expect(tokenRes.ok()).toBeTruthy();
  const token = (await tokenRes.json()).id;
  const key = crypto.randomUUID();
  const device = crypto.randomBytes(16).toString('hex');
  const body = {
    items: [{ sku: 'mate-calabaza', quantity: 1 }], token, payment_method_id: 'master', issuer_id: '3',
    installments: 1, locale: 'es-AR',
    payer: {
      email: 'comprador@example.com', identification: { type: 'DNI', number: '12345678' },
      first_name: 'Ana', last_name: 'García', phone: { number: '+54 11 5555-0100' },
    },
    shipping_address: {
      street_name: 'Av. Corrientes', street_number: '1234', zip_code: 'C1043AAZ', city_name: 'Buenos Aires', state_name: 'CABA',
    },
  };

  const answers = await Promise.all(
    Array.from({ length: 10 }, () => request.post(`${appUrl()}/api/process_payment`, {
      // The device id, as the page sends it: without one the sandbox's risk rule declines 18,500.
      headers: { 'idempotency-key': key, 'x-meli-session-id': device }, data: body, timeout: 60_000,
    })),
  );
  const results = await Promise.all(answers.map(async (a) => ({ status: a.status(), body: await a.json() })));
  for (const r of results) {
    // The first result, or "still in progress, retry with the same key" for a duplicate that
    // waited longer than the function's wait.
    expect([201, 409], JSON.stringify(r)).toContain(r.status);
    if (r.status === 409) expect(r.body.error.code).toBe('request_in_progress');
  }
  const created = results.filter((r) => r.status === 201).map((r) => r.body);
  expect(created.length).toBeGreaterThan(0);
  const orders = new Set(created.map((b) => `${b.order_id} ${b.payment_id} ${b.status}`));
  expect([...orders], 'every answer is the same order and payment').toHaveLength(1);
  expect(created[0].status).toBe('approved');
  expect(await paymentsForOrder(request, created[0].order_id), 'one charge at Mercado Pago').toHaveLength(1);
});
