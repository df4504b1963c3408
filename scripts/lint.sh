#!/usr/bin/env bash
# make lint (and the first step of make test): every linter over every language of the project.
#   Rust: cargo fmt --check, cargo clippy -D warnings ([workspace.lints] in Cargo.toml, clippy.toml)
#   shell: shellcheck (.shellcheckrc)     Python: ruff check + ruff format --check (ruff.toml)
#   JavaScript: eslint (tests/e2e/eslint.config.js: the page, the MercadoPago.js stand-in, the tests)
# Installs what it needs first (shellcheck from Debian, ruff into .venv, eslint with the browser
# tests' npm packages).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

"$ROOT/scripts/bootstrap.sh" venv e2e shellcheck

step "Rust formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "Rust lints (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings

step "Shell scripts (shellcheck)"
shellcheck -x scripts/*.sh scripts/lib/*.sh infra/*.sh .ci/run

step "Python (ruff check, ruff format --check)"
"$ROOT/.venv/bin/ruff" check scripts infra
"$ROOT/.venv/bin/ruff" format --check scripts infra

step "JavaScript (eslint)"
tests/e2e/node_modules/.bin/eslint --config tests/e2e/eslint.config.js site crates/mp-sandbox/assets tests/e2e
