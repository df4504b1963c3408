#!/usr/bin/env bash
# Installs what the local stack and the tests need, once: the Python virtualenv (moto, cargo-lambda),
# the browser-test packages (npm) and Chromium (Debian, when running as root).
# Usage: scripts/bootstrap.sh [venv] [e2e] [chromium] [shellcheck] [arm64] [infra]   (no argument: all)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

wants() { [ $# -eq 0 ] && return 0; for w in "${WANTED[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }
WANTED=("$@")
all() { [ ${#WANTED[@]} -eq 0 ]; }

venv() {
  local stamp
  stamp=".venv/.installed-$(sha256sum requirements/dev.txt | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  step "Python virtualenv .venv (moto, cargo-lambda)"
  command -v python3 >/dev/null || fail "python3 is required"
  python3 -m venv .venv
  .venv/bin/pip install --disable-pip-version-check --quiet -r requirements/dev.txt
  rm -f .venv/.installed-*
  touch "$stamp"
}

e2e() {
  local stamp
  stamp="tests/e2e/node_modules/.installed-$(sha256sum tests/e2e/package-lock.json | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  step "Browser-test packages (npm ci in tests/e2e; Playwright's own browser download is skipped)"
  command -v npm >/dev/null || fail "npm (Node.js) is required for the browser tests"
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
}

chromium() {
  local path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  [ -x "$path" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "Chromium from Debian (for the browser tests)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    fail "Chromium not found at $path: install it (sudo apt-get install chromium) or set CHROMIUM_PATH"
  fi
}

# (Not named shellcheck: a function of that name would hide the command it looks for.)
shellcheck_tool() {
  command -v shellcheck >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "shellcheck from Debian (make lint)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
  else
    fail "shellcheck not found: install it (sudo apt-get install shellcheck)"
  fi
}

arm64() {
  rustup target list --installed 2>/dev/null | grep -q '^aarch64-unknown-linux-gnu$' && return 0
  step "Rust target aarch64-unknown-linux-gnu (Lambda on Graviton)"
  rustup target add aarch64-unknown-linux-gnu
}

# The deployment and infrastructure-check tools: .venv-infra (SAM CLI, cfn-lint, AWS CLI) and
# .venv-checkov (checkov pins an older boto3 than the SAM CLI, so it lives apart).
infra() {
  local req stamp dir
  command -v python3 >/dev/null || fail "python3 is required"
  for req in infra checkov; do
    dir=".venv-$req"
    stamp="$dir/.installed-$(sha256sum "requirements/$req.txt" | cut -c1-16)"
    [ -f "$stamp" ] && continue
    step "Python virtualenv $dir (requirements/$req.txt)"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --disable-pip-version-check --quiet -r "requirements/$req.txt"
    rm -f "$dir"/.installed-*
    touch "$stamp"
  done
}

if all || wants venv; then venv; fi
if all || wants e2e; then e2e; fi
if all || wants chromium; then chromium; fi
if all || wants shellcheck; then shellcheck_tool; fi
if all || wants arm64; then arm64; fi
if all || wants infra; then infra; fi
