/*
 * Mercado Pago sandbox: a stand-in for Mercado Pago's device script
 *   <script src="https://www.mercadopago.com/v2/security.js" view="checkout"></script>
 * (served at /v2/security.js). As documented, it creates the global MP_DEVICE_SESSION_ID, or the
 * global named by the script element's `output` attribute, and fills <input id="deviceId"> when
 * the page has one. The merchant sends the value to Mercado Pago as header X-meli-session-id.
 * https://www.mercadopago.com.br/developers/en/docs/checkout-api/how-tos/improve-payment-approval
 * The id's format is our choice (the real one is not documented): 32 random hex digits.
 * No fingerprinting, no requests, no inline code.
 */
(() => {
  'use strict';

  const script = document.currentScript;
  const output = (script && script.getAttribute('output')) || 'MP_DEVICE_SESSION_ID';
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  const id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  window[output] = id;

  const fill = () => {
    const input = document.getElementById('deviceId');
    if (input) {
      input.value = id;
    }
  };
  fill();
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', fill);
  }
})();
