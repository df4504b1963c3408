#!/usr/bin/env bash
# make bench: builds the release binaries and measures the three functions (cold start, warm
# latency, CPU, memory, arm64 package size, instructions per invocation), writing
# bench/RESULTS.md and printing the targets that are missed. Separate from make test: speed and
# memory are never checked by timed tests. Arguments go to lambda-bench (see --help).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
started=$(date +%s)

"$ROOT/scripts/bootstrap.sh" venv arm64
command -v valgrind >/dev/null || note "valgrind not found: instructions per invocation will be skipped (apt-get install valgrind)"

step "Release binaries of the functions (native, for measuring)"
# Built on their own: building them with the harness would unify features and bloat them.
cargo build --release --locked -p process_payment -p notifications -p payment_status

step "arm64 packages (cargo lambda build --release --arm64 --output-format zip)"
cargo lambda build --release --arm64 --output-format zip --locked -p process_payment -p notifications -p payment_status

step "The harness"
cargo build --release --locked -p lambda-bench

args=("$@")
if ! command -v valgrind >/dev/null; then args+=(--callgrind-invocations 0); fi
step "Measuring (mp-sandbox and moto_server on loopback)"
target/release/lambda-bench "${args[@]}"
ok "make bench finished in $(( $(date +%s) - started ))s; results in bench/RESULTS.md"
