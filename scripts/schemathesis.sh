#!/usr/bin/env bash
# Checks a running checkout API against its OpenAPI document (docs/openapi.yaml) with schemathesis:
# generated requests (valid and invalid) for every documented operation, and every answer checked
# for server errors (5xx), undocumented status codes, content types and body schemas.
#
# Usage: scripts/schemathesis.sh BASE_URL MAX_EXAMPLES
#   BASE_URL      where /api/* is served, e.g. http://127.0.0.1:8080 (a stack from scripts/lib/stack.sh)
#   MAX_EXAMPLES  at most this many generated cases per operation in the fuzzing phase (the
#                 examples and coverage phases add their own, a bounded number per operation)
#
# Requests go to BASE_URL only (proxy variables are ignored). Generation is reproducible: a fixed
# seed and no example database. Each request times out, and the whole run is bounded too.
# Reports (JUnit XML and schemathesis' JSON run report) and the full console output are written
# to .dev/schemathesis/. schemathesis' own output goes to stderr; stdout gets one line at the end:
#   schemathesis: N cases, S 5xx, V schema violations
# (N test cases generated in all; S failed not_a_server_error checks; V failed status code,
# content type and schema checks), and the exit status is non-zero when S or V > 0 or
# schemathesis did not finish cleanly (errors, timeouts, a schema it could not load).
#
# Environment (optional):
#   SCHEMATHESIS_SEED             seed for generation (default 1)
#   SCHEMATHESIS_REQUEST_TIMEOUT  seconds per request (default 40: above the local edge's 35 s
#                                 upstream timeout, so a stuck function shows up as its 502)
#   SCHEMATHESIS_TIMEOUT          seconds for the whole run (default 900 + 3 × MAX_EXAMPLES)
#   SCHEMATHESIS_REPORT_DIR       where reports go (default .dev/schemathesis)
#   SCHEMATHESIS_WEBHOOK_SECRET   the stack's webhook secret (`sandbox-webhook-secret` for a stack
#                                 from scripts/lib/stack.sh): scripts/schemathesis_hooks.py then
#                                 signs the generated webhooks that carry an x-request-id, so the
#                                 code after the signature check is tested too (default: unset,
#                                 every generated webhook is unsigned and answered 401)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

usage() { printf 'usage: %s BASE_URL MAX_EXAMPLES\n' "$0" >&2; exit 2; }
[ $# -eq 2 ] || usage
BASE_URL=${1%/}
MAX_EXAMPLES=$2
[[ "$BASE_URL" =~ ^https?://[^/]+$ ]] || fail "BASE_URL must be a scheme and host, like http://127.0.0.1:8080 (got '$1')"
[[ "$MAX_EXAMPLES" =~ ^[1-9][0-9]*$ ]] || fail "MAX_EXAMPLES must be a positive integer (got '$2')"

SEED=${SCHEMATHESIS_SEED:-1}
REQUEST_TIMEOUT=${SCHEMATHESIS_REQUEST_TIMEOUT:-40}
RUN_TIMEOUT=${SCHEMATHESIS_TIMEOUT:-$((900 + 3 * MAX_EXAMPLES))}
REPORT_DIR=${SCHEMATHESIS_REPORT_DIR:-$ROOT/.dev/schemathesis}
SCHEMA="$ROOT/docs/openapi.yaml"

"$ROOT/scripts/bootstrap.sh" venv >&2 # schemathesis is in requirements/dev.txt
[ -x "$ROOT/.venv/bin/schemathesis" ] || fail "schemathesis is not in .venv: run scripts/bootstrap.sh venv"

# Fail fast, and clearly, when nothing answers at BASE_URL (any HTTP status will do).
curl -s -o /dev/null --max-time 10 "$BASE_URL/api/notifications" ||
  fail "nothing answers at $BASE_URL (start the stack first: make dev, or stack_up in scripts/lib/stack.sh)"

mkdir -p "$REPORT_DIR"
REPORT_DIR=$(cd "$REPORT_DIR" && pwd)
JUNIT="$REPORT_DIR/junit.xml"
JSON="$REPORT_DIR/report.json"
LOG="$REPORT_DIR/output.log"
CONFIG="$REPORT_DIR/schemathesis.toml"
rm -f "$JUNIT" "$JSON" "$LOG" # never read a report of an earlier run
# schemathesis keeps state between runs in .schemathesis/ (failing cases it replays first next
# time) unless told not to; and its own file, not a schemathesis.toml it might find, is used.
cat >"$CONFIG" <<'TOML'
# Written by scripts/schemathesis.sh: no state carried from one run to the next.
[cache]
enabled = false
TOML

step "schemathesis against $BASE_URL (at most $MAX_EXAMPLES examples per operation, seed $SEED)" >&2
# - No proxy: the requests go straight to BASE_URL and nowhere else.
# - --generation-database none: no example database, so a run does not depend on the last.
# - Run from $REPORT_DIR, with Hypothesis' storage there: nothing is written into the work tree.
# - --workers 1: one request at a time, so the order (and the seed's effect) is reproducible.
# - timeout sends SIGINT first: schemathesis then stops and still writes its reports.
# - scripts/schemathesis_hooks.py signs webhooks when SCHEMATHESIS_WEBHOOK_SECRET is set.
rc=0
(cd "$REPORT_DIR" &&
  env -u http_proxy -u https_proxy -u all_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY \
    SCHEMATHESIS_HOOKS="$ROOT/scripts/schemathesis_hooks.py" \
    HYPOTHESIS_STORAGE_DIRECTORY="$REPORT_DIR/.hypothesis" \
    timeout --signal=INT --kill-after=30 "$RUN_TIMEOUT" \
    "$ROOT/.venv/bin/schemathesis" --no-color --config-file "$CONFIG" run "$SCHEMA" \
      --url "$BASE_URL" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --max-examples "$MAX_EXAMPLES" \
      --seed "$SEED" \
      --generation-database none \
      --workers 1 \
      --request-timeout "$REQUEST_TIMEOUT" \
      --request-retries 0 \
      --max-redirects 0 \
      --report junit,json \
      --report-dir "$REPORT_DIR" \
      --report-junit-path "$JUNIT" \
      --report-json-path "$JSON" \
      2>&1) | tee "$LOG" >&2 || rc=${PIPESTATUS[0]}
# (`rc` is the status of schemathesis through timeout, 124 when it ran out of time; not tee's)

# N, S and V from the JSON run report: test_cases.generated, and the failed checks summed over the
# failure groups (ServerError ones are S). No report (schemathesis killed, or it could not start):
# zeros, and a failure.
read -r cases server_errors violations < <(
  python3 - "$JSON" <<'PY'
import json, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        report = json.load(f)
except (OSError, ValueError):
    print("- - -")
    sys.exit(0)
cases = (report.get("test_cases") or {}).get("generated", 0)
groups = report.get("failures") or []
server_errors = sum(g.get("count", 0) for g in groups if g.get("type") == "ServerError")
violations = sum(g.get("count", 0) for g in groups if g.get("type") != "ServerError")
print(cases, server_errors, violations)
PY
)
if [ "$cases" = "-" ]; then
  printf '%sno schemathesis report at %s (exit status %s); see %s%s\n' "$RED" "$JSON" "$rc" "$LOG" "$RESET" >&2
  cases=0 server_errors=0 violations=0
  [ "$rc" -ne 0 ] || rc=1
fi
[ "$rc" -ne 124 ] || printf '%sschemathesis ran past %ss and was stopped%s\n' "$RED" "$RUN_TIMEOUT" "$RESET" >&2
note "reports: $JUNIT, $JSON; output: $LOG" >&2

echo "schemathesis: $cases cases, $server_errors 5xx, $violations schema violations"
if [ "$server_errors" -gt 0 ] || [ "$violations" -gt 0 ] || [ "$rc" -ne 0 ]; then
  exit 1
fi
