// The bank's 3-D Secure challenge, loaded by app.js only when process_payment answers 201 with
// `three_ds_info` (status pending, status_detail pending_challenge), so a visit without one does
// not pay for it. As Mercado Pago documents it ("How to integrate 3DS with Checkout API"): an
// iframe of at least 600 × 500 px, a form posting `creq` to `external_resource_url` into it, and a
// `message` event `{status: "COMPLETE"}` from the bank's page when the challenge ends. The event
// only says it ended, not how: the payment is then read again (app.js polls payment_status).
// Here the iframe is in a modal <dialog>; the event must come from that iframe's window and from
// the origin of external_resource_url. Cancel, Escape or the time limit (?challenge_timeout_ms=N,
// else config.challenge_timeout_ms, else 5 minutes: the bank's own limit) end it calmly.
const FRAME = 'mp-3ds-frame';
const LIMIT = 300000;
let css;

function h(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) k in e ? (e[k] = v) : e.setAttribute(k, v);
  e.append(...kids);
  return e;
}

/** challenge.css, once; the dialog opens styled (or unstyled, if it cannot be loaded). */
function styles() {
  css ||= new Promise((done) => document.head.append(h('link', { rel: 'stylesheet', href: 'challenge.css', onload: done, onerror: done })));
  return css;
}

/**
 * Shows the bank's page in a modal dialog until the bank says the challenge ended (resolves
 * true) or the buyer gives up: Cancel, Escape or `ms` without an answer (resolves 'cancelled' or
 * 'late'). `T` holds the texts.
 */
function run({ external_resource_url: url, creq }, T, ms) {
  const { origin, protocol } = new URL(url);
  if (!/^https?:$/.test(protocol)) throw new Error(`not a bank's page: ${url}`);
  const frame = h('iframe', { name: FRAME, title: T.frame });
  const cancel = h('button', { type: 'button', className: 'ghost' }, T.cancel);
  const title = h('h2', { id: 'c3ds-title', tabIndex: -1 }, T.title);
  // Posted from this page into the frame (form-action and frame-src allow the bank's origin);
  // form.submit() fires no submit event, so app.js's submit listener does not see it.
  const form = h('form', { method: 'post', action: url, target: FRAME, hidden: true },
    h('input', { type: 'hidden', name: 'creq', value: creq }));
  const dialog = h('dialog', { className: 'c3ds', 'aria-labelledby': title.id, 'aria-describedby': 'c3ds-intro' },
    title, h('p', { id: 'c3ds-intro' }, T.intro), frame, cancel, form);
  return new Promise((resolve) => {
    let timer;
    const end = (how) => {
      clearTimeout(timer);
      removeEventListener('message', listen);
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      dialog.remove();
      resolve(how);
    };
    const listen = (e) => {
      if (e.source === frame.contentWindow && e.origin === origin && e.data?.status === 'COMPLETE') end(true);
    };
    addEventListener('message', listen);
    cancel.onclick = () => end('cancelled');
    dialog.onclose = () => end('cancelled'); // Escape
    document.body.append(dialog);
    dialog.showModal();
    title.focus();
    form.submit();
    timer = setTimeout(() => end('late'), ms);
  });
}

/**
 * Runs the challenge of payment `d` (process_payment's 201) in language `lang`; `status` reads an
 * order (GET /api/payment_status). Resolves the result to show (then polled as any pending
 * payment) when the bank ended it or the payment is final all the same; else the calm text to
 * show with the form (a new attempt, with a new key, is one click away).
 */
export default async function challenge(d, lang, cfg, status) {
  const [T] = await Promise.all([
    fetch(`locales/challenge/${lang}.json`).then((r) => (r.ok ? r.json() : Promise.reject(r))),
    styles(),
  ]);
  const ms = +(new URL(location.href).searchParams.get('challenge_timeout_ms') || cfg.challenge_timeout_ms || LIMIT);
  const how = await run(d.three_ds_info, T, ms);
  if (how === true) return { ...d, message: T.checking };
  // Given up here, but the bank may have settled it all the same (its answer crossed ours).
  const s = await status(d.order_id);
  return /^(approved|rejected|cancelled)$/.test(s?.status) ? { ...d, ...s } : T[how];
}
