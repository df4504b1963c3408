// Checkout. One attempt = one Idempotency-Key, one body, one card token; retries (lost connection,
// 409 request_in_progress, 5xx, a reload: it waits in sessionStorage) resend the same bytes.
// ?poll_timeout_ms=N (or config.poll_timeout_ms) limits the polling of a pending payment (120000).
import { T, LANGS } from './i18n.js';

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
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const keep = (v) => { try { v ? sessionStorage.setItem(KEY, v) : sessionStorage.removeItem(KEY); } catch {} };

let cfg, cat, cardForm, ready, busy, attempt, view, hasTypes, focusCard;
let lang = 'es';
const qty = {};

const loc = () => ({ pt: 'pt-BR', en: 'en-US' }[lang] || (/^es-/.test(cfg?.locale) ? cfg.locale : 'es-AR'));
const t = (k, v = {}) => (T[k]?.[LANGS.indexOf(lang)] ?? k).replace(/\{(\w+)\}/g, (_, n) => v[n]);
const cents = (s) => { const [i, f = ''] = String(s).split('.'); return i * 100 + Number((f + '00').slice(0, 2)); };
const money = (c) => new Intl.NumberFormat(loc(), { style: 'currency', currency: cat.currency_id }).format(c / 100);
const total = () => cat.products.reduce((s, p) => s + qty[p.sku] * cents(p.unit_price), 0);
const amount = () => ((total() || cents(cat.products[0].unit_price)) / 100).toFixed(2);
const reset = () => cat.products.forEach((p, i) => { qty[p.sku] = +!i; });

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

async function init() {
  for (const f of $$('.f')) { // each field: its label text and its error line
    const k = f.querySelector('[id^=form]').id.slice(F.length + 2);
    const label = f.firstChild; // <label>, or <span class="lbl"> for a Secure Field
    FIELDS.push(k);
    label.dataset.t = k;
    if (label.localName === 'label') label.htmlFor = `${F}__${k}`;
    f.append(h('p', { className: 'err', id: `err-${k}`, 'aria-live': 'polite' }));
    field(k).setAttribute('aria-describedby', `err-${k}`);
  }
  try {
    [cfg, cat] = await Promise.all(['config.json', 'catalog.json'].map(async (u) => (await fetch(u, { cache: 'no-store' })).json()));
  } catch { return fatal(); }
  let saved;
  try { saved = localStorage.getItem('lang'); } catch {}
  lang = [saved, ...navigator.languages, cfg.locale].map((l) => String(l).slice(0, 2)).find((l) => LANGS.includes(l)) || 'es';
  reset();
  try { attempt = JSON.parse(sessionStorage.getItem(KEY)); } catch {}
  if (attempt) for (const it of JSON.parse(attempt.body).items) qty[it.sku] = it.quantity;
  $('lang').onchange = (e) => setLang(e.target.value);
  $('products').onclick = step;
  $('retry').onclick = send;
  $('another').onclick = () => back();
  $('again').onclick = () => back(true);
  for (const l of $$('.lbl')) l.onclick = () => l.nextSibling.querySelector('iframe')?.focus();
  // Ahead of the SDK's listener on the form: one token and one request per attempt.
  document.addEventListener('submit', (e) => { e.preventDefault(); e.stopPropagation(); pay(); }, true);
  render();
  if (attempt) send();
  try {
    await new Promise((onload, onerror) => document.head.append(h('script', { src: cfg.sdk_url, onload, onerror })));
  } catch { return fatal(); }
  mount();
}

function fatal() {
  texts();
  notice(t('fatal'));
  $('pay').hidden = true;
}

function setLang(l) {
  lang = l;
  try { localStorage.setItem('lang', l); } catch {}
  render();
  if (view) status(view.order_id).then((s) => s?.order_id === view?.order_id && showResult(s, false));
  else if (!busy && !attempt && cardForm) mount();
}

function texts() {
  document.documentElement.lang = $('lang').value = lang;
  for (const e of $$('[data-t]')) e.textContent = t(e.dataset.t);
}

function render() {
  texts();
  document.title = `${t('payment')} · ${$('store').textContent = cat.store_name}`;
  $('products').replaceChildren(...cat.products.map((p) => {
    const name = p.name[lang]; const sku = p.sku;
    const btn = (d, k, text) => h('button', { type: 'button', className: 'step', 'data-d': d, 'aria-label': t(k, { name }) }, text);
    return h('li', { className: 'item', 'data-sku': sku },
      h('img', { src: p.image, alt: '', width: 64, height: 64 }),
      h('div', {}, h('h3', {}, name), h('p', {}, p.description[lang]),
        h('p', { className: 'price' }, money(cents(p.unit_price)))),
      h('div', { className: 'qty', role: 'group', 'aria-label': t('qty', { name }) },
        btn(-1, 'dec', '−'), h('output', { id: `q-${sku}` }), btn(1, 'inc', '+')),
      h('p', { className: 'err', id: `err-${sku}`, 'aria-live': 'polite' }));
  }));
  totals();
  if (view) showResult(view, false);
}

function step(e) {
  const b = e.target.closest('[data-d]');
  if (!b || busy || attempt) return;
  const p = cat.products.find((x) => x.sku === b.closest('li').dataset.sku);
  const n = qty[p.sku] + +b.dataset.d;
  $(`err-${p.sku}`).textContent = n > p.max_quantity ? t('max', { n: p.max_quantity }) : '';
  if (n < 0 || n > p.max_quantity) return;
  qty[p.sku] = n;
  $('err-total').textContent = '';
  totals();
  if (total() && ready) cardForm.update('amount', amount());
}

function totals() {
  $('lines').replaceChildren(...cat.products.filter((p) => qty[p.sku]).map((p) => h('li', {},
    h('span', {}, `${qty[p.sku]} × ${p.name[lang]}`), h('span', {}, money(qty[p.sku] * cents(p.unit_price))))));
  $('total').textContent = money(total());
  for (const p of cat.products) {
    $(`q-${p.sku}`).textContent = qty[p.sku];
    const [dec, inc] = $$(`[data-sku="${p.sku}"] .step`);
    dec.setAttribute('aria-disabled', qty[p.sku] < 1);
    inc.setAttribute('aria-disabled', qty[p.sku] >= p.max_quantity);
  }
  payButton();
}

function payButton() {
  $('pay').disabled = busy || !ready || !!attempt;
  $('pay').setAttribute('aria-busy', !!busy);
  $('pay-label').textContent = busy ? t('paying') : ready ? t('pay', { amount: money(total()) }) : t('loading');
}

/** (Re)creates the card form: first load, language change, "pay with another card". */
function mount() {
  try { cardForm?.unmount(); } catch {}
  ready = false;
  payButton();
  const docType = field('identificationType').value;
  const style = { fontSize: '16px', color: '#1d1d1b', placeholderColor: '#6b6b6b' };
  const hint = { cardNumber: '1234 1234 1234 1234', expirationDate: t('mmyy'), securityCode: '123' };
  const form = { id: F };
  for (const k of FIELDS) {
    const tag = field(k).tagName;
    form[k] = { id: `${F}__${k}`, placeholder: hint[k] ?? (tag === 'SELECT' ? t(k) : undefined) };
    if (tag === 'DIV') Object.assign(form[k], { style, srLabel: t(k) }); // Secure Fields
  }
  const me = cardForm = new MercadoPago(cfg.public_key, { locale: loc(), advancedFraudPrevention: !!cfg.fraud_prevention }).cardForm({
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
      onPaymentMethodsReceived: (error) => error && bad('cardNumber', t('e_cardNumber')),
      onValidityChange: (error, name) => bad(name, error ? t(`e_${name}`) : ''),
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

/** Shows (or clears) the message of a field, a product (SKU) or the total. */
function bad(name, msg) {
  const e = $(`err-${name}`); const input = field(name);
  if (e) e.textContent = msg;
  if (input?.tagName === 'DIV') input.classList.toggle('bad', !!msg);
  else input?.setAttribute('aria-invalid', !!msg);
}

function clearErrors() {
  for (const e of $$('.err')) bad(e.id.slice(4), '');
}

/** Marks the fields, announces the problem and focuses the first one in page order. */
function showErrors(list) {
  for (const [name, msg] of list) bad(name, msg);
  const first = [...$$('.err')].find((e) => e.textContent);
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
  if (busy || !ready || attempt || view) return;
  clearErrors();
  notice();
  if (!total()) {
    bad('total', t('empty'));
    return say(t('empty'));
  }
  busy = true;
  payButton();
  const email = field('cardholderEmail').value.trim();
  const errors = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? [] : [['cardholderEmail', t('e_cardholderEmail')]];
  let unknown;
  try {
    await cardForm.createCardToken();
  } catch (list) {
    for (const e of [].concat(list)) $(`err-${e?.field}`) ? errors.push([e.field, t(`e_${e.field}`)]) : (unknown = true);
  }
  if (errors.length || unknown) {
    busy = false;
    payButton();
    showErrors(errors);
    return unknown && notice(t('generic'));
  }
  const d = cardForm.getCardFormData();
  const body = {
    items: cat.products.filter((p) => qty[p.sku]).map((p) => ({ sku: p.sku, quantity: qty[p.sku] })),
    token: d.token, payment_method_id: d.paymentMethodId, issuer_id: d.issuerId || undefined,
    installments: Number(d.installments),
    payer: { email, identification: hasTypes ? { type: d.identificationType, number: d.identificationNumber } : undefined },
    transaction_amount: total() / 100, locale: loc(),
  };
  attempt = { key: crypto.randomUUID(), body: JSON.stringify(body), total: total() };
  keep(JSON.stringify(attempt));
  send();
}

/** Sends the current attempt: the same key and bytes, however many times it takes. */
async function send() {
  busy = true;
  notice();
  payButton();
  let res, data, code;
  const stop = (msg) => { busy = false; payButton(); notice(t(msg), true); };
  for (let i = 0; ; i++) {
    try {
      res = await fetch(`${cfg.api_base}/process_payment`, {
        method: 'POST', body: attempt.body, signal: AbortSignal.timeout(45000),
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': attempt.key },
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
  if (res.status === 201) return showResult({ ...data, cents: paid, at: new Date() });
  payButton();
  if (code === 'validation_failed') return serverErrors(data.error.fields || {}, JSON.parse(body).items);
  if (code === 'amount_mismatch') return reprice();
  notice(t('generic'));
}

function serverErrors(fields, items) {
  const list = [];
  for (const [path, code] of Object.entries(fields)) {
    const p = cat.products.find((x) => x.sku === items[/^items\[(\d+)\]/.exec(path)?.[1]]?.sku);
    const key = path.split('.').pop();
    if (p) list.push([p.sku, code === 'out_of_range' ? t('max', { n: p.max_quantity }) : t('e_sku')]);
    else if (PATHS[key]) list.push([PATHS[key], t(path === 'items' ? 'empty' : `e_${PATHS[key]}`)]);
  }
  showErrors(list);
  if (!list.length) notice(t(fields.payment ? 'refused' : 'generic'));
}

async function reprice() {
  try {
    const fresh = await (await fetch('catalog.json', { cache: 'no-store' })).json();
    for (const p of fresh.products) qty[p.sku] ??= 0;
    cat = fresh;
  } catch {}
  render();
  if (ready) cardForm.update('amount', amount());
  notice(t('prices'));
}

async function status(id) {
  try {
    const r = await fetch(`${cfg.api_base}/payment_status/${encodeURIComponent(id)}?locale=${loc()}`, { cache: 'no-store' });
    return r.ok ? await r.json() : null;
  } catch { return null; }
}

/** A result from process_payment or payment_status; `focus` moves focus to its heading. */
function showResult(d, focus = true) {
  const same = view?.order_id === d.order_id;
  view = { ...(same && view), ...d };
  if (d.amount) view.cents = cents(d.amount);
  if (d.updated_at) view.at = new Date(d.updated_at);
  const s = view.status;
  const kind = s === 'approved' ? 'ok' : s === 'rejected' ? 'no' : FINAL.includes(s) ? 'fail' : 'wait';
  const wait = kind === 'wait';
  $('checkout').hidden = true;
  $('result').hidden = false;
  $('result').dataset.status = { ok: 'approved', wait: 'pending' }[kind] || 'rejected';
  $('r-title').textContent = t(`r_${kind}`);
  $('r-msg').textContent = view.message;
  $('r-order').textContent = view.order_id;
  $('r-amount').textContent = money(view.cents);
  $('r-date').textContent = new Intl.DateTimeFormat(loc(), { dateStyle: 'long', timeStyle: 'short' }).format(view.at);
  $('r-note').textContent = wait ? t(view.late ? 'timeout' : 'live') : '';
  $('another').hidden = kind === 'ok' || wait;
  $('again').hidden = !(kind === 'ok' || view.late);
  if (focus) $('r-title').focus();
  if (wait && !same) poll(view.order_id);
}

/** Polls a pending payment with backoff (1, 2, 3, 5, 8, 13, 15… s) until final or timed out. */
async function poll(id) {
  const limit = +(new URLSearchParams(location.search).get('poll_timeout_ms') || cfg.poll_timeout_ms || 120000);
  const end = Date.now() + limit;
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

/** Back to the form: "pay with another card" keeps the cart; "new purchase" starts over. */
function back(fresh) {
  view = null;
  $('result').hidden = true;
  $('checkout').hidden = false;
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
