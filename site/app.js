// Checkout. One attempt = one Idempotency-Key, one body, one card token; retries (lost connection,
// 409 request_in_progress, 5xx, a reload: it waits in sessionStorage) resend the same bytes.
// The URL holds what a reload must keep: ?order=<order_id> is the receipt (reload and Back show it,
// never a payable form), ?lang=es|pt|en the language. ?poll_timeout_ms=N (or
// config.poll_timeout_ms) limits the polling of a pending payment (120000).
const LANGS = ['es', 'pt', 'en'];
const $ = (id) => document.getElementById(id);
const F = 'form-checkout';
const field = (k) => $(`${F}__${k}`);
const $$ = (q) => document.querySelectorAll(q);
const KEY = 'checkout.attempt';
const FIELDS = []; // the cardForm's fields, in page order (read from index.html)
const FINAL = ['approved', 'rejected', 'cancelled', 'refunded', 'charged_back', 'failed'];
// Server validation error path (its last part) → field.
const PATHS = {
  token: 'cardNumber', payment_method_id: 'cardNumber', issuer_id: 'issuer', installments: 'installments',
  email: 'cardholderEmail', type: 'identificationType', number: 'identificationNumber',
  identification: 'identificationNumber', transaction_amount: 'total', items: 'total',
};
// MercadoPago.js's codes for an empty field: "Ingresa…", not "Revisa…" (docs/mercadopago.md).
const EMPTY = ['205', '208', '209', '212', '214', '221', '224'];
// Fulfilment data (catalog.json `collect`) as the API names and checks it: [autocomplete, max
// (phone: digits) = 80, min = 1, allowed = no control characters], trimmed.
const U = ['', 10, 0, /^[\p{Alpha}\p{N} ./°-]*$/u];
const X = {
  phone: ['', 20, 6, /^[\d +().-]*$/], first_name: ['given-name'], last_name: ['family-name'],
  street_name: ['address-line1'], street_number: ['', 10, 1, /^[\p{Alpha}\p{N} /-]*$/u],
  floor: U, apartment: U,
  zip_code: ['postal-code', 10, 3, /^[a-z\d -]*$/i], city_name: ['address-level2'], state_name: ['address-level1'],
};
const arg = (k) => new URLSearchParams(location.search).get(k);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const keep = (v) => { try { v ? sessionStorage.setItem(KEY, v) : sessionStorage.removeItem(KEY); } catch {} };
const get = async (u, cache = 'no-store') => { const r = await fetch(u, { cache }); if (!r.ok) throw r; return r.json(); };

let cfg, cat, cardForm, ready, busy, attempt, view, hasTypes, focusCard, costs, sdk;
let lang = 'es';
let T = {};
const LOADED = {}; // texts per language (locales/<lang>.json)
const qty = {};
const why = {}; // the last validity message of each Secure Field

const loc = () => ({ pt: 'pt-BR', en: 'en-US' }[lang] || (/^es-/.test(cfg?.locale) ? cfg.locale : 'es-AR'));
const t = (k, v = {}) => (T[k] ?? T[k.replace(/^m_/, 'e_')] ?? T[k.replace(/_.+/, '_x')] ?? k).replace(/\{(\w+)\}/g, (_, n) => v[n]);
const cents = (s) => { const [i, f = ''] = String(s).split('.'); return i * 100 + Number((f + '00').slice(0, 2)); };
const money = (c) => new Intl.NumberFormat(loc(), { style: 'currency', currency: cat.currency_id }).format(c / 100);
const total = () => cat.products.reduce((s, p) => s + qty[p.sku] * cents(p.unit_price), 0);
const amount = () => ((total() || cents(cat.products[0].unit_price)) / 100).toFixed(2);
const reset = () => cat.products.forEach((p, i) => { qty[p.sku] = +!i; });
const errLine = (k) => h('p', { className: 'err', id: `err-${k}`, 'aria-live': 'polite' });
const named = (p) => (p ? p.name[lang] : '').replace(/(\d) (?=\p{L}{1,3}\b)/gu, '$1\u00a0'); // "1 kg" stays whole

function h(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) k in e ? (e[k] = v) : e.setAttribute(k, v);
  e.append(...kids);
  return e;
}

// Announces to screen readers a text also shown on the page.
function say(text) {
  $('live').textContent = '';
  setTimeout(() => { $('live').textContent = text; }, 50);
}

/** Rewrites the URL's query (null removes a parameter) without a new history entry. */
function setUrl(params) {
  const u = new URL(location.href);
  for (const [k, v] of Object.entries(params)) v == null ? u.searchParams.delete(k) : u.searchParams.set(k, v);
  history.replaceState(history.state, '', u);
}

async function init() {
  for (const [k, [ac]] of Object.entries(X)) field(k) || $('ship').append(h('div', { className: 'f' }, h('label', {}), h('input', { id: `${F}__${k}`, autocomplete: ac })));
  for (const f of $$('.f')) { // each field: its label text and its error line
    const k = f.querySelector('[id^=form]').id.slice(F.length + 2);
    const label = f.firstChild; // <label>, or <span class="lbl"> for a Secure Field
    if (!X[k]) FIELDS.push(k);
    label.dataset.t = k;
    if (label.localName === 'label') label.htmlFor = `${F}__${k}`;
    f.append(errLine(k));
    field(k).setAttribute('aria-describedby', `err-${k}`);
  }
  const pick = (list) => list.map((l) => String(l).slice(0, 2)).find((l) => LANGS.includes(l));
  let saved;
  try { saved = localStorage.getItem('lang'); } catch {}
  const early = pick([arg('lang'), saved, ...navigator.languages]);
  const texts = early && get(`locales/${early}.json`, 'default');
  try {
    [cfg, cat] = await Promise.all([get('config.json'), get('catalog.json')]);
    lang = early || pick([cfg.locale]) || 'es';
    T = LOADED[lang] = await (texts || get(`locales/${lang}.json`, 'default'));
  } catch { return fatal(); }
  reset();
  try { attempt = JSON.parse(sessionStorage.getItem(KEY)); } catch {}
  if (attempt) for (const it of JSON.parse(attempt.body).items) qty[it.sku] = it.quantity;
  $('lang').onchange = (e) => setLang(e.target.value);
  $('products').onclick = step;
  $('retry').onclick = () => (attempt ? send : pay)();
  $('another').onclick = () => back();
  $('again').onclick = () => back(true);
  for (const l of $$('.lbl')) l.onclick = () => l.nextSibling.querySelector('iframe')?.focus();
  // Ahead of the SDK's listener on the form: one token and one request per attempt.
  document.addEventListener('submit', (e) => { e.preventDefault(); e.stopPropagation(); pay(); }, true);
  $('test-mode').hidden = !/^TEST-/.test(cfg.public_key); // Mercado Pago's test credentials
  $('ident').hidden = cfg.site_id === 'MLM'; // Mercado Pago México asks for no document
  trust();
  render();
  const order = arg('order');
  if (attempt) {
    showResult({ status: 'resuming', cents: attempt.total, items: JSON.parse(attempt.body).items }, false);
    send();
  } else if (order) {
    // The receipt: shown once known (or after 5 s), so nothing moves under the buyer's eyes.
    await Promise.race([status(order).then((s) => showResult(s || { status: 'missing' }, false)), sleep(5000)]);
    if (!view) showResult({ order_id: order, status: 'loading' }, false);
  }
  $('main').ariaBusy = false;
  if (attempt || !order) mount();
}

function fatal() {
  $('main').ariaBusy = false;
  notice(T.fatal || 'No pudimos cargar el pago. Recarga la página.');
  $('pay').hidden = true;
}

/** Store name, contact, accepted cards and the merchant's links (catalog.json `merchant`). */
function trust() {
  const m = cat.merchant || {};
  $('brands').replaceChildren(...(cat.card_brands || []).map((b) => h('li', {}, b)));
  $('contact').replaceChildren(...[h('span', { 'data-t': 'contact' }), m.contact_email && h('a', { href: `mailto:${m.contact_email}` }, m.contact_email),
    m.contact_phone && h('a', { href: `tel:${m.contact_phone.replace(/[^+\d]/g, '')}` }, m.contact_phone)].filter(Boolean));
  // The withdrawal link ("Botón de arrepentimiento") is required of Argentine online stores.
  const links = ['terms', 'returns', 'privacy', ...(cat.site_id === 'MLA' ? ['withdrawal'] : [])];
  $('links').replaceChildren(...links.filter((k) => m[`${k}_url`]).map((k) => h('li', {}, h('a', { href: m[`${k}_url`], 'data-t': k }))));
}

async function setLang(l) {
  try {
    T = LOADED[l] ||= await get(`locales/${l}.json`, 'default');
  } catch {
    $('lang').value = lang;
    return notice(t('net'));
  }
  lang = l;
  try { localStorage.setItem('lang', l); } catch {}
  setUrl({ lang: l });
  render();
  relabel();
  if (view?.order_id) status(view.order_id).then((s) => s?.order_id === view?.order_id && showResult(s, false));
}

function texts() {
  document.documentElement.lang = $('lang').value = lang;
  for (const e of $$('[data-t]')) e.textContent = t(e.dataset.t);
  for (const e of $$('.err[data-k]')) if (e.dataset.k) e.textContent = t(...JSON.parse(e.dataset.k));
  $('brands').ariaLabel = t('brands');
  document.querySelector('meta[name=description]').content = t('desc', { store: cat.store_name });
}

function render() {
  texts();
  $('ship').hidden = !cat.collect?.shipping_address;
  field('phone').parentNode.hidden = !cat.collect?.phone;
  document.title = `${t('payment')} · ${$('store').textContent = cat.store_name}`;
  $('products').replaceChildren(...cat.products.map((p) => {
    const name = named(p); const sku = p.sku;
    const btn = (d, k, text) => h('button', { type: 'button', className: 'step', 'data-d': d, 'aria-label': t(k, { name }) }, text);
    return h('li', { className: 'item', 'data-sku': sku },
      h('img', { src: p.image, alt: '', width: 64, height: 64 }),
      h('div', {}, h('h3', {}, name), h('p', {}, p.description[lang]),
        h('p', { className: 'price' }, money(cents(p.unit_price)))),
      h('div', { className: 'qty', role: 'group', 'aria-label': t('qty', { name }) },
        btn(-1, 'dec', '−'), h('output', { id: `q-${sku}` }), btn(1, 'inc', '+')),
      errLine(sku));
  }));
  totals();
  if (view) showResult(view, false);
}

function step(e) {
  const b = e.target.closest('[data-d]');
  if (!b || busy || attempt) return;
  const p = cat.products.find((x) => x.sku === b.closest('li').dataset.sku);
  const n = qty[p.sku] + +b.dataset.d;
  bad(p.sku, n > p.max_quantity && 'max', { n: p.max_quantity });
  if (n < 0 || n > p.max_quantity) return;
  qty[p.sku] = n;
  totals();
  if (total() && ready) cardForm.update('amount', amount());
}

function totals() {
  $('lines').replaceChildren(...cat.products.filter((p) => qty[p.sku]).map((p) => h('li', {},
    h('span', {}, `${qty[p.sku]} × ${named(p)}`), h('span', {}, money(qty[p.sku] * cents(p.unit_price))))));
  $('total').textContent = money(total());
  const n = cat.products.reduce((s, p) => s + qty[p.sku], 0);
  $('count').textContent = n ? `(${t(n === 1 ? 'count1' : 'countN', { n })})` : '';
  for (const p of cat.products) {
    $(`q-${p.sku}`).textContent = qty[p.sku];
    const [dec, inc] = $$(`[data-sku="${p.sku}"] .step`);
    dec.ariaDisabled = qty[p.sku] < 1;
    inc.ariaDisabled = qty[p.sku] >= p.max_quantity;
  }
  payButton();
}

/** Pay: disabled while loading or with an empty cart (saying why); while paying it keeps focus. */
function payButton() {
  const empty = !total();
  $('pay').disabled = !ready || empty;
  $('pay').ariaDisabled = !!(busy || attempt);
  $('pay').ariaBusy = !!busy;
  $('pay-label').textContent = t(busy ? 'paying' : ready ? 'pay' : 'loading', { amount: money(total()) });
  $('err-total').textContent = empty ? t('empty') : '';
}

/** Loads MercadoPago.js and the device script, once. */
function loadSdk() {
  sdk || cfg.device_script_url && document.head.append(h('script', { src: cfg.device_script_url, view: 'checkout' }));
  sdk ||= new Promise((onload, onerror) => document.head.append(h('script', { src: cfg.sdk_url, onload, onerror })));
  return sdk;
}

/** (Re)creates the card form: first load, "pay with another card". */
async function mount() {
  try { await loadSdk(); } catch { return fatal(); }
  try { cardForm?.unmount(); } catch {}
  ready = false;
  costs = null;
  payButton();
  const docType = field('identificationType').value;
  const form = { id: F };
  for (const k of FIELDS) {
    form[k] = { id: `${F}__${k}`, placeholder: hint(k) };
    if (field(k).tagName === 'DIV') { // Secure Fields
      Object.assign(form[k], { style: { fontSize: '16px', color: '#1d1d1b', placeholderColor: '#6b6b6b' }, srLabel: t(k) });
    }
  }
  const me = cardForm = new MercadoPago(cfg.public_key, { locale: loc(), advancedFraudPrevention: !!cfg.fraud_prevention, trackingDisabled: true }).cardForm({
    amount: amount(),
    iframe: true,
    form,
    callbacks: {
      onFormMounted: (error) => error && fatal(),
      onIdentificationTypesReceived: (error, types) => {
        hasTypes = !error && types.length > 0;
        $('ident').hidden = !hasTypes;
        if (types?.some((x) => x.id === docType)) field('identificationType').value = docType;
      },
      onPaymentMethodsReceived: (error) => error && bad('cardNumber', 'e_cardNumber'),
      onInstallmentsReceived: (error, data) => !error && installments(data?.payer_costs),
      onValidityChange: (error, name) => {
        why[name] = error && message(name, error);
        bad(name, why[name]);
      },
      onReady: () => {
        if (me !== cardForm) return;
        ready = true;
        payButton();
        if (focusCard) field('cardNumber').querySelector('iframe').focus();
        focusCard = false;
      },
    },
  });
}

/** The placeholder of a card form field in the page's language. */
function hint(k) {
  return { cardNumber: '1234 1234 1234 1234', expirationDate: t('mmyy'), securityCode: '123' }[k]
    ?? (field(k).tagName === 'SELECT' ? t(k) : undefined);
}

/** A language switch keeps what the buyer typed: placeholders and labels change in place. */
function relabel() {
  if (!cardForm) return;
  for (const k of FIELDS) if (hint(k)) cardForm.update(k, { placeholder: hint(k) });
  installments();
}

/** Installment options in the page's language and locale, from Mercado Pago's payer_costs. */
function installments(list = costs) {
  costs = list;
  for (const o of field('installments').options) {
    const c = costs?.find((x) => String(x.installments) === o.value);
    if (!c) continue;
    const v = { n: c.installments, per: money(cents(c.installment_amount)), tot: money(cents(c.total_amount)) };
    o.text = t(c.installments === 1 ? 'inst1' : Number(c.installment_rate) ? 'inst' : 'instFree', v);
  }
}

/** The text key for a card form error list of one field: empty, expired or invalid. */
function message(name, list) {
  if ([].concat(list).some((e) => EMPTY.includes(String(e?.code)))) return `m_${name}`;
  // MercadoPago.js: "expirationYear value should be greater or equal than 2026." and the like.
  if (name === 'expirationDate' && [].concat(list).some((e) => /greater/.test(e?.message))) return 'x_expirationDate';
  return `e_${name}`;
}

const fieldError = (k, code) => [k, `${{ required: 'm', too_long: k === 'phone' ? 'e' : 'l' }[code] || 'e'}_${k}`, { n: X[k][1] || 80 }];

/** Shows (or clears) the message of a field, a product or the total: a text key and values, kept for a language switch. */
function bad(name, key, v) {
  const e = $(`err-${name}`); const input = field(name);
  if (e) {
    e.textContent = key ? t(key, v) : '';
    e.dataset.k = key ? JSON.stringify([key, v]) : '';
  }
  if (input?.tagName === 'DIV') input.classList.toggle('bad', !!key);
  else input?.setAttribute('aria-invalid', !!key);
}

function clearErrors() {
  for (const e of $$('.err')) if (e.id !== 'err-total') bad(e.id.slice(4));
}

/** Marks the fields ([name, key, values]), announces the problem, focuses the first one. */
function showErrors(list) {
  for (const [name, key, v] of list) bad(name, key, v);
  const first = [...$$('.err')].find((e) => e.textContent && e.id !== 'err-total');
  if (!first) return;
  say(t('fix'));
  (first.closest('.f, .item')?.querySelector('input, select, iframe, [data-d="1"]') || $('h-pay')).focus();
}

function notice(msg, retry) {
  $('notice').hidden = !msg;
  $('notice-msg').textContent = msg || '';
  $('retry').hidden = !retry;
  if (msg) say(msg);
  if (retry) $('retry').focus();
}

async function pay() {
  if (busy || !ready || attempt || view || !total()) return;
  clearErrors();
  notice();
  busy = true;
  payButton();
  const email = field('cardholderEmail').value.trim();
  const errors = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? [] : [['cardholderEmail', `${email ? 'e' : 'm'}_cardholderEmail`]];
  const x = {};
  for (const [k, [, max = 80, min = 1, ok = /^\P{Cc}*$/u]] of Object.entries(X)) {
    const v = field(k).value.trim();
    const n = (k === 'phone' ? v.replace(/\D/g, '') : [...v]).length;
    if (field(k).closest('[hidden]') || !(v || min)) continue;
    const c = !v ? 'required' : n > max ? 'too_long' : n < min || !ok.test(v) ? 'invalid' : '';
    c ? errors.push(fieldError(k, c)) : (x[k] = v);
  }
  let unknown;
  try {
    await cardForm.createCardToken();
  } catch (list) {
    for (const e of [].concat(list)) {
      const name = e?.field;
      if (!$(`err-${name}`)) unknown = true;
      else errors.push([name, EMPTY.includes(String(e.code)) ? `m_${name}` : why[name] || message(name, e)]);
    }
  }
  if (errors.length || unknown) {
    busy = false;
    payButton();
    showErrors(errors);
    return unknown && notice(t('generic'));
  }
  const d = cardForm.getCardFormData();
  const { first_name, last_name, phone, ...address } = x;
  const body = {
    items: cat.products.filter((p) => qty[p.sku]).map((p) => ({ sku: p.sku, quantity: qty[p.sku] })),
    token: d.token, payment_method_id: d.paymentMethodId, issuer_id: d.issuerId || undefined,
    installments: Number(d.installments),
    payer: { email, identification: hasTypes ? { type: d.identificationType, number: d.identificationNumber } : undefined, first_name, last_name, phone: phone && { number: phone } },
    shipping_address: address.street_name && address,
    transaction_amount: total() / 100, locale: loc(),
  };
  attempt = { key: crypto.randomUUID(), body: JSON.stringify(body), total: total(), dev: self.MP_DEVICE_SESSION_ID };
  keep(JSON.stringify(attempt));
  send();
}

/** Sends the current attempt: the same key and bytes, however many times it takes. */
async function send() {
  busy = true;
  notice();
  payButton();
  let res, data, code;
  const stop = (msg) => {
    busy = false;
    showForm();
    payButton();
    notice(t(msg), true);
  };
  for (let i = 0; ; i++) {
    try {
      res = await fetch(`${cfg.api_base}/process_payment`, {
        method: 'POST', body: attempt.body, signal: AbortSignal.timeout(45000),
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': attempt.key, ...(/^[!-~]{1,200}$/.test(attempt.dev ?? '') && { 'X-Meli-Session-Id': attempt.dev }) },
      });
      data = await res.json();
    } catch { return stop('net'); }
    code = data.error?.code;
    if (res.status < 500 && res.status !== 429 && code !== 'request_in_progress') break;
    if (i > 2) return stop('busy');
    await sleep(Math.min(+res.headers.get('Retry-After') || 2 ** i, 10) * 1000);
  }
  const { body, total: paid } = attempt;
  attempt = busy = false;
  keep();
  if (data.three_ds_info) { // the bank's 3-D Secure challenge (challenge.js)
    busy = true;
    data = await import('./challenge.js').then((m) => m.default(data, lang, cfg, status)).catch(() => 'generic');
    if (!data.order_id) return stop(data);
  }
  if (res.status === 201) return showResult({ ...data, cents: paid, at: new Date() });
  showForm();
  payButton();
  if (code === 'validation_failed') return serverErrors(data.error.fields || {}, JSON.parse(body).items);
  if (code === 'amount_mismatch') return reprice();
  notice(t('generic'));
}

function serverErrors(fields, items) {
  const list = [];
  for (const [path, code] of Object.entries(fields)) {
    const p = cat.products.find((x) => x.sku === items[/^items\[(\d+)\]/.exec(path)?.[1]]?.sku);
    const key = path.replace('.phone.number', '.phone').split('.').pop();
    if (p) list.push(code === 'out_of_range' ? [p.sku, 'max', { n: p.max_quantity }] : [p.sku, 'e_sku']);
    else if (X[key]) field(key).closest('[hidden]') || list.push(fieldError(key, code));
    else if (PATHS[key]) list.push([PATHS[key], path === 'items' ? 'empty' : `e_${PATHS[key]}`]);
  }
  showErrors(list);
  if (!list.length) notice(t(fields.payment ? 'refused' : 'generic'));
}

async function reprice() {
  try {
    const fresh = await get('catalog.json');
    for (const p of fresh.products) qty[p.sku] ??= 0;
    cat = fresh;
  } catch {}
  render();
  if (ready) cardForm.update('amount', amount());
  notice(t('prices'));
}

async function status(id) {
  try {
    return await get(`${cfg.api_base}/payment_status/${encodeURIComponent(id)}?locale=${loc()}`);
  } catch { return null; }
}

/** Shows a result (process_payment, payment_status, a reload's `resuming`, a receipt URL's `loading` / `missing`). */
function showResult(d, focus = true) {
  const same = view?.order_id === d.order_id;
  view = { ...(same && view), ...d };
  if (d.amount) view.cents = cents(d.amount);
  if (d.updated_at) view.at = new Date(d.updated_at);
  const s = view.status;
  const kind = { approved: 'ok', rejected: 'no', resuming: 'resume', loading: 'resume', missing: 'missing' }[s]
    || (FINAL.includes(s) ? 'fail' : 'wait');
  $('checkout').hidden = true;
  $('result').hidden = false;
  $('result').dataset.status = { ok: 'approved', wait: 'pending', resume: 'pending' }[kind] || 'rejected';
  $('result').dataset.orderId = view.order_id || '';
  if (view.order_id) setUrl({ order: view.order_id });
  $('r-title').textContent = t(`r_${kind}`);
  $('r-msg').textContent = view.message || { resuming: t('resume'), loading: t('loading'), missing: t('missing') }[s] || '';
  const row = (k, v) => { $(`r-${k}`).textContent = v || ''; $(`r-${k}-row`).hidden = !v; };
  row('order', view.order_number);
  const items = (view.items || []).map((it) => {
    const p = cat.products.find((x) => x.sku === it.sku);
    const price = it.unit_price ? cents(it.unit_price) : cents(p?.unit_price || 0);
    return h('li', {}, h('span', {}, `${it.quantity} × ${named(p) || it.sku}`), h('span', {}, money(it.quantity * price)));
  });
  $('r-items').replaceChildren(...items);
  $('r-items-row').hidden = !items.length;
  $('r-amount').textContent = view.cents == null ? '' : money(view.cents);
  row('payment', view.payment_id);
  row('date', view.at && new Intl.DateTimeFormat(loc(), { dateStyle: 'long', timeStyle: 'short' }).format(view.at));
  $('r-note').textContent = kind === 'wait' ? t(view.late ? 'timeout' : 'live') : '';
  $('another').hidden = kind !== 'no' && kind !== 'fail';
  $('again').hidden = !(kind === 'ok' || kind === 'missing' || view.late);
  if (focus) $('r-title').focus();
  if ((kind === 'wait' || s === 'loading') && !same && view.order_id) poll(view.order_id);
}

/** Polls a pending payment with backoff (1, 2, 3, 5, 8, 13, 15… s) until final or timed out. */
async function poll(id) {
  const end = Date.now() + +(arg('poll_timeout_ms') || cfg.poll_timeout_ms || 120000);
  for (let i = 0; ; i++) {
    const wait = Math.min(([1, 2, 3, 5, 8, 13][i] || 15) * 1000, end - Date.now());
    if (wait <= 0) break;
    await sleep(wait);
    const s = view?.order_id === id && await status(id);
    if (view?.order_id !== id) return;
    if (s) showResult(s, false);
    if (FINAL.includes(view.status)) return;
  }
  view.late = true;
  showResult(view, false);
  say(t('timeout'));
}

/** The form again, as it was (a resumed payment that did not go through). */
function showForm() {
  view = null;
  setUrl({ order: null });
  $('result').hidden = true;
  $('checkout').hidden = false;
}

/** Back to the form: "pay with another card" keeps the cart; "new purchase" starts over. */
function back(fresh) {
  showForm();
  if (fresh) {
    $(F).reset();
    reset();
    render();
    $('h-title').focus();
  }
  focusCard = !fresh;
  clearErrors();
  mount();
}

init();
