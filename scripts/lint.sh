#!/usr/bin/env bash
# make lint (and the first step of make test): every linter over every language of the project.
#   Rust: cargo fmt --check, cargo clippy -D warnings ([workspace.lints] in Cargo.toml, clippy.toml)
#   dependencies: cargo machete (none unused), cargo deny check licenses bans sources (deny.toml;
#   advisories need the RustSec database from GitHub, so they are not run here: README "Supply chain")
#   shell: shellcheck (.shellcheckrc)     Python: ruff check + ruff format --check (ruff.toml)
#   JavaScript: eslint (tests/e2e/eslint.config.js: the page, the MercadoPago.js stand-in, the tests)
# Installs what it needs first (shellcheck from Debian, ruff into .venv, eslint with the browser
# tests' npm packages, cargo-machete and cargo-deny).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

"$ROOT/scripts/bootstrap.sh" venv e2e shellcheck cargo-tools

step "Rust formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "Rust lints (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings

step "Unused dependencies (cargo machete)"
cargo machete

# --locked: the graph is Cargo.lock's. Without --offline: on a new machine cargo-deny first fetches
# (crates.io) the crates of other platforms that clippy did not need, for their manifests.
step "Dependency licenses, bans and sources (cargo deny, deny.toml)"
cargo deny --locked check licenses bans sources

step "Shell scripts (shellcheck)"
shellcheck -x scripts/*.sh scripts/lib/*.sh infra/*.sh .ci/run
# The release bundle's scripts run with a plain POSIX sh on the merchant's machine.
shellcheck -s sh infra/release/*.sh

step "Python (ruff check, ruff format --check)"
"$ROOT/.venv/bin/ruff" check scripts infra
"$ROOT/.venv/bin/ruff" format --check scripts infra

step "JavaScript (eslint)"
tests/e2e/node_modules/.bin/eslint --config tests/e2e/eslint.config.js site crates/mp-sandbox/assets tests/e2e
