/*
 * MercadoPago.js v2 stand-in, served by the offline Mercado Pago sandbox at GET /js/v2.
 *
 * A merchant page loads it exactly like the real SDK, only from the sandbox's address:
 *   <script src="http://127.0.0.1:8181/js/v2"></script>
 *   const mp = new MercadoPago('TEST-sandbox-public-key', { locale: 'es-AR' });
 *   const cardForm = mp.cardForm({ amount: '100.00', iframe: true, form: {...}, callbacks: {...} });
 *
 * What it offers (the documented API of MercadoPago.js v2,
 * https://github.com/mercadopago/sdk-js/tree/main/docs; see docs/mercadopago.md#mercadopagojs):
 *   - core methods: getIdentificationTypes, getPaymentMethods, getIssuers, getInstallments,
 *     createCardToken;
 *   - mp.cardForm(...): fills the identification, issuer and installment selects, creates the
 *     card token on submit, keeps it in the hidden input MPHiddenInputToken;
 *   - Secure Fields (cardForm `iframe: true`, or mp.fields.create(...).mount(id)): the card
 *     number, expiry and security code live in iframes served by the sandbox origin
 *     (/secure-fields/field.html); the merchant page only ever sees the token.
 *
 * The API origin is the origin this script was loaded from; it calls nothing else. No eval, no
 * inline handlers or styles (it works under a CSP without 'unsafe-inline'), no dependencies.
 */
(() => {
  'use strict';

  // ---- Where the sandbox lives -------------------------------------------------------------

  const SCRIPT_SRC = document.currentScript && document.currentScript.src;
  if (!SCRIPT_SRC) throw new Error('MercadoPago.js: load this file with <script src="…/js/v2">');
  const API_ORIGIN = new URL(SCRIPT_SRC).origin;
  const FIELD_PAGE = `${API_ORIGIN}/secure-fields/field.html`;
  const TO_FRAME = 'mp-sandbox-sdk'; // `channel` of messages this page posts to Secure Fields
  const FROM_FRAME = 'mp-sandbox-field'; // `channel` of messages the Secure Fields post here
  const SECURE_FIELDS = ['cardNumber', 'expirationDate', 'expirationMonth', 'expirationYear', 'securityCode'];

  /** Default accessible names of the Secure Fields, by page language. */
  const LABELS = {
    es: { cardNumber: 'Número de tarjeta', expirationDate: 'Fecha de vencimiento (MM/AA)', expirationMonth: 'Mes de vencimiento',
      expirationYear: 'Año de vencimiento', securityCode: 'Código de seguridad', frame: 'campo seguro' },
    pt: { cardNumber: 'Número do cartão', expirationDate: 'Data de vencimento (MM/AA)', expirationMonth: 'Mês de vencimento',
      expirationYear: 'Ano de vencimento', securityCode: 'Código de segurança', frame: 'campo seguro' },
    en: { cardNumber: 'Card number', expirationDate: 'Expiration date (MM/YY)', expirationMonth: 'Expiration month',
      expirationYear: 'Expiration year', securityCode: 'Security code', frame: 'secure field' },
  };

  /** Random id (crypto.randomUUID needs a secure context; merchant pages may be plain http). */
  function randomId() {
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /** Shows an exception thrown by a merchant callback without breaking the SDK's own flow. */
  function report(error) {
    if (typeof window.reportError === 'function') window.reportError(error);
    else setTimeout(() => { throw error; });
  }

  // ---- Validation rules (also used by the Secure Field frames, through MercadoPago.rules) -------

  const digits = (s) => String(s == null ? '' : s).replace(/\D/g, '');
  const fullYear = (y) => (y.length <= 2 ? 2000 + Number(y) : Number(y));

  function luhnValid(d) {
    let sum = 0;
    for (let i = 0; i < d.length; i++) {
      let n = d.charCodeAt(d.length - 1 - i) - 48;
      if (i % 2 === 1) n = n * 2 > 9 ? n * 2 - 9 : n * 2;
      sum += n;
    }
    return d.length > 0 && sum % 10 === 0;
  }

  const usualLength = (d) => (/^3[47]/.test(d) ? 15 : /^3[068]/.test(d) ? 14 : 16);
  const splitExpiry = (v) => (v.includes('/') ? v.split('/') : [v.slice(0, 2), v.slice(2)]);

  /**
   * onValidityChange problems of one card field: [{code, message, field}], code being
   * invalid_type | invalid_length | invalid_value. `final` is false while the buyer is typing
   * (only problems that typing more cannot fix). Empty values are left to tokenization.
   */
  function validate(field, value, cfg, final, now = new Date()) {
    const v = String(value == null ? '' : value).trim();
    if (!v) return [];
    const err = (f, code, message) => [{ code, message, field: f }];
    if (field === 'cardNumber') {
      const d = v.replace(/[\s-]/g, '');
      const len = cfg && cfg.length;
      const want = len ? `'${len}'` : "between '13' and '19'";
      if (/\D/.test(d)) return err(field, 'invalid_type', 'cardNumber should be a number.');
      if (d.length > (len || 19)) return err(field, 'invalid_length', `cardNumber should be of length ${want}.`);
      if (len ? d.length < len : d.length < usualLength(d)) {
        return final ? err(field, 'invalid_length', `cardNumber should be of length ${want}.`) : [];
      }
      if ((cfg && cfg.validation) !== 'none' && !luhnValid(d)) {
        return err(field, 'invalid_value', 'card number rejected on Luhn Validation.');
      }
      return [];
    }
    if (field === 'securityCode') {
      const len = cfg && cfg.length;
      if (/\D/.test(v)) return err(field, 'invalid_type', 'securityCode should be a number.');
      if (v.length > (len || 4) || (final && v.length < (len || 3))) {
        return err(field, 'invalid_length', `securityCode should be of length '${len || 3}'.`);
      }
      return [];
    }
    if (field === 'expirationDate') {
      const [m, y = ''] = splitExpiry(v);
      const problems = [
        ...validate('expirationMonth', m, cfg, final || y !== '', now),
        ...validate('expirationYear', y, cfg, final, now),
      ];
      return problems.length || !final || !y ? problems : expired(m, y, now);
    }
    if (/\D/.test(v)) return err(field, 'invalid_type', `${field} should be a number.`);
    if (field === 'expirationMonth') {
      const bad = (v.length === 2 || final) && (Number(v) < 1 || Number(v) > 12);
      return bad ? err(field, 'invalid_value', 'expirationMonth should be a value from 1 to 12.') : [];
    }
    if (field === 'expirationYear') {
      if (v.length > 4 || (final && v.length !== 2 && v.length !== 4)) {
        return err(field, 'invalid_length', "expirationYear should be of length '2' or '4'.");
      }
      if (final && fullYear(v) < now.getFullYear()) {
        return err(field, 'invalid_value', `expirationYear should be greater or equal than ${now.getFullYear()}.`);
      }
    }
    return [];
  }

  function expired(m, y, now) {
    const year = fullYear(y);
    const month = Number(m);
    if (year > now.getFullYear() || (year === now.getFullYear() && month >= now.getMonth() + 1)) return [];
    return [{
      code: 'invalid_value',
      field: year < now.getFullYear() ? 'expirationYear' : 'expirationMonth',
      message: `expirationMonth value should be greater than '${now.getMonth()}' or `
        + `expirationYear value should be greater than '${now.getFullYear()}'.`,
    }];
  }

  /**
   * Card-data error codes and messages documented for tokenization
   * (https://www.mercadopago.com.mx/developers/en/docs/checkout-api-payments/response-handling/data-insertion-errors).
   */
  const TOKEN_CODES = {
    cardNumber: ['205', 'Enter card number.', 'E301', 'Enter a valid card number.'],
    securityCode: ['224', 'Enter security code.', 'E203', 'Check security code.'],
    expirationMonth: ['208', 'Select month.', '325', 'Invalid month.'],
    expirationYear: ['209', 'Select year.', '326', 'Invalid year.'],
  };

  /** Tokenization errors of one card field: [{code, message, field}] (empty → 205/208/209/224). */
  function tokenErrors(field, value, cfg) {
    const v = String(value == null ? '' : value).trim();
    const empty = (part) => ({ code: TOKEN_CODES[part][0], message: TOKEN_CODES[part][1], field });
    if (field === 'expirationDate') {
      const [m, y = ''] = v.split('/');
      if (!m || !y) return [...(m ? [] : [empty('expirationMonth')]), ...(y ? [] : [empty('expirationYear')])];
    } else if (!v) {
      return field === 'securityCode' && cfg && cfg.mode === 'optional' ? [] : [empty(field)];
    }
    return validate(field, v, cfg, true).map((e) => ({ code: TOKEN_CODES[e.field][2], message: TOKEN_CODES[e.field][3], field }));
  }

  /** Errors of the non-card fields of a card form (names and documents; same page's codes). */
  function holderErrors({ cardholderName, identificationType, identificationNumber }, types, needsId) {
    const errors = [];
    const e = (code, message, field) => errors.push({ code, message, field });
    if (!String(cardholderName || '').trim()) e('221', 'Enter name and surname.', 'cardholderName');
    if (!needsId || !types.length) return errors;
    const type = types.find((t) => t.id === identificationType);
    if (!identificationType) e('212', 'Enter your ID type.', 'identificationType');
    else if (!type) e('322', 'Invalid ID type.', 'identificationType');
    const n = identificationNumber || '';
    if (!n) e('214', 'Enter your ID.', 'identificationNumber');
    else if (type && ((type.type === 'number' && /\D/.test(n)) || n.length < type.min_length || n.length > type.max_length)) {
      e('324', 'Invalid ID.', 'identificationNumber');
    }
    return errors;
  }

  /** Which form field a POST /v1/card_tokens cause code is about. */
  const CAUSE_FIELDS = {
    2131: 'cardNumber', 3015: 'cardNumber', 3016: 'cardNumber', 3017: 'cardNumber', 3034: 'cardNumber',
    3018: 'expirationMonth', 3029: 'expirationMonth', 3019: 'expirationYear', 3030: 'expirationYear', 7523: 'expirationDate',
    3012: 'securityCode', 3013: 'securityCode', 3032: 'securityCode', 3000: 'cardholderName', 3020: 'cardholderName',
    3021: 'identificationNumber', 3022: 'identificationType', 2067: 'identificationNumber',
  };

  /** The API's error envelope ({message, cause:[{code, description}]}) as [{code, message, field}]. */
  function apiTokenErrors(body) {
    const { cause, status, message } = body || {};
    const causes = Array.isArray(cause) && cause.length ? cause : [{ code: status || 'error', description: message }];
    return causes.map((c) => ({ code: String(c.code), message: c.description || message || 'Check data.', field: CAUSE_FIELDS[c.code] }));
  }

  /** The card_tokens `cardholder` object; identification only when there is one. */
  function cardholderOf(name, type, number) {
    const cardholder = { name: String(name || '').trim() };
    if (type || number) cardholder.identification = { type, number };
    return cardholder;
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  /** An Error carrying Mercado Pago's envelope fields (message, error, status, cause). */
  function apiError(body) {
    return Object.assign(new Error(body.message || 'Mercado Pago API error'), body);
  }

  async function request(mp, method, path, params = {}, body = undefined) {
    const url = new URL(path, API_ORIGIN);
    url.searchParams.set('public_key', mp.publicKey);
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
    let res;
    try {
      res = await fetch(url.href, {
        method,
        credentials: 'omit',
        headers: body ? { 'Content-Type': 'application/json' } : undefined,
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch {
      throw apiError({ message: 'Could not reach Mercado Pago.', error: 'network_error', status: 0, cause: [] });
    }
    const json = await res.json().catch(() => null);
    if (res.ok) return json;
    throw apiError(json && typeof json === 'object' ? json : { message: `HTTP ${res.status}`, error: 'http_error', status: res.status, cause: [] });
  }

  /** POST /v1/card_tokens from this page (iframe: false and the core method): {token} or {errors}. */
  async function postCardToken(mp, body) {
    try {
      return { token: await request(mp, 'POST', '/v1/card_tokens', { locale: mp.locale, js_version: '2.0.0-sandbox' }, body) };
    } catch (e) {
      return { errors: apiTokenErrors(e) };
    }
  }

  // ---- Secure Fields: the iframes and the messages with them ------------------------------------

  /**
   * One group of Secure Field iframes sharing an instance id (one card form, or mp.fields).
   * `notify(field, type, message)` receives what the frames report: ready, focus, blur, change,
   * enter, binChange {bin}, validityChange {errors}.
   */
  class SecureFields {
    constructor(mp, notify) {
      this.mp = mp;
      this.notify = notify;
      this.instance = randomId();
      this.entries = new Map(); // field → {iframe, container, options, settings, ready, markReady}
      this.pending = new Map(); // tokenize requestId → resolve
      this.seq = 0;
      this.abort = new AbortController();
      window.addEventListener('message', (ev) => this.receive(ev), { signal: this.abort.signal });
    }

    mount(field, container, options = {}) {
      this.unmountField(field);
      const label = this.mp.labels[field];
      const src = new URL(FIELD_PAGE);
      const { publicKey, locale } = this.mp;
      src.search = new URLSearchParams({ field, instance: this.instance, origin: location.origin, publicKey, locale });
      const iframe = document.createElement('iframe');
      iframe.src = src.href;
      iframe.title = `${label} (${this.mp.labels.frame})`;
      iframe.name = `mp-secure-field-${field}`;
      iframe.setAttribute('scrolling', 'no');
      iframe.setAttribute('frameborder', '0');
      // Size it like an input. CSSOM property writes (never a style attribute) pass a strict CSP.
      const boxHeight = parseFloat(getComputedStyle(container).height) > 0;
      const styleHeight = options.style && /^\d+(\.\d+)?(px|em|rem)$/.test(options.style.height || '') ? options.style.height : '';
      Object.assign(iframe.style, {
        display: 'block', width: '100%', height: boxHeight ? '100%' : styleHeight || '2.5em',
        border: '0', margin: '0', padding: '0', overflow: 'hidden', background: 'transparent',
      });
      const entry = { field, iframe, container, options: { ...options }, settings: null };
      entry.ready = new Promise((resolve) => { entry.markReady = resolve; });
      // A click on the container's padding focuses the input inside (the frame forwards focus).
      entry.onClick = (ev) => { if (ev.target === container) iframe.focus(); };
      container.addEventListener('click', entry.onClick);
      container.replaceChildren(iframe);
      this.entries.set(field, entry);
      return entry;
    }

    unmountField(field) {
      const entry = this.entries.get(field);
      if (!entry) return;
      entry.container.removeEventListener('click', entry.onClick);
      entry.iframe.remove();
      this.entries.delete(field);
    }

    destroy() {
      for (const field of [...this.entries.keys()]) this.unmountField(field);
      for (const resolve of this.pending.values()) resolve({ errors: [{ code: 'unmounted', message: 'The form was unmounted.' }] });
      this.pending.clear();
      this.abort.abort();
    }

    /** Resolves when every mounted frame has loaded and reported `ready`. */
    get ready() {
      return Promise.all([...this.entries.values()].map((e) => e.ready));
    }

    post(entry, message) {
      entry.iframe.contentWindow.postMessage({ channel: TO_FRAME, instance: this.instance, ...message }, API_ORIGIN);
    }

    /** Placeholder, style, settings ({length, validation} / {length, mode}) of one field. */
    update(field, props = {}) {
      const entry = this.entries.get(field);
      if (!entry) return;
      const message = { type: 'update' };
      if ('placeholder' in props) {
        entry.options.placeholder = props.placeholder;
        message.placeholder = props.placeholder;
        message.ariaLabel = this.ariaLabel(entry);
      }
      if (props.style) message.style = entry.options.style = props.style;
      if ('settings' in props) message.settings = entry.settings = props.settings || null;
      if (entry.isReady) this.post(entry, message);
    }

    ariaLabel(entry) {
      return entry.options.srLabel || entry.options.placeholder || this.mp.labels[entry.field];
    }

    focus(field) {
      const entry = this.entries.get(field);
      if (entry) entry.iframe.focus();
    }

    blur(field) {
      const entry = this.entries.get(field);
      if (entry && entry.isReady) this.post(entry, { type: 'blur' });
    }

    receive(ev) {
      const m = ev.data;
      if (ev.origin !== API_ORIGIN || !m || m.channel !== FROM_FRAME || m.instance !== this.instance) return;
      const entry = this.entries.get(m.field);
      if (!entry || ev.source !== entry.iframe.contentWindow) return; // only our own frames
      if (m.type === 'ready') {
        entry.isReady = true;
        const { placeholder = '', style, mode } = entry.options;
        this.post(entry, { type: 'init', placeholder, ariaLabel: this.ariaLabel(entry), style, mode, settings: entry.settings });
        entry.markReady();
      } else if (m.type === 'tokenResult') {
        const resolve = this.pending.get(m.requestId);
        this.pending.delete(m.requestId);
        if (resolve) resolve(m.token ? { token: m.token } : { errors: m.apiError ? apiTokenErrors(m.apiError) : m.errors || [] });
        return;
      }
      this.notify(m.field, m.type, m);
    }

    /**
     * Asks the cardNumber frame to tokenize: it gathers the sibling frames' values and POSTs
     * /v1/card_tokens itself. `create: false` only validates. Resolves {token} or {errors}.
     */
    tokenize({ cardholderName, identificationType, identificationNumber } = {}, create = true) {
      const card = this.entries.get('cardNumber');
      if (!card || !card.isReady) {
        return Promise.resolve({ errors: [{ code: 'not_ready', message: 'The card number field is not mounted or not loaded yet.' }] });
      }
      const requestId = ++this.seq;
      const cardholder = cardholderOf(cardholderName, identificationType, identificationNumber);
      const fields = [...this.entries.keys()].filter((f) => f !== 'cardNumber');
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          this.pending.delete(requestId);
          resolve({ errors: [{ code: 'timeout', message: 'The secure fields did not answer.' }] });
        }, 30000);
        this.pending.set(requestId, (result) => { clearTimeout(timer); resolve(result); });
        this.post(card, { type: 'tokenize', requestId, cardholder, fields, create });
      });
    }
  }

  // ---- mp.fields: Secure Fields without cardForm -------------------------------------------------

  class Field {
    constructor(module, type, options) {
      if (!SECURE_FIELDS.includes(type)) throw new Error(`MercadoPago.js: unknown field type "${type}"`);
      this.module = module;
      this.type = type;
      this.options = options || {};
      this.listeners = {};
    }

    mount(containerId) {
      const container = document.getElementById(containerId);
      if (!container) throw new Error(`MercadoPago.js: no element with id "${containerId}"`);
      this.module.fieldsByType.set(this.type, this);
      this.module.group().mount(this.type, container, this.options);
      return this;
    }

    unmount() {
      this.module.group().unmountField(this.type);
      this.module.fieldsByType.delete(this.type);
      return this;
    }

    on(event, callback) {
      (this.listeners[event] = this.listeners[event] || []).push(callback);
      return this;
    }

    emit(event, payload) {
      for (const cb of this.listeners[event] || []) {
        try { cb(payload); } catch (e) { report(e); }
      }
    }

    update(properties) {
      this.module.group().update(this.type, properties || {});
      return this;
    }

    focus() { this.module.group().focus(this.type); return this; }

    blur() { this.module.group().blur(this.type); return this; }
  }

  class FieldsModule {
    constructor(mp) {
      this.mp = mp;
      this.fieldsByType = new Map();
      this.secure = null;
    }

    group() {
      if (!this.secure) {
        this.secure = new SecureFields(this.mp, (field, type, m) => {
          const target = this.fieldsByType.get(field);
          if (!target) return;
          if (type === 'binChange') target.emit('binChange', { bin: m.bin, field });
          else if (type === 'validityChange') target.emit('validityChange', { field, errorMessages: m.errors || [] });
          else target.emit(type, { field });
        });
      }
      return this.secure;
    }

    create(type, options) {
      return new Field(this, type, options);
    }

    /** Token from the mounted fields plus the non-PCI data; rejects with [{code, message, field}]. */
    async createCardToken(nonPCIData = {}) {
      const result = await this.group().tokenize(nonPCIData, true);
      if (result.errors) throw result.errors;
      return result.token;
    }

    focus(type = 'cardNumber') { this.group().focus(type); }

    blur(type = 'cardNumber') { this.group().blur(type); }
  }

  // ---- cardForm ------------------------------------------------------------------------------

  /** Merchant pages also use the older key names for the expiry fields. */
  const FORM_ALIASES = {
    cardExpirationDate: 'expirationDate', cardExpirationMonth: 'expirationMonth', cardExpirationYear: 'expirationYear',
  };
  /** Hidden inputs the SDK keeps in the form, as the real one does. */
  const HIDDEN = {
    token: 'MPHiddenInputToken', paymentMethod: 'MPHiddenInputPaymentMethod', processingMode: 'MPHiddenInputProcessingMode',
  };

  function fillSelect(select, items, placeholder, selected) {
    const options = items.map(([value, text]) => new Option(text, value));
    if (placeholder) {
      const first = new Option(placeholder, '');
      first.disabled = true;
      options.unshift(first);
    }
    select.replaceChildren(...options);
    select.value = selected != null && items.some(([v]) => v === selected) ? selected : items.length ? items[0][0] : '';
  }

  class CardForm {
    constructor(mp, options = {}) {
      this.mp = mp;
      this.options = options;
      this.callbacks = options.callbacks || {};
      this.amount = options.amount == null ? '' : String(options.amount);
      this.iframe = options.iframe === true;
      this.processingMode = options.processingMode || 'aggregator';
      this.map = {};
      for (const [key, value] of Object.entries(options.form || {})) this.map[FORM_ALIASES[key] || key] = value;
      this.mounted = false;
      if (typeof this.callbacks.onFormMounted !== 'function') console.warn('MercadoPago.js: callbacks.onFormMounted is required');
      if (options.autoMount !== false) this.mount();
    }

    fire(name, ...args) {
      const cb = this.callbacks[name];
      if (typeof cb !== 'function') return undefined;
      try { return cb(...args); } catch (e) { report(e); return undefined; }
    }

    /** Runs one API call between onFetching(resource) and the cleanup function it may return. */
    async fetching(resource, call) {
      const done = this.fire('onFetching', resource);
      try {
        return await call();
      } finally {
        if (typeof done === 'function') {
          try { done(); } catch (e) { report(e); }
        }
      }
    }

    fail(callback, error) {
      this.fire(callback, error);
      this.fire('onError', Array.isArray(error) ? error : [{ message: error.message, cause: error.cause }]);
    }

    /** Finds the mapped elements; returns an Error describing the first problem. */
    resolveElements() {
      const byId = (key) => (this.map[key] && this.map[key].id ? document.getElementById(this.map[key].id) : null);
      const form = document.getElementById(this.map.id || '');
      if (!form || form.tagName !== 'FORM') return new Error(`form.id: no <form id="${this.map.id}">`);
      if (!this.amount) return new Error('amount is required');
      const el = { form };
      for (const key of Object.keys(this.map)) if (key !== 'id') el[key] = byId(key);
      const needed = ['cardNumber', 'securityCode', 'cardholderName', 'issuer', 'installments'];
      needed.push(...(this.map.expirationDate ? ['expirationDate'] : ['expirationMonth', 'expirationYear']));
      for (const key of needed) if (!el[key]) return new Error(`form.${key}: element not found`);
      for (const key of SECURE_FIELDS.filter((k) => el[k])) {
        const isDiv = el[key].tagName === 'DIV';
        if (this.iframe && !isDiv) return new Error(`form.${key} must be a <div> when iframe is true`);
        if (!this.iframe && isDiv) return new Error(`form.${key} must be an <input> or <select> when iframe is false`);
      }
      this.el = el;
      return null;
    }

    placeholder(key) {
      return this.map[key] && this.map[key].placeholder;
    }

    async mount() {
      if (this.mounted) return;
      const problem = this.resolveElements();
      if (problem) return this.fail('onFormMounted', problem);
      this.mounted = true;
      this.abort = new AbortController();
      const on = (target, type, fn) => target.addEventListener(type, fn, { signal: this.abort.signal });
      const { el } = this;
      this.identificationTypes = [];
      this.settings = {};
      this.validity = {};
      this.hidden = {};
      for (const [key, name] of Object.entries(HIDDEN)) {
        const input = el.form.querySelector(`#${name}`) || el.form.appendChild(document.createElement('input'));
        Object.assign(input, { type: 'hidden', id: name, name, value: '' });
        this.hidden[key] = input;
      }
      this.hidden.processingMode.value = this.processingMode;
      for (const key of ['cardholderName', 'cardholderEmail', 'identificationNumber', ...SECURE_FIELDS]) {
        const text = this.placeholder(key);
        if (text && el[key] && el[key].tagName === 'INPUT' && !el[key].placeholder) el[key].placeholder = text;
      }
      for (const key of ['issuer', 'installments']) fillSelect(el[key], [], this.placeholder(key));

      if (this.iframe) {
        this.secure = new SecureFields(this.mp, (field, type, m) => this.onFrameEvent(field, type, m));
        for (const key of SECURE_FIELDS.filter((k) => el[k])) this.secure.mount(key, el[key], this.map[key]);
      } else {
        for (const key of SECURE_FIELDS.filter((k) => el[k])) {
          on(el[key], 'input', () => this.onPlainInput(key, false));
          on(el[key], 'change', () => this.onPlainInput(key, false));
          on(el[key], 'blur', () => this.onPlainInput(key, true));
        }
      }
      on(el.issuer, 'change', () => this.loadInstallments());
      on(el.form, 'submit', (event) => this.onFormSubmit(event));

      let error;
      let types;
      if (el.identificationType) {
        try {
          types = await this.fetching('identificationTypes', () => this.mp.getIdentificationTypes());
        } catch (e) {
          error = e;
        }
        if (!this.mounted) return;
        this.identificationTypes = types || [];
        // An empty list (Mercado Pago México) leaves the merchant's select alone.
        if (this.identificationTypes.length) {
          const items = this.identificationTypes.map((t) => [t.id, t.name]);
          fillSelect(el.identificationType, items, this.placeholder('identificationType'));
        }
        if (error) this.fail('onIdentificationTypesReceived', error);
        else this.fire('onIdentificationTypesReceived', undefined, this.identificationTypes);
      }
      this.fire('onFormMounted', undefined);
      if (this.secure) {
        // Frames that never load are most often a CSP without `frame-src <sandbox origin>`.
        const message = `MercadoPago.js: the secure fields have not loaded from ${API_ORIGIN} (check the page's CSP frame-src)`;
        const slow = setTimeout(() => this.mounted && this.fire('onError', [{ message }]), 15000);
        await this.secure.ready;
        clearTimeout(slow);
      }
      if (this.mounted) this.fire('onReady');
    }

    unmount() {
      if (!this.mounted) return;
      this.mounted = false;
      this.abort.abort();
      if (this.secure) this.secure.destroy();
      this.secure = null;
      for (const input of Object.values(this.hidden)) input.remove();
      for (const key of ['issuer', 'installments']) fillSelect(this.el[key], [], this.placeholder(key));
      this.bin = null;
      this.fire('onFormUnmounted', undefined);
    }

    /** What the Secure Field frames report. */
    onFrameEvent(field, type, m) {
      if (type === 'binChange') this.onBin(m.bin);
      else if (type === 'validityChange') this.fire('onValidityChange', m.errors || undefined, field);
      else if (type === 'enter') this.submit();
    }

    /** iframe: false — the card inputs are the page's own. */
    onPlainInput(field, final) {
      const value = this.el[field].value;
      if (field === 'cardNumber') {
        const d = digits(value);
        this.onBin(d.length >= 8 ? d.slice(0, 8) : null);
      }
      const errors = validate(field, value, this.settings[field], final);
      const key = JSON.stringify(errors);
      if (key === (this.validity[field] || '[]')) return;
      this.validity[field] = key;
      this.fire('onValidityChange', errors.length ? errors : undefined, field);
    }

    /** The card's BIN appeared, changed or went: look up payment method, issuers, installments. */
    async onBin(bin) {
      if (bin === this.bin) return;
      this.bin = bin;
      const seq = (this.binSeq = (this.binSeq || 0) + 1);
      this.installmentsSeq = (this.installmentsSeq || 0) + 1; // drop installments still in flight
      this.paymentMethod = null;
      this.merchantAccountId = '';
      this.hidden.paymentMethod.value = '';
      this.setCardSettings(null);
      fillSelect(this.el.issuer, [], this.placeholder('issuer'));
      fillSelect(this.el.installments, [], this.placeholder('installments'));
      if (!bin) return;
      this.fire('onBinChange', bin);

      let results;
      try {
        const { processingMode } = this;
        const page = await this.fetching('paymentMethods', () => this.mp.getPaymentMethods({ bin, processingMode }));
        results = page.results || [];
      } catch (e) {
        if (seq === this.binSeq) this.fail('onPaymentMethodsReceived', e);
        return;
      }
      if (seq !== this.binSeq) return;
      if (!results.length) {
        const error = apiError({ message: `No payment method found for BIN ${bin}`, error: 'not_found', status: 404, cause: [] });
        return this.fail('onPaymentMethodsReceived', error);
      }
      const pm = results[0];
      this.paymentMethod = pm;
      this.hidden.paymentMethod.value = pm.id;
      this.setCardSettings((pm.settings && pm.settings[0]) || null);
      this.fire('onPaymentMethodsReceived', undefined, results);

      let issuers;
      if ((pm.additional_info_needed || []).includes('issuer_id')) {
        try {
          issuers = await this.fetching('issuers', () => this.mp.getIssuers({ paymentMethodId: pm.id, bin }));
        } catch (e) {
          if (seq === this.binSeq) this.fail('onIssuersReceived', e);
          return;
        }
        if (seq !== this.binSeq) return;
      } else {
        issuers = pm.issuer ? [pm.issuer] : [];
      }
      const preferred = pm.issuer ? String(pm.issuer.id) : null;
      fillSelect(this.el.issuer, issuers.map((i) => [String(i.id), i.name]), this.placeholder('issuer'), preferred);
      this.fire('onIssuersReceived', undefined, issuers);
      await this.loadInstallments();
    }

    /** Card number length/validation and security code length/mode of the payment method. */
    setCardSettings(s) {
      this.settings = { cardNumber: s ? s.card_number : null, securityCode: s ? s.security_code : null };
      if (this.secure) {
        this.secure.update('cardNumber', { settings: this.settings.cardNumber });
        this.secure.update('securityCode', { settings: this.settings.securityCode });
      }
    }

    async loadInstallments() {
      const pm = this.paymentMethod;
      if (!pm || !this.bin) return;
      const seq = (this.installmentsSeq = (this.installmentsSeq || 0) + 1);
      let data;
      try {
        const { amount, bin, processingMode } = this;
        const query = { amount, bin, paymentMethodId: pm.id, issuerId: this.el.issuer.value, processingMode };
        data = await this.fetching('installments', () => this.mp.getInstallments(query));
      } catch (e) {
        if (seq === this.installmentsSeq) {
          fillSelect(this.el.installments, [], this.placeholder('installments'));
          this.fail('onInstallmentsReceived', e);
        }
        return;
      }
      if (seq !== this.installmentsSeq) return;
      const entry = (data && data[0]) || { payer_costs: [] };
      this.merchantAccountId = entry.merchant_account_id || '';
      const items = entry.payer_costs.map((c) => [String(c.installments), c.recommended_message]);
      fillSelect(this.el.installments, items, this.placeholder('installments'));
      this.fire('onInstallmentsReceived', undefined, entry);
    }

    holderData() {
      const value = (key) => (this.el[key] ? String(this.el[key].value || '').trim() : '');
      const type = this.identificationTypes.find((t) => t.id === value('identificationType'));
      const number = value('identificationNumber');
      return {
        cardholderName: value('cardholderName'),
        identificationType: value('identificationType'),
        identificationNumber: type && type.type === 'number' ? number.replace(/[.\-\s]/g, '') : number,
      };
    }

    /** The page's own card inputs (iframe: false): the card_tokens body and the problems with it. */
    plainCard() {
      const value = (key) => (this.el[key] ? String(this.el[key].value || '').trim() : '');
      const [month = '', year = ''] = this.el.expirationDate
        ? splitExpiry(value('expirationDate'))
        : [value('expirationMonth'), value('expirationYear')];
      // With separate month/year inputs, 208/325 are about the month and 209/326 about the year.
      const expiryField = (code) => {
        if (this.el.expirationDate) return 'expirationDate';
        return /^(209|326)$/.test(code) ? 'expirationYear' : 'expirationMonth';
      };
      const errors = [
        ...tokenErrors('cardNumber', value('cardNumber'), this.settings.cardNumber),
        ...tokenErrors('expirationDate', month || year ? `${month}/${year}` : '', null).map((e) => ({ ...e, field: expiryField(e.code) })),
        ...tokenErrors('securityCode', value('securityCode'), this.settings.securityCode),
      ];
      const body = {
        card_number: digits(value('cardNumber')),
        expiration_month: Number(month),
        expiration_year: fullYear(digits(year)),
        security_code: value('securityCode'),
      };
      return { errors, body };
    }

    /** Creates a card token; fires onCardTokenReceived; resolves {token} or rejects with the errors. */
    async createCardToken() {
      if (!this.mounted) throw [{ code: 'not_mounted', message: 'The card form is not mounted.' }];
      const holder = this.holderData();
      const errors = holderErrors(holder, this.identificationTypes, Boolean(this.el.identificationType));
      const expiryField = this.el.expirationDate ? 'expirationDate' : null;
      const result = await this.fetching('cardToken', async () => {
        if (this.secure) return this.secure.tokenize(holder, errors.length === 0);
        const card = this.plainCard();
        if (errors.length || card.errors.length) return { errors: card.errors };
        const cardholder = cardholderOf(holder.cardholderName, holder.identificationType, holder.identificationNumber);
        return postCardToken(this.mp, { ...card.body, cardholder });
      });
      for (const e of result.errors || []) {
        errors.push(expiryField && /^expiration/.test(e.field || '') ? { ...e, field: expiryField } : e);
      }
      if (errors.length || !result.token) {
        this.hidden.token.value = '';
        this.fail('onCardTokenReceived', errors);
        throw errors;
      }
      this.hidden.token.value = result.token.id;
      this.fire('onCardTokenReceived', undefined, { token: result.token.id });
      return { token: result.token.id };
    }

    /** The form's submit: no navigation; token first, then onSubmit (or a plain POST without it). */
    async onFormSubmit(event) {
      event.preventDefault();
      if (this.submitting) return;
      this.submitting = true;
      try {
        await this.createCardToken();
      } catch {
        return; // already reported through onCardTokenReceived and onError
      } finally {
        this.submitting = false;
      }
      if (typeof this.callbacks.onSubmit === 'function') this.fire('onSubmit', event);
      else this.el.form.submit(); // the hidden inputs carry the token to the form's action
    }

    submit() {
      if (!this.mounted) return;
      if (typeof this.el.form.requestSubmit === 'function') this.el.form.requestSubmit();
      else this.el.form.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
    }

    /** update('amount', '200.00') refetches installments; update(field, {placeholder, style}). */
    update(field, properties) {
      if (field === 'amount') {
        this.amount = String(properties && typeof properties === 'object' ? properties.amount : properties);
        return this.mounted ? this.loadInstallments() : undefined;
      }
      const props = properties || {};
      if (this.map[field] && props.placeholder !== undefined) this.map[field].placeholder = props.placeholder;
      if (!this.mounted) return undefined;
      if (this.secure && SECURE_FIELDS.includes(field)) return this.secure.update(field, props);
      const el = this.el[field];
      if (!el || props.placeholder === undefined) return undefined;
      if (el.tagName === 'SELECT') {
        const first = el.options[0];
        if (first && first.value === '' && first.disabled) first.text = props.placeholder;
      } else {
        el.placeholder = props.placeholder;
      }
      return undefined;
    }

    getCardFormData() {
      const value = (el) => (el ? String(el.value || '') : '');
      const el = this.el || {};
      return {
        token: value(this.hidden && this.hidden.token),
        installments: value(el.installments),
        paymentMethodId: value(this.hidden && this.hidden.paymentMethod),
        issuerId: value(el.issuer),
        identificationType: value(el.identificationType),
        identificationNumber: value(el.identificationNumber),
        processingMode: this.processingMode,
        merchantAccountId: this.merchantAccountId || '',
        cardholderEmail: value(el.cardholderEmail),
        amount: this.amount,
      };
    }
  }

  // ---- MercadoPago ---------------------------------------------------------------------------

  class MercadoPago {
    constructor(publicKey, options = {}) {
      if (!publicKey || typeof publicKey !== 'string') throw new Error('MercadoPago.js: a public key is required');
      this.publicKey = publicKey;
      this.locale = options.locale || navigator.language || 'es-AR';
      this.labels = LABELS[this.locale.slice(0, 2).toLowerCase()] || LABELS.en;
      this.fields = new FieldsModule(this);
    }

    getIdentificationTypes() {
      return request(this, 'GET', '/v1/identification_types');
    }

    getPaymentMethods({ bin, processingMode } = {}) {
      return request(this, 'GET', '/v1/payment_methods/search', { bins: bin, processing_mode: processingMode, marketplace: 'NONE' });
    }

    getIssuers({ paymentMethodId, bin } = {}) {
      return request(this, 'GET', '/v1/payment_methods/card_issuers', { payment_method_id: paymentMethodId, bin });
    }

    /** `paymentMethodId` and `issuerId` are optional extras (cardForm passes them). */
    getInstallments({ amount, bin, paymentTypeId, processingMode, locale, paymentMethodId, issuerId } = {}) {
      return request(this, 'GET', '/v1/payment_methods/installments', {
        amount, bin, payment_type_id: paymentTypeId, processing_mode: processingMode, locale: locale || this.locale,
        payment_method_id: paymentMethodId, 'issuer.id': issuerId,
      });
    }

    /** Raw card data → token response ({id, …}); rejects with [{code, message, field}]. */
    async createCardToken(data = {}) {
      const month = String(data.cardExpirationMonth == null ? '' : data.cardExpirationMonth);
      const year = String(data.cardExpirationYear == null ? '' : data.cardExpirationYear);
      const errors = data.cardId ? tokenErrors('securityCode', data.securityCode, null) : [
        ...tokenErrors('cardNumber', data.cardNumber, null),
        ...tokenErrors('expirationDate', month || year ? `${month}/${year}` : '', null),
        ...tokenErrors('securityCode', data.securityCode, null),
      ];
      if (errors.length) throw errors;
      const body = data.cardId ? { card_id: data.cardId, security_code: String(data.securityCode) } : {
        card_number: digits(data.cardNumber),
        expiration_month: Number(month),
        expiration_year: fullYear(digits(year)),
        security_code: String(data.securityCode),
        cardholder: cardholderOf(data.cardholderName, data.identificationType, data.identificationNumber),
      };
      const result = await postCardToken(this, body);
      if (result.errors) throw result.errors;
      return result.token;
    }

    cardForm(options) {
      return new CardForm(this, options);
    }
  }

  /** The card-field rules, shared with the Secure Field frames (secure-field.js loads this file). */
  MercadoPago.rules = Object.freeze({ digits, fullYear, splitExpiry, validate, tokenErrors });

  window.MercadoPago = MercadoPago;
})();
