#!/usr/bin/env bash
# Browser tests: starts the local stack on its own ports (so it can run beside `make dev`), runs the
# Playwright suite in tests/e2e with Debian's Chromium, and stops the stack.
# Then, with no arguments, schemathesis holds the same stack to docs/openapi.yaml
# (SCHEMATHESIS_EXAMPLES per operation, default 100), and Lighthouse audits the page
# (tests/e2e/lighthouse.mjs: mobile preset, every category >= 95, CLS < 0.05). Extra arguments go
# to `playwright test` (e.g. a spec file, or --grep), and schemathesis and Lighthouse are skipped.
# `scripts/e2e.sh --lighthouse` (make lighthouse) runs Lighthouse alone against the stack.
# Ports E2E_DEV_PORT, E2E_SANDBOX_PORT, E2E_LAMBDA_PORT, E2E_MOTO_PORT (18080, 18181, 19000, 15055)
# and the stack's name E2E_STACK_NAME (e2e: state and logs in .dev/<name>) let two runs coexist.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
export STACK_NAME="${E2E_STACK_NAME:-e2e}" DEV_PORT="${E2E_DEV_PORT:-18080}" SANDBOX_PORT="${E2E_SANDBOX_PORT:-18181}" \
  LAMBDA_PORT="${E2E_LAMBDA_PORT:-19000}" MOTO_PORT="${E2E_MOTO_PORT:-15055}" WATCH_FLAGS=--ignore-changes
unset MP_ACCESS_TOKEN MP_PUBLIC_KEY # the browser tests always use the sandbox
source "$ROOT/scripts/lib/stack.sh"
cd "$ROOT"

lighthouse_only=0
if [ "${1:-}" = --lighthouse ]; then lighthouse_only=1; shift; fi
[ "$lighthouse_only" = 0 ] || [ $# -eq 0 ] || fail "--lighthouse takes no other arguments"

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
  step "API contract: schemathesis (docs/openapi.yaml) against $SITE_URL"
  SCHEMATHESIS_WEBHOOK_SECRET=$STACK_WEBHOOK_SECRET "$ROOT/scripts/schemathesis.sh" "$SITE_URL" "${SCHEMATHESIS_EXAMPLES:-100}"
  lighthouse
fi
