#!/usr/bin/env bash
# make fuzz: the long, bounded hunt for crashes and contract breaks at the edge. Stops by itself.
#   1. The handler fuzz harness (tests/api/fuzz.rs): FUZZ_CASES arbitrary API Gateway events per
#      function (default 100,000) into the real handlers, with mp-sandbox and moto_server.
#   2. schemathesis against the whole local stack (edge, cargo lambda watch, the functions, the
#      stand-ins) from docs/openapi.yaml: FUZZ_EXAMPLES examples per operation (default 1,000).
# The last line sums both: `fuzz: N cases, P panics, S 5xx, V schema violations`; any non-zero
# count, or a run that did not finish, exits non-zero. FUZZ_SEED replays a harness run.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
export STACK_NAME=fuzz DEV_PORT="${FUZZ_DEV_PORT:-38080}" SANDBOX_PORT="${FUZZ_SANDBOX_PORT:-38181}" \
  LAMBDA_PORT="${FUZZ_LAMBDA_PORT:-39000}" MOTO_PORT="${FUZZ_MOTO_PORT:-35055}" WATCH_FLAGS=--ignore-changes
unset MP_ACCESS_TOKEN MP_PUBLIC_KEY # always the sandbox
source "$ROOT/scripts/lib/stack.sh"
cd "$ROOT"
started=$(date +%s)
cases=${FUZZ_CASES:-100000}
examples=${FUZZ_EXAMPLES:-1000}

"$ROOT/scripts/bootstrap.sh" venv
mkdir -p "$ROOT/.dev"
harness_log="$ROOT/.dev/fuzz-harness.log"
schema_log="$ROOT/.dev/fuzz-schemathesis.log"

step "Handler fuzz harness: $cases cases per function (tests/api/fuzz.rs)"
harness_ok=0
FUZZ_CASES=$cases cargo test --locked --quiet -p integration-tests --test api fuzz:: -- --nocapture 2>&1 |
  tee "$harness_log" | grep -E '^fuzz' || true
grep -q '^test result: ok' "$harness_log" && harness_ok=1
# fuzz: N cases, P panics, S 5xx, V schema violations
read -r h_cases h_panics h_5xx h_violations < <(
  sed -nE 's/^fuzz: ([0-9]+) cases, ([0-9]+) panics, ([0-9]+) 5xx, ([0-9]+) schema violations$/\1 \2 \3 \4/p' "$harness_log" | tail -n 1
) || true
if [ -z "${h_cases:-}" ]; then
  h_cases=0 h_panics=0 h_5xx=0 h_violations=0
  note "the harness did not finish; see $harness_log"
fi

stop() { trap '' INT TERM; stack_down; }
trap stop EXIT
trap 'exit 130' INT TERM
stack_up

step "schemathesis: $examples examples per operation against $SITE_URL"
schema_ok=0
SCHEMATHESIS_WEBHOOK_SECRET=$STACK_WEBHOOK_SECRET "$ROOT/scripts/schemathesis.sh" "$SITE_URL" "$examples" 2>&1 |
  tee "$schema_log" | tail -n 5 && schema_ok=1
# schemathesis: N cases, S 5xx, V schema violations
read -r s_cases s_5xx s_violations < <(
  sed -nE 's/^schemathesis: ([0-9]+) cases, ([0-9]+) 5xx, ([0-9]+) schema violations$/\1 \2 \3/p' "$schema_log" | tail -n 1
) || true
if [ -z "${s_cases:-}" ]; then
  s_cases=0 s_5xx=0 s_violations=0 schema_ok=0
  note "schemathesis did not finish; see $schema_log"
fi

total_cases=$((h_cases + s_cases))
panics=$h_panics
server_errors=$((h_5xx + s_5xx))
violations=$((h_violations + s_violations))
note "make fuzz took $(( $(date +%s) - started ))s (logs: $harness_log, $schema_log)"
echo "fuzz: $total_cases cases, $panics panics, $server_errors 5xx, $violations schema violations"
[ "$harness_ok" = 1 ] && [ "$schema_ok" = 1 ] && [ "$panics" = 0 ] && [ "$server_errors" = 0 ] && [ "$violations" = 0 ]
