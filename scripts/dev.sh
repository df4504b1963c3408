#!/usr/bin/env bash
# make dev: the whole checkout on this machine, offline, with one command. Ctrl-C stops it all.
#
# Starts moto_server (Secrets Manager, DynamoDB, SNS), mp-sandbox (Mercado Pago), the three
# functions under `cargo lambda watch` (hot reload) and the edge that serves site/ with /api/*
# on the same origin, then prints the URL to open and the test card to use.
# Ports: DEV_PORT (8080), SANDBOX_PORT (8181), LAMBDA_PORT (9000), MOTO_PORT (5055).
# With MP_ACCESS_TOKEN and MP_PUBLIC_KEY of a Mercado Pago test account set, the functions and the
# page talk to the real Mercado Pago instead of the sandbox (needs internet).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/scripts/lib/stack.sh"
cd "$ROOT"

"$ROOT/scripts/bootstrap.sh" venv
stop() { trap '' INT TERM; echo; step "Stopping"; stack_down; }
trap stop EXIT
trap 'exit 130' INT TERM
stack_up

# The site's first test card and test documents, from the sandbox (README.md, "Sites").
test_card_hint() {
  curl -sf "$SANDBOX_URL/__sandbox/config" | python3 -c '
import json, sys
d = json.load(sys.stdin)
docs = " or ".join(x["type"] + " " + x["number"] for x in d["test_documents"]) or "no document"
print("the test card " + d["test_cards"][0]["card_number"] + ", expiry 11/30, CVV 123, " + docs)
' 2>/dev/null || echo "a test card from README.md, Sites"
}

echo
ok "The checkout is running: $SITE_URL"
if [ "$REAL_MP" = 0 ]; then
  cat <<EOT

  Site $(catalog_field site_id) (SITE=MLB|MLM|MLU|MLC|MPE|MCO for another; README.md, "Sites").
  Pay with $(test_card_hint).
  The cardholder name picks the outcome: APRO approves, OTHE rejects, CONT stays pending.
  Settle a pending payment:   curl -X POST $SANDBOX_URL/__sandbox/payments/<payment_id>/settle -H 'content-type: application/json' -d '{"status":"approved"}'
  "Order paid" messages:      printed below, and at $SITE_URL/__dev/order-events
  Logs:                       .dev/$STACK_NAME/*.log      Stop: Ctrl-C
EOT
fi
echo
# Follow the interesting logs until Ctrl-C.
tail -n 0 -F "$STATE_DIR/functions.log" "$STATE_DIR/edge.log" 2>/dev/null &
wait
