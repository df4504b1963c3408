// Minimal checkout: one product from the catalog, the MercadoPago.js card form, pay, show the result.
(async () => {
  const config = await (await fetch('config.json')).json();
  const catalog = await (await fetch('catalog.json')).json();
  const product = catalog.products[0];
  document.getElementById('store-name').textContent = catalog.store_name;
  document.getElementById('product').textContent = `${product.name.es}: ${product.unit_price} ${catalog.currency_id}`;
  await new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = config.sdk_url; s.onload = resolve; s.onerror = reject;
    document.head.appendChild(s);
  });
  const mp = new MercadoPago(config.public_key, { locale: config.locale });
  const key = crypto.randomUUID();
  const result = document.getElementById('result');
  const cardForm = mp.cardForm({
    amount: product.unit_price,
    iframe: true,
    form: {
      id: 'form-checkout',
      cardNumber: { id: 'form-checkout__cardNumber', placeholder: 'Número de tarjeta' },
      expirationDate: { id: 'form-checkout__expirationDate', placeholder: 'MM/AA' },
      securityCode: { id: 'form-checkout__securityCode', placeholder: 'CVV' },
      cardholderName: { id: 'form-checkout__cardholderName', placeholder: 'Titular' },
      issuer: { id: 'form-checkout__issuer', placeholder: 'Banco' },
      installments: { id: 'form-checkout__installments', placeholder: 'Cuotas' },
      identificationType: { id: 'form-checkout__identificationType', placeholder: 'Tipo' },
      identificationNumber: { id: 'form-checkout__identificationNumber', placeholder: 'Documento' },
      cardholderEmail: { id: 'form-checkout__cardholderEmail', placeholder: 'E-mail' },
    },
    callbacks: {
      onFormMounted: (error) => { if (error) result.textContent = 'Error'; },
      onSubmit: async (event) => {
        event.preventDefault();
        const d = cardForm.getCardFormData();
        const resp = await fetch(`${config.api_base}/process_payment`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
          body: JSON.stringify({
            items: [{ sku: product.sku, quantity: 1 }],
            token: d.token, payment_method_id: d.paymentMethodId, issuer_id: d.issuerId,
            installments: Number(d.installments),
            payer: { email: d.cardholderEmail, identification: { type: d.identificationType, number: d.identificationNumber } },
            transaction_amount: Number(product.unit_price), locale: config.locale,
          }),
        });
        const body = await resp.json();
        result.textContent = resp.ok ? `${body.status}: ${body.message}` : body.error.message;
        result.dataset.status = body.status || 'error';
      },
    },
  });
})();
