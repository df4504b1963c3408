// The offline Mercado Pago sandbox (crates/mp-sandbox) as the browser tests see it: its base URL
// and its control API (/__sandbox/...). `request` is Playwright's APIRequestContext fixture.

/** MP_SANDBOX_URL without a trailing slash; throws a clear error when it is not set. */
function sandboxUrl() {
  const url = process.env.MP_SANDBOX_URL;
  if (!url) {
    throw new Error(
      'MP_SANDBOX_URL is not set. Start the sandbox (cargo run -p mp-sandbox -- --listen 127.0.0.1:8181) ' +
        'and run with MP_SANDBOX_URL=http://127.0.0.1:8181',
    );
  }
  return url.replace(/\/+$/, '');
}

async function getJson(request, path) {
  const res = await request.get(`${sandboxUrl()}${path}`);
  if (!res.ok()) throw new Error(`GET ${path}: HTTP ${res.status()}`);
  return res.json();
}

/** GET /__sandbox/config: public_key, site_id, test_cards, cardholder_codes... */
function sandboxConfig(request) {
  return getJson(request, '/__sandbox/config');
}

/** GET /__sandbox/requests: API requests received (card numbers redacted to 503175******0604). */
function sandboxRequests(request) {
  return getJson(request, '/__sandbox/requests');
}

/** The recorded POST /v1/card_tokens requests. */
async function cardTokenRequests(request) {
  return (await sandboxRequests(request)).filter((r) => r.method === 'POST' && r.path === '/v1/card_tokens');
}

/** DELETE /__sandbox/requests. */
async function clearSandboxRequests(request) {
  const res = await request.delete(`${sandboxUrl()}/__sandbox/requests`);
  if (!res.ok()) throw new Error(`DELETE /__sandbox/requests: HTTP ${res.status()}`);
}

module.exports = { sandboxUrl, sandboxConfig, sandboxRequests, cardTokenRequests, clearSandboxRequests };
