#!/usr/bin/env bash
# Release binaries of the functions for Lambda on Graviton (provided.al2023, arm64):
#   <cargo target dir>/lambda/<function>/bootstrap, for every function of infra/template.yaml
# (the functions are the template's, read by scripts/functions.py; the target dir is $ROOT/target
# unless CARGO_TARGET_DIR or build.target-dir say otherwise; `infra/build.sh --dir` prints it)
# One `cargo lambda build` for all the packages: they share one compilation of their
# dependencies, and building them by package (-p) keeps the dev tools' features (mp-sandbox,
# devstack, tests) out of the deployed binaries. cargo-lambda cross-links with Zig (PyPI ziglang,
# in .venv), so no Docker and no cross toolchain are needed. Used by `make build`, by
# infra/build/Makefile (what `sam build` runs) and by scripts/infra-check.sh.
# Usage: infra/build.sh                         build
#        infra/build.sh --print                 show the command, run nothing
#        infra/build.sh --dir                   print <cargo target dir>/lambda
#        infra/build.sh --bootstrap LOGICAL_ID  print the bootstrap of the template's function
#                                               LOGICAL_ID (infra/build/Makefile copies it)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$ROOT"

case "${1:-}" in
  --dir)
    printf '%s\n' "$(cargo_target_dir)/lambda"
    exit 0
    ;;
  --bootstrap)
    [ -n "${2:-}" ] || fail "usage: infra/build.sh --bootstrap LOGICAL_ID"
    function=$(template_functions --of "$2")
    printf '%s\n' "$(cargo_target_dir)/lambda/$function/bootstrap"
    exit 0
    ;;
esac

functions=$(template_functions --names)
mapfile -t FUNCTIONS <<<"$functions"
cmd=(cargo lambda build --release --arm64 --locked)
for f in "${FUNCTIONS[@]}"; do cmd+=(-p "$f"); done

if [ "${1:-}" = --print ]; then
  printf '%s\n' "${cmd[*]}"
  exit 0
fi
[ $# -eq 0 ] || fail "unknown argument: $1 (usage: infra/build.sh [--print | --dir | --bootstrap LOGICAL_ID])"

"$ROOT/scripts/bootstrap.sh" venv arm64
"${cmd[@]}"
out="$(cargo_target_dir)/lambda"
for f in "${FUNCTIONS[@]}"; do
  [ -s "$out/$f/bootstrap" ] || fail "cargo lambda did not produce $out/$f/bootstrap"
done
