// Card entry helpers for pages that use MercadoPago.js (the sandbox's /js/v2 stand-in).
// With Secure Fields (cardForm `iframe: true`) the card inputs live in iframes mounted inside
// the page's <div> containers; these helpers type into them as a buyer would, key by key, so the
// SDK's formatting, BIN lookup and validation all run.

/** Mastercard/Visa/Amex test cards of the sandbox's default site (MLA); expiry 11/30, CVV 123 (Amex 1234). */
const TEST_CARDS = {
  master: '5031755734530604',
  visa: '4509953566233704',
  amex: '371180303257522',
};

/** Container ids used by Mercado Pago's own cardForm examples. */
const DEFAULT_IDS = {
  cardNumber: 'form-checkout__cardNumber',
  expirationDate: 'form-checkout__expirationDate',
  securityCode: 'form-checkout__securityCode',
};

/** The <input> inside the Secure Field iframe mounted in the container with this id. */
function secureInput(page, containerId) {
  return page.frameLocator(`#${containerId} iframe`).locator('input');
}

/** Waits until every Secure Field iframe in the page has its input (the fields are mounted). */
async function waitForSecureFields(page, ids = DEFAULT_IDS) {
  for (const id of Object.values(ids)) await secureInput(page, id).waitFor({ state: 'visible' });
}

/**
 * Types a card into the Secure Fields. `expiry` is "MMYY" or "MM/YY"; any omitted value is left
 * alone. `ids` overrides the container ids ({cardNumber, expirationDate, securityCode}).
 */
async function fillSecureCard(page, { number, expiry, cvv }, ids = {}) {
  const id = { ...DEFAULT_IDS, ...ids };
  const steps = [[id.cardNumber, number], [id.expirationDate, expiry], [id.securityCode, cvv]];
  for (const [containerId, value] of steps) {
    if (value == null) continue;
    const input = secureInput(page, containerId);
    await input.click();
    await input.fill('');
    await input.pressSequentially(String(value).replace(/\//g, ''));
  }
}

/** Same as fillSecureCard for a form whose card fields are plain inputs (cardForm `iframe: false`). */
async function fillPlainCard(page, { number, expiry, cvv }, ids = {}) {
  const id = { ...DEFAULT_IDS, ...ids };
  const steps = [[id.cardNumber, number], [id.expirationDate, expiry], [id.securityCode, cvv]];
  for (const [inputId, value] of steps) {
    if (value == null) continue;
    const input = page.locator(`#${inputId}`);
    await input.fill('');
    await input.pressSequentially(String(value));
  }
}

module.exports = { TEST_CARDS, DEFAULT_IDS, secureInput, waitForSecureFields, fillSecureCard, fillPlainCard };
