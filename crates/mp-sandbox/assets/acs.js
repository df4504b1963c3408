/*
 * Mercado Pago sandbox: the 3-D Secure ACS stand-in (served at /acs/assets/acs.js on the ACS
 * origin). Mercado Pago's docs say the issuer's challenge page ends with
 *   parent.postMessage({status: "COMPLETE"}, ...)
 * which only says that the challenge ended; the merchant page then reads the payment.
 * https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds
 *
 * Challenge page (body data-acs-state="challenge"): Confirm / Cancel post
 *   acs_trans_id=<id>&choice=confirm|cancel
 * to /acs/challenge/result (same origin) with `Accept: application/json`, then tell the parent
 * page COMPLETE. The target origin "*" is our choice (the real ACS's is not documented; the
 * merchant page must check event.origin itself).
 * Finished page (data-acs-state="done", after a form post without this script's help): tell the
 * parent page COMPLETE on load.
 */
(() => {
  'use strict';

  const complete = () => {
    if (window.parent && window.parent !== window) {
      window.parent.postMessage({ status: 'COMPLETE' }, '*');
    }
  };

  const start = () => {
    const state = document.body.getAttribute('data-acs-state');
    if (state === 'done') {
      complete();
      return;
    }
    const form = document.getElementById('acs-form');
    const status = document.getElementById('acs-status');
    if (state !== 'challenge' || !form || !status) {
      return;
    }
    const buttons = Array.from(form.querySelectorAll('button'));
    let chosen = 'confirm';
    buttons.forEach((b) => b.addEventListener('click', () => { chosen = b.value; }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const choice = (event.submitter && event.submitter.value) || chosen;
      const body = new URLSearchParams();
      body.set('acs_trans_id', form.elements.namedItem('acs_trans_id').value);
      body.set('choice', choice);
      buttons.forEach((b) => { b.disabled = true; });
      status.textContent = 'Sending…';
      // getAttribute: `form.action` could be shadowed by a control named "action".
      fetch(form.getAttribute('action'), {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
        credentials: 'omit',
      })
        .then((resp) => resp.json().catch(() => ({})).then((data) => ({ ok: resp.ok, code: resp.status, data })))
        .then(({ ok, code, data }) => {
          if (ok || code === 409) {
            status.textContent = (data && data.message) || 'Authentication finished. You can return to the store.';
            form.hidden = true;
            complete();
          } else {
            status.textContent = (data && data.message) || 'Something went wrong. Please try again.';
            buttons.forEach((b) => { b.disabled = false; });
          }
        })
        .catch(() => {
          status.textContent = 'Could not reach the bank. Please try again.';
          buttons.forEach((b) => { b.disabled = false; });
        });
    });
  };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
