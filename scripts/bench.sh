#!/usr/bin/env bash
# make bench: builds the release binaries and measures every function of infra/template.yaml
# (cold start, warm latency, CPU, memory, arm64 package size, instructions per invocation), writing
# bench/RESULTS.md and printing the targets that are missed. Separate from make test: speed and
# memory are never checked by timed tests. Arguments go to lambda-bench (see --help), which reads
# the functions and their routes from the template too (scripts/functions.py).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
started=$(date +%s)

"$ROOT/scripts/bootstrap.sh" venv arm64
command -v valgrind >/dev/null || note "valgrind not found: instructions per invocation will be skipped (apt-get install valgrind)"

functions=$(template_functions --names)
packages=()
while IFS= read -r f; do packages+=(-p "$f"); done <<<"$functions"

step "Release binaries of the functions (native, for measuring) and the harness"
# One cargo invocation: the harness and the functions share one dependency build, which keeps
# make bench within 15 minutes on a fresh 2-core machine. The packages measured for size are the
# arm64 ones below, built on their own exactly as make build / make deploy build them.
cargo build --release --locked "${packages[@]}" -p lambda-bench

step "arm64 packages (cargo lambda build --release --arm64 --output-format zip)"
cargo lambda build --release --arm64 --output-format zip --locked "${packages[@]}"

args=("$@")
# Where the report goes: lambda-bench's --out (bench/RESULTS.md unless given).
report=bench/RESULTS.md
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --out) report="${args[i + 1]:-$report}" ;;
    --out=*) report="${args[i]#--out=}" ;;
  esac
done
if ! command -v valgrind >/dev/null; then args+=(--callgrind-invocations 0); fi
step "Measuring (mp-sandbox and moto_server on loopback)"
"$(cargo_target_dir)/release/lambda-bench" "${args[@]}"
ok "make bench finished in $(( $(date +%s) - started ))s; results in $report"
