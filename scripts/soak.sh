#!/usr/bin/env bash
# make soak: does the local stack last? Starts it on its own ports (beside make dev), pays
# SOAK_PAYMENTS times (default 10,000) through the edge as a buyer's page does, and reports the
# latency of the first and last 100 payments and each stand-in's memory at the start and the end
# (scripts/soak.py; the report also goes to .dev/soak/report.md). Fails when the last 100 are
# over twice as slow as the first 100, a payment is not approved, or a stand-in grew by more than
# SOAK_MAX_GROWTH_MIB (default 384). Bounded: it stops after its payments.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
export STACK_NAME=soak DEV_PORT="${SOAK_DEV_PORT:-48080}" SANDBOX_PORT="${SOAK_SANDBOX_PORT:-48181}" \
  LAMBDA_PORT="${SOAK_LAMBDA_PORT:-49000}" MOTO_PORT="${SOAK_MOTO_PORT:-45055}" WATCH_FLAGS=--ignore-changes
unset MP_ACCESS_TOKEN MP_PUBLIC_KEY # always the sandbox
source "$ROOT/scripts/lib/stack.sh"
cd "$ROOT"

"$ROOT/scripts/bootstrap.sh" venv
stop() { trap '' INT TERM; stack_down; }
trap stop EXIT
trap 'exit 130' INT TERM
stack_up
# The sandbox's webhooks would add the notifications function's work to every payment; the soak
# measures the payment path, as Mercado Pago's test credentials behave.
curl -fsS -X PUT "$SANDBOX_URL/__sandbox/webhooks" -H 'content-type: application/json' -d '{"enabled": false}' >/dev/null

step "Soak: ${SOAK_PAYMENTS:-10000} payments through $SITE_URL"
python3 "$ROOT/scripts/soak.py" --site "$SITE_URL" --sandbox "$SANDBOX_URL" --state-dir "$STATE_DIR" \
  --payments "${SOAK_PAYMENTS:-10000}" --max-growth-mib "${SOAK_MAX_GROWTH_MIB:-384}" --report "$STATE_DIR/report.md"
