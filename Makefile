# The two commands a developer needs: `make dev` and `make test`. Targets are thin: they call
# scripts/, which say what they do.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help dev test lint e2e lighthouse fuzz soak

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

dev: ## Run the whole checkout on this machine, offline: http://127.0.0.1:8080 (Ctrl-C stops it)
	@scripts/dev.sh

test: ## Every test: formatting, lints, unit, integration, browser tests and infrastructure checks
	@scripts/test.sh

lint: ## Formatting and lints only: rustfmt, clippy, cargo machete, cargo deny, shellcheck, ruff, eslint
	@scripts/lint.sh

e2e: ## Browser tests only (starts its own stack on other ports)
	@scripts/e2e.sh

lighthouse: ## Lighthouse only (mobile preset, 5 runs): every category >= 95, CLS < 0.05
	@scripts/e2e.sh --lighthouse

fuzz: ## 100,000 arbitrary events per function + schemathesis (1,000 examples per operation); bounded
	@scripts/fuzz.sh

soak: ## 10,000 payments through the local stack: latency and stand-in memory, start vs end
	@scripts/soak.sh

.PHONY: catalog

catalog: ## Check and publish catalog.json (prices) to the local stack, or AWS=1 the deployed one; no build
	@scripts/catalog.sh

.PHONY: build deploy set-credentials destroy infra-check

build: ## Release arm64 binaries of the three functions for Lambda (cargo lambda, target/lambda/)
	@infra/build.sh

deploy: ## Deploy to AWS in one command; on a terminal it asks for what is missing (CI: MP_* variables; DRY_RUN=1 prints the steps)
	@scripts/deploy.sh

set-credentials: ## Store or rotate the Mercado Pago access token and webhook secret (asked without echo)
	@scripts/set-credentials.sh

destroy: ## Delete the deployed stack; keeps the orders table (DELETE_ORDERS=1 deletes it too)
	@scripts/destroy.sh

infra-check: ## Offline checks of the deployment: sam validate, cfn-lint, checkov, arm64 sam build
	@scripts/infra-check.sh

.PHONY: release

release: ## A bundle deployable with the AWS CLI alone (no Rust, no SAM): dist/mp-checkout-<version>.tar.gz + SHA256SUMS
	@scripts/release.sh

.PHONY: bench

bench: ## Measure cold start, warm latency, CPU, memory, package size, instructions (writes bench/RESULTS.md)
	@scripts/bench.sh

.PHONY: orders refund cancel forget

orders: ## The local stack's orders (`make dev`'s; STATUS=approved, FORMAT=--csv|--json); see checkout-admin --help
	@cargo run --quiet -p checkout-admin -- --local="$${STACK_NAME:-dev}" orders list $(if $(STATUS),--status $(STATUS)) $(FORMAT)

refund: ## Refund ORDER=<id or number> [AMOUNT=12.50] [KEY=<key a failed run printed>] on the local stack
	@test -n "$(ORDER)" || { echo "usage: make refund ORDER=<order id or number> [AMOUNT=12.50] [KEY=...]" >&2; exit 2; }
	@cargo run --quiet -p checkout-admin -- --local="$${STACK_NAME:-dev}" refund "$(ORDER)" $(if $(AMOUNT),--amount $(AMOUNT)) $(if $(KEY),--idempotency-key $(KEY))

cancel: ## Cancel ORDER=<id or number>'s pending payment on the local stack
	@test -n "$(ORDER)" || { echo "usage: make cancel ORDER=<order id or number>" >&2; exit 2; }
	@cargo run --quiet -p checkout-admin -- --local="$${STACK_NAME:-dev}" cancel "$(ORDER)"

forget: ## Erase the buyer's e-mail, name, phone and address from ORDER=<id or number> on the local stack
	@test -n "$(ORDER)" || { echo "usage: make forget ORDER=<order id or number>" >&2; exit 2; }
	@cargo run --quiet -p checkout-admin -- --local="$${STACK_NAME:-dev}" forget "$(ORDER)"
