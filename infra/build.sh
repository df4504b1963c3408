#!/usr/bin/env bash
# Release binaries of the three functions for Lambda on Graviton (provided.al2023, arm64):
#   <cargo target dir>/lambda/{process_payment,notifications,payment_status}/bootstrap
# (the target dir is $ROOT/target unless CARGO_TARGET_DIR or build.target-dir say otherwise;
# `infra/build.sh --dir` prints it)
# One `cargo lambda build` for the three packages: they share one compilation of their
# dependencies, and building them by package (-p) keeps the dev tools' features (mp-sandbox,
# devstack, tests) out of the deployed binaries. cargo-lambda cross-links with Zig (PyPI ziglang,
# in .venv), so no Docker and no cross toolchain are needed. Used by `make build`, by
# infra/build/Makefile (what `sam build` runs) and by scripts/infra-check.sh.
# Usage: infra/build.sh [--print]   (--print: show the command, run nothing)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$ROOT"

FUNCTIONS=(process_payment notifications payment_status)
cmd=(cargo lambda build --release --arm64 --locked)
for f in "${FUNCTIONS[@]}"; do cmd+=(-p "$f"); done

if [ "${1:-}" = --print ]; then
  printf '%s\n' "${cmd[*]}"
  exit 0
fi
if [ "${1:-}" = --dir ]; then
  printf '%s\n' "$(cargo_target_dir)/lambda"
  exit 0
fi

"$ROOT/scripts/bootstrap.sh" venv arm64
"${cmd[@]}"
out="$(cargo_target_dir)/lambda"
for f in "${FUNCTIONS[@]}"; do
  [ -s "$out/$f/bootstrap" ] || fail "cargo lambda did not produce $out/$f/bootstrap"
done
