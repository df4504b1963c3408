#!/usr/bin/env bash
# make test: every test there is, on a fresh machine too. Exits non-zero on the first failure.
#   1. formatting and lints (scripts/lint.sh): rustfmt, clippy -D warnings, cargo machete,
#      cargo deny, then the shell, Python and JS linters
#   2. the domain alone (no AWS SDK, HTTP or Mercado Pago client in its graph), then
#      unit and integration tests (cargo test: handlers + mp-sandbox + moto_server on loopback)
#   3. browser tests (Playwright + Chromium against the local stack)
#   4. infrastructure checks (sam validate --lint, cfn-lint, checkov, the arm64 sam build)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
started=$(date +%s)

"$ROOT/scripts/bootstrap.sh" venv e2e chromium

# rustfmt, clippy, cargo machete, cargo deny, shellcheck, ruff, eslint
"$ROOT/scripts/lint.sh"

step "The domain alone: its dependency graph and unit tests (no AWS, HTTP or stand-in)"
# The domain's rules must not reach for infrastructure: any AWS SDK, HTTP stack, Lambda runtime
# or the Mercado Pago client in its normal dependencies fails here, naming the crate.
if forbidden=$(cargo tree -p domain -e normal --locked --prefix none | grep -E '^(aws-|hyper|reqwest|axum|tower|lambda_|mercadopago|checkout) '); then
    fail "crates/domain depends on infrastructure crates:
$forbidden"
fi
cargo test -p domain --locked

step "Unit and integration tests (cargo test)"
cargo test --workspace --locked

step "Browser tests"
"$ROOT/scripts/e2e.sh"

step "Infrastructure checks (sam validate --lint, cfn-lint, checkov, sam build arm64)"
"$ROOT/scripts/infra-check.sh"

ok "All tests passed in $(( $(date +%s) - started ))s"
