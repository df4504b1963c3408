/*
 * Mercado Pago sandbox Secure Field (served at /secure-fields/field.js).
 *
 * One iframe holds one card input: `cardNumber`, `securityCode`, `expirationDate`,
 * `expirationMonth` or `expirationYear`. MercadoPago.js (/js/v2) mounts it with
 *   field.html?field=<name>&instance=<form instance id>&origin=<merchant origin>&publicKey=<key>&locale=<locale>
 * The value typed here never leaves the sandbox origin except inside POST /v1/card_tokens.
 *
 * Messages (window.postMessage, origin checked on both sides; every message carries
 * `channel` and `instance`):
 *   frame → page  {channel:'mp-sandbox-field', field, type:'ready'|'focus'|'blur'|'change'|'enter'}
 *                 {type:'binChange', bin: '<first 8 digits>'|null}            (cardNumber only)
 *                 {type:'validityChange', errors: [{code, message, field}]|undefined}
 *                 {type:'tokenResult', requestId, token | errors | apiError} (cardNumber only)
 *   page → frame  {channel:'mp-sandbox-sdk', type:'init'|'update', placeholder?, ariaLabel?, style?, settings?, mode?}
 *                 {type:'blur'}   (focus: the page focuses the iframe element; the frame passes it on)
 *                 {type:'tokenize', requestId, cardholder, fields: [sibling field names], create}
 * Sibling frames of one form talk over BroadcastChannel('mp-sandbox-fields:<instance>'), which
 * only documents of the sandbox origin can join: the cardNumber frame asks for the others'
 * values ({type:'collect'}) and they answer ({type:'value', field, parts, errors}).
 * Validation rules are the SDK's own (MercadoPago.rules): field.html loads /js/v2 first.
 */
(() => {
  'use strict';

  const params = new URLSearchParams(location.search);
  const FIELD = params.get('field');
  const INSTANCE = params.get('instance') || '';
  const PARENT_ORIGIN = params.get('origin') || '';
  const PUBLIC_KEY = params.get('publicKey') || '';
  const LOCALE = params.get('locale') || 'es-AR';
  const FROM_SDK = 'mp-sandbox-sdk';
  const TO_SDK = 'mp-sandbox-field';

  const input = document.getElementById('field');
  const channel = new BroadcastChannel(`mp-sandbox-fields:${INSTANCE}`);
  let settings = null; // payment method settings sent by the SDK: {length, validation} or {length, mode}
  let mode = null; // expiration year mode: 'short' (YY), 'full' (YYYY) or null (either)
  let touched = false; // blurred at least once: from then on incomplete values are reported
  let lastValidity = '[]';
  let lastBin = null;

  // Validation rules: the SDK's own (field.html loads /js/v2 first), so both sides agree.
  const { digits, fullYear, validate, tokenErrors } = window.MercadoPago.rules;

  // ---- The input: formatting and what it reports -------------------------------------------

  /** Groups a card number the way it is printed (4-6-5 for Amex, 4-6-4 for Diners, else 4-4-4-4). */
  function groupCardNumber(d) {
    const sizes = /^3[47]/.test(d) ? [4, 6, 5] : /^3[068]/.test(d) ? [4, 6, 4] : [4, 4, 4, 4, 3];
    const groups = [];
    let at = 0;
    for (const size of sizes) {
      if (at >= d.length) break;
      groups.push(d.slice(at, at + size));
      at += size;
    }
    return groups.join(' ');
  }

  const KINDS = {
    cardNumber: { autocomplete: 'cc-number', name: 'cardnumber', max: () => (settings && settings.length) || 19, format: groupCardNumber },
    securityCode: { autocomplete: 'cc-csc', name: 'cvc', max: () => (settings && settings.length) || 4, format: (d) => d },
    expirationDate: {
      autocomplete: 'cc-exp',
      name: 'exp-date',
      max: () => (mode === 'short' ? 4 : 6),
      format: (d) => (d.length > 2 ? `${d.slice(0, 2)}/${d.slice(2)}` : d),
    },
    expirationMonth: { autocomplete: 'cc-exp-month', name: 'exp-month', max: () => 2, format: (d) => d },
    expirationYear: { autocomplete: 'cc-exp-year', name: 'exp-year', max: () => (mode === 'short' ? 2 : 4), format: (d) => d },
  };
  const kind = KINDS[FIELD];
  if (!kind || !PARENT_ORIGIN) throw new Error(`secure field: bad field "${FIELD}" or missing origin`);

  /** Posts to the merchant page, and only to it. An opaque parent (file://) cannot be named. */
  function toParent(type, data = {}) {
    const target = PARENT_ORIGIN === 'null' ? '*' : PARENT_ORIGIN;
    window.parent.postMessage({ channel: TO_SDK, instance: INSTANCE, field: FIELD, type, ...data }, target);
  }

  /** Keeps only digits, re-applies the format and puts the caret back after the same digit. */
  function reformat() {
    const raw = input.value;
    const caret = input.selectionStart == null ? raw.length : input.selectionStart;
    const digitsBefore = digits(raw.slice(0, caret)).length;
    const formatted = kind.format(digits(raw).slice(0, kind.max()));
    if (formatted === raw) return;
    input.value = formatted;
    let pos = 0;
    for (let seen = 0; pos < formatted.length && seen < digitsBefore; pos++) {
      if (/\d/.test(formatted[pos])) seen++;
    }
    if (document.activeElement === input) input.setSelectionRange(pos, pos);
  }

  function reportValidity(final) {
    const errors = validate(FIELD, input.value, settings, final);
    input.setAttribute('aria-invalid', errors.length ? 'true' : 'false');
    const key = JSON.stringify(errors);
    if (key === lastValidity) return;
    lastValidity = key;
    toParent('validityChange', { errors: errors.length ? errors : undefined });
  }

  /** The BIN is the first 8 digits; the page learns it once 8 digits are typed, and when it goes. */
  function reportBin() {
    if (FIELD !== 'cardNumber') return;
    const d = digits(input.value);
    const bin = d.length >= 8 ? d.slice(0, 8) : null;
    if (bin === lastBin) return;
    lastBin = bin;
    toParent('binChange', { bin });
  }

  /** CSS properties the SDK's `style` option may set (MercadoPago.js Fields docs), camelCased. */
  const STYLE_KEYS = new Set(['color', 'fontFamily', 'fontSize', 'fontStyle', 'fontVariant', 'fontWeight', 'height',
    'margin', 'marginBottom', 'marginLeft', 'marginRight', 'marginTop', 'padding', 'paddingBottom', 'paddingLeft',
    'paddingRight', 'paddingTop', 'placeholderColor', 'textAlign', 'width']);

  function applyStyle(style) {
    for (const [name, value] of Object.entries(style || {})) {
      const key = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
      if (!STYLE_KEYS.has(key) || typeof value !== 'string' || /url\(|expression\(/i.test(value)) continue;
      // CSSOM writes, not a style attribute: allowed under a CSP without 'unsafe-inline'.
      if (key === 'placeholderColor') input.style.setProperty('--placeholder-color', value);
      else input.style[key] = value;
    }
  }

  function apply(m) {
    if ('placeholder' in m) input.placeholder = m.placeholder || '';
    if (m.ariaLabel) input.setAttribute('aria-label', m.ariaLabel);
    if (m.style) applyStyle(m.style);
    if (m.mode) mode = m.mode;
    if ('settings' in m) settings = m.settings || null;
    reformat();
    reportValidity(touched);
  }

  /** The value as the card_tokens body wants it. */
  function parts() {
    const d = digits(input.value);
    switch (FIELD) {
      case 'securityCode': return { security_code: d };
      case 'expirationMonth': return { expiration_month: Number(d) };
      case 'expirationYear': return { expiration_year: fullYear(d) };
      case 'expirationDate': return { expiration_month: Number(d.slice(0, 2)), expiration_year: fullYear(d.slice(2)) };
      default: return { card_number: d };
    }
  }

  // ---- Tokenization (cardNumber frame) -------------------------------------------------------

  /** Asks the sibling frames for their values; resolves with one answer per field. */
  function collect(requestId, fields) {
    return new Promise((resolve, reject) => {
      const answers = new Map();
      const done = (fn, arg) => {
        clearTimeout(timer);
        channel.removeEventListener('message', onValue);
        fn(arg);
      };
      const timer = setTimeout(() => done(reject, new Error(`no answer from ${fields.join(', ')}`)), 5000);
      function onValue(ev) {
        const v = ev.data || {};
        if (v.type !== 'value' || v.requestId !== requestId || !fields.includes(v.field)) return;
        answers.set(v.field, v);
        if (answers.size === fields.length) done(resolve, [...answers.values()]);
      }
      channel.addEventListener('message', onValue);
      if (fields.length) channel.postMessage({ type: 'collect', requestId, fields });
      else done(resolve, []);
    });
  }

  async function tokenize({ requestId, cardholder, fields, create }) {
    const reply = (result) => toParent('tokenResult', { requestId, ...result });
    const errors = tokenErrors(FIELD, input.value, settings);
    const body = parts();
    try {
      for (const sibling of await collect(requestId, Array.isArray(fields) ? fields : [])) {
        errors.push(...sibling.errors);
        Object.assign(body, sibling.parts);
      }
    } catch (e) {
      return reply({ errors: [{ code: 'secure_fields_unavailable', message: String(e.message || e) }] });
    }
    if (errors.length || !create) return reply({ errors });
    body.cardholder = cardholder || {};
    const query = new URLSearchParams({ public_key: PUBLIC_KEY, locale: LOCALE, js_version: '2.0.0-sandbox' });
    try {
      const res = await fetch(`/v1/card_tokens?${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = await res.json().catch(() => ({ message: `HTTP ${res.status}`, status: res.status, cause: [] }));
      // Only the token answer goes to the page: it holds the first 6 and last 4 digits, never the number.
      return reply(res.ok ? { token: json } : { apiError: json });
    } catch {
      return reply({ errors: [{ code: 'network_error', message: 'Could not reach Mercado Pago.' }] });
    }
  }

  // ---- Wiring ----------------------------------------------------------------------------------

  document.documentElement.lang = LOCALE.slice(0, 2);
  input.autocomplete = kind.autocomplete;
  input.name = kind.name;
  input.inputMode = 'numeric';

  input.addEventListener('input', () => {
    reformat();
    reportBin();
    reportValidity(false);
  });
  input.addEventListener('focus', () => toParent('focus'));
  input.addEventListener('blur', () => {
    touched = true;
    reportValidity(true);
    toParent('blur');
  });
  input.addEventListener('change', () => toParent('change'));
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      toParent('enter'); // the page submits its form, as Enter in an ordinary input would
    }
  });
  // When the page focuses the iframe element itself (a click on its container, fields.focus()).
  window.addEventListener('focus', () => input.focus());

  window.addEventListener('message', (ev) => {
    if (ev.source !== window.parent || (PARENT_ORIGIN !== 'null' && ev.origin !== PARENT_ORIGIN)) return;
    const m = ev.data;
    if (!m || m.channel !== FROM_SDK || m.instance !== INSTANCE) return;
    if (m.type === 'init' || m.type === 'update') apply(m);
    else if (m.type === 'blur') input.blur();
    else if (m.type === 'tokenize' && FIELD === 'cardNumber') tokenize(m);
  });

  channel.addEventListener('message', (ev) => {
    const m = ev.data || {};
    if (m.type === 'collect' && Array.isArray(m.fields) && m.fields.includes(FIELD)) {
      channel.postMessage({ type: 'value', requestId: m.requestId, field: FIELD, parts: parts(), errors: tokenErrors(FIELD, input.value, settings) });
    }
  });

  toParent('ready');
})();
