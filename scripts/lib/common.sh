# Shared shell helpers for the project's scripts. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT
export PATH="$ROOT/.venv/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
# cargo-lambda finds zig through the virtualenv's python (PyPI ziglang).
export CARGO_ZIGBUILD_PYTHON_PATH="$ROOT/.venv/bin/python3"
export SAM_CLI_TELEMETRY=0

if [ -t 1 ]; then BOLD=$'\e[1m'; DIM=$'\e[2m'; RED=$'\e[31m'; GREEN=$'\e[32m'; RESET=$'\e[0m'; else BOLD=; DIM=; RED=; GREEN=; RESET=; fi

step() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
note() { printf '%s%s%s\n' "$DIM" "$*" "$RESET"; }
fail() { printf '%serror: %s%s\n' "$RED" "$*" "$RESET" >&2; exit 1; }
ok() { printf '%s%s%s\n' "$GREEN" "$*" "$RESET"; }

# cargo_target_dir: where cargo builds (CARGO_TARGET_DIR or build.target-dir may move it away from
# $ROOT/target), as cargo itself reports it. Scripts never assume $ROOT/target.
cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

# template_functions --names | --routes | --resources | --of LOGICAL_ID: the functions infra/template.yaml
# deploys, one a line (scripts/functions.py explains the forms). The template is the one list of
# functions: scripts ask it rather than naming them. Its PyYAML comes from .venv when there is one.
template_functions() {
  local python="$ROOT/.venv/bin/python"
  [ -x "$python" ] || python=python3
  "$python" "$ROOT/scripts/functions.py" "$@"
}

# wait_for URL SECONDS [WHAT]: polls until the URL answers (any HTTP status).
wait_for() {
  local url=$1 seconds=$2 what=${3:-$1} i
  for ((i = 0; i < seconds * 10; i++)); do
    if curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
    sleep 0.1
  done
  fail "$what did not come up at $url within ${seconds}s"
}
