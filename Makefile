# The two commands a developer needs: `make dev` and `make test`. Targets are thin: they call
# scripts/, which say what they do.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help dev test lint e2e

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

dev: ## Run the whole checkout on this machine, offline: http://127.0.0.1:8080 (Ctrl-C stops it)
	@scripts/dev.sh

test: ## Every test: formatting, lints, unit, integration and browser tests
	@scripts/test.sh

lint: ## Formatting and lints only
	@cargo fmt --all -- --check && cargo clippy --workspace --all-targets --locked -- -D warnings

e2e: ## Browser tests only (starts its own stack on other ports)
	@scripts/e2e.sh
