#!/usr/bin/env bash
# Browser tests: starts the local stack on its own ports (so it can run beside `make dev`), runs the
# Playwright suite in tests/e2e with Debian's Chromium, and stops the stack.
# Then, with no arguments, `make catalog` publishes a price change to the same stack, which the page
# and the next payment must show (catalog_check below), schemathesis holds the stack to
# docs/openapi.yaml (SCHEMATHESIS_EXAMPLES per operation, default 100), and Lighthouse audits the page
# (tests/e2e/lighthouse.mjs: mobile preset, every category >= 95, CLS < 0.05). Extra arguments go
# to `playwright test` (e.g. a spec file, or --grep), and schemathesis and Lighthouse are skipped.
# Last, with no arguments, the stack restarts once per other site (SITE=MLB ... MCO) for
# specs/sites.spec.js (site_suite below; E2E_SITES="MLC MCO" picks some, E2E_SITES= none).
# `scripts/e2e.sh --lighthouse` (make lighthouse) runs Lighthouse alone against the stack.
# Ports E2E_DEV_PORT, E2E_SANDBOX_PORT, E2E_LAMBDA_PORT, E2E_MOTO_PORT (18080, 18181, 19000, 15055)
# and the stack's name E2E_STACK_NAME (e2e: state and logs in .dev/<name>) let two runs coexist.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
export STACK_NAME="${E2E_STACK_NAME:-e2e}" DEV_PORT="${E2E_DEV_PORT:-18080}" SANDBOX_PORT="${E2E_SANDBOX_PORT:-18181}" \
  LAMBDA_PORT="${E2E_LAMBDA_PORT:-19000}" MOTO_PORT="${E2E_MOTO_PORT:-15055}" WATCH_FLAGS=--ignore-changes \
  CATALOG_TTL_SECS=2 # the functions' catalog cache: short, so catalog_check waits 2 s, not 60
unset MP_ACCESS_TOKEN MP_PUBLIC_KEY # the browser tests always use the sandbox
source "$ROOT/scripts/lib/stack.sh"
cd "$ROOT"

lighthouse_only=0
if [ "${1:-}" = --lighthouse ]; then lighthouse_only=1; shift; fi
[ "$lighthouse_only" = 0 ] || [ $# -eq 0 ] || fail "--lighthouse takes no other arguments"

json_field() { # json_field EXPRESSION: evaluates a Python expression on the JSON document `d` read from stdin
  python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"
}

# make catalog against this stack: a changed price reaches the page's /catalog.json at once and the
# next payment once the functions' cache (CATALOG_TTL_SECS) has run out; then the repository's
# catalog is published back.
catalog_check() {
  local changed price token body answer
  changed=$(mktemp --suffix=.json)
  sed '0,/"18500.00"/s//"19900.00"/' "$ROOT/catalog.json" >"$changed"
  "$ROOT/scripts/catalog.sh" "$changed" | tee "$STATE_DIR/catalog-check.log"
  rm -f "$changed"
  grep -q "mate-calabaza  18500.00 -> 19900.00 ARS" "$STATE_DIR/catalog-check.log" || fail "make catalog did not show the price change"
  price=$(curl -sf "$SITE_URL/catalog.json" | json_field '[p["unit_price"] for p in d["products"] if p["sku"] == "mate-calabaza"][0]')
  [ "$price" = 19900.00 ] || fail "the page's /catalog.json has the mate at $price, not the published 19900.00"
  sleep $((CATALOG_TTL_SECS + 1))
  token=$(curl -sf "$SANDBOX_URL/v1/card_tokens?public_key=$(curl -sf "$SANDBOX_URL/__sandbox/config" | json_field 'd["public_key"]')" \
    -H 'content-type: application/json' \
    -d '{"card_number": "5031755734530604", "expiration_month": 11, "expiration_year": 2030, "security_code": "123",
         "cardholder": {"name": "APRO", "identification": {"type": "DNI", "number": "12345678"}}}' | json_field 'd["id"]')
  body='{"items": [{"sku": "mate-calabaza", "quantity": 1}], "token": "'"$token"'", "payment_method_id": "master",
         "issuer_id": "3", "installments": 1, "transaction_amount": 19900.00, "locale": "es-AR",
         "payer": {"email": "comprador@example.com", "identification": {"type": "DNI", "number": "12345678"},
                   "first_name": "Ana", "last_name": "García", "phone": {"number": "+54 11 5555-0100"}},
         "shipping_address": {"street_name": "Av. Corrientes", "street_number": "1234", "floor": "3", "apartment": "B",
                              "zip_code": "C1043AAZ", "city_name": "Buenos Aires", "state_name": "CABA"}}'
  answer=$(curl -s "$SITE_URL/api/process_payment" -H 'content-type: application/json' \
    -H "Idempotency-Key: $(python3 -c 'import uuid; print(uuid.uuid4())')" -H 'X-Meli-Session-Id: e2e-sh-device' -d "$body")
  [ "$(json_field 'd.get("amount")' <<<"$answer")" = 19900.00 ] || fail "the next payment was not charged the published price: $answer"
  "$ROOT/scripts/catalog.sh" >/dev/null
  price=$(curl -sf "$SITE_URL/catalog.json" | json_field '[p["unit_price"] for p in d["products"] if p["sku"] == "mate-calabaza"][0]')
  [ "$price" = 18500.00 ] || fail "the repository's catalog.json was not published back"
  ok "make catalog: the page and the next payment have the published price"
}

# The other six sites: the stack again with SITE=<site> (its example catalog, the sandbox on that
# site), and specs/sites.spec.js, which pays on whatever site the stack runs (the main run above
# covered MLA). E2E_SITES overrides the list (empty: none).
site_suite() {
  local site
  for site in ${E2E_SITES-MLB MLM MLU MLC MPE MCO}; do
    step "Site $site: the stack with examples/sites/$site.json, and a payment through the page"
    stack_down
    SITE=$site stack_up
    (cd "$ROOT/tests/e2e" && APP_URL="$SITE_URL" MP_SANDBOX_URL="$SANDBOX_URL" STACK_LOGS="$STATE_DIR" npx playwright test specs/sites.spec.js)
  done
}

lighthouse() {
  step "Lighthouse (mobile preset, ${LIGHTHOUSE_RUNS:-5} runs) against $SITE_URL"
  (cd "$ROOT/tests/e2e" && APP_URL="$SITE_URL/" node lighthouse.mjs)
}

"$ROOT/scripts/bootstrap.sh" venv e2e chromium
stop() { trap '' INT TERM; stack_down; }
trap stop EXIT
trap 'exit 130' INT TERM
stack_up

if [ "$lighthouse_only" = 1 ]; then
  lighthouse
  exit 0
fi

step "Browser tests (Playwright + Chromium) against $SITE_URL"
(cd "$ROOT/tests/e2e" && APP_URL="$SITE_URL" MP_SANDBOX_URL="$SANDBOX_URL" STACK_LOGS="$STATE_DIR" npx playwright test "$@")

if [ $# -eq 0 ]; then
  step "make catalog against $SITE_URL: the page and the next payment get the new price"
  catalog_check
  step "API contract: schemathesis (docs/openapi.yaml) against $SITE_URL"
  SCHEMATHESIS_WEBHOOK_SECRET=$STACK_WEBHOOK_SECRET "$ROOT/scripts/schemathesis.sh" "$SITE_URL" "${SCHEMATHESIS_EXAMPLES:-100}"
  lighthouse
  site_suite
fi
