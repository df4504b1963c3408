#!/usr/bin/env bash
# make infra-check (and a step of make test): everything about the AWS deployment that can be
# checked without AWS, on a fresh machine too.
#   1. unit tests: scripts/csp.py, the template against the code, infra/publish_site.py
#   1b. deploy rehearsal        (scripts/rehearse.py: the SAM-translated template created on moto's
#                               CloudFormation in sa-east-1 and us-east-1, as far as moto models
#                               its types; scripts/test_rehearse.py asserts what it created)
#   2. sam validate --lint      (SAM transform + cfn-lint rules)
#   3. cfn-lint                 (pinned version, all rules, on the raw template)
#   4. checkov                  (security scan; every skip is justified in the template)
#   5. the release arm64 build  (one cargo lambda build for every function of the template)
#   6. sam build                (the artifacts sam deploy uploads) + an arm64 bootstrap for each
#                               function of the template (scripts/functions.py), nothing else
# Installs its tools once: .venv-infra and .venv-checkov (scripts/bootstrap.sh infra).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
started=$(date +%s)

TEMPLATE=infra/template.yaml
INFRA_BIN="$ROOT/.venv-infra/bin"
CHECKOV_BIN="$ROOT/.venv-checkov/bin"

"$ROOT/scripts/bootstrap.sh" venv arm64 infra
# The template's function resources (logical ids): what sam build must produce.
resources=$(template_functions --resources)
mapfile -t FUNCTIONS < <(cut -d' ' -f1 <<<"$resources")

timed() { # timed LABEL COMMAND...: runs, then prints how long it took
  local label=$1 t0 rc=0; shift
  t0=$(date +%s)
  "$@" || rc=$?
  note "   $label: $(( $(date +%s) - t0 ))s"
  return "$rc"
}

step "Unit tests: CSP, template vs code, page publishing (scripts/test_*.py, infra/test_*.py)"
unit_tests() {
  "$INFRA_BIN/python" -m unittest discover -s scripts -p 'test_*.py' &&
    "$INFRA_BIN/python" -m unittest discover -s infra -p 'test_*.py'
}
timed "unit tests" unit_tests

step "Deploy rehearsal: the SAM-translated stack on moto's CloudFormation (scripts/rehearse.py)"
# moto is in .venv, samtranslator in .venv-infra (rehearse.py translates through .venv-infra's
# python). The unit tests above ran test_rehearse.py under .venv-infra, where its moto tests skip;
# here they run under .venv, and REHEARSAL_REQUIRED=1 makes a missing moto a failure, not a skip.
rehearsal() {
  "$ROOT/.venv/bin/python" -c 'import moto' 2>/dev/null || fail ".venv has no moto: scripts/bootstrap.sh venv"
  "$ROOT/.venv/bin/python" scripts/rehearse.py | sed 's/^/  /' &&
    REHEARSAL_REQUIRED=1 "$ROOT/.venv/bin/python" -m unittest discover -s scripts -p test_rehearse.py
}
timed "rehearsal" rehearsal

step "sam validate --lint"
# Region only so the SAM CLI does not look for an AWS configuration: nothing is called.
timed "sam validate" "$INFRA_BIN/sam" validate --lint --template-file "$TEMPLATE" --region us-east-1 \
  --config-file "$ROOT/samconfig.toml"

step "cfn-lint $("$INFRA_BIN/cfn-lint" --version | awk '{print $2}')"
timed "cfn-lint" "$INFRA_BIN/cfn-lint" "$TEMPLATE"

step "checkov $("$CHECKOV_BIN/checkov" --version)"
# Fails on any failed check, and on any skip in the template that no longer matches a finding
# (a stale skip would silently hide a future one). BC_SKIP_MAPPING: offline, no guideline download.
checkov_scan() {
  local report rc=0
  report=$(mktemp)
  BC_SKIP_MAPPING=TRUE "$CHECKOV_BIN/checkov" -f "$TEMPLATE" --framework cloudformation --skip-download \
    --output json >"$report" 2>/dev/null || rc=$?
  "$INFRA_BIN/python" - "$report" "$TEMPLATE" "$rc" <<'PY' || rc=1
import json, sys
sys.path.insert(0, "scripts")
import csp
report, template, rc = json.load(open(sys.argv[1])), csp.load_template(sys.argv[2]), int(sys.argv[3])
results, summary = report["results"], report["summary"]
print(f"  passed {summary['passed']}, failed {summary['failed']}, skipped {summary['skipped']} (each justified in the template)")
for c in results.get("failed_checks", []):
    print(f"  FAILED {c['check_id']} {c['resource']} (line {c['file_line_range'][0]}): {c['check_name']}")
declared = {
    (skip["id"], f"{r['Type']}.{name}")
    for name, r in template["Resources"].items()
    for skip in r.get("Metadata", {}).get("checkov", {}).get("skip", [])
}
skipped = {(c["check_id"], c["resource"]) for c in results.get("skipped_checks", [])}
for check_id, resource in sorted(declared - skipped):
    print(f"  STALE SKIP {check_id} on {resource}: checkov no longer reports it; remove the skip")
sys.exit(1 if rc or results.get("failed_checks") or declared - skipped or summary["parsing_errors"] else 0)
PY
  rm -f "$report"
  return "$rc"
}
timed "checkov" checkov_scan

step "Release arm64 binaries ($("$ROOT/infra/build.sh" --print))"
timed "cargo lambda build" "$ROOT/infra/build.sh"

step "sam build (BuildMethod: makefile, build in source)"
rm -rf .aws-sam/build
timed "sam build" "$INFRA_BIN/sam" build --template-file "$TEMPLATE" --config-file "$ROOT/samconfig.toml" \
  --build-in-source

step "The built artifacts are ${#FUNCTIONS[@]} arm64 Lambda bootstraps (${FUNCTIONS[*]})"
"$INFRA_BIN/python" - "${FUNCTIONS[@]}" <<'PY'
import os, struct, sys
EM_AARCH64 = 183
bad = []
for name in sys.argv[1:]:
    path = os.path.join(".aws-sam", "build", name, "bootstrap")
    try:
        with open(path, "rb") as f:
            head = f.read(20)
        mode = os.stat(path).st_mode
    except OSError as e:
        bad.append(f"{path}: {e}")
        continue
    machine = struct.unpack_from("<H", head, 18)[0] if head[:4] == b"\x7fELF" else None
    if head[:4] != b"\x7fELF" or head[4] != 2 or machine != EM_AARCH64:
        bad.append(f"{path}: not a 64-bit ARM (aarch64) ELF executable")
    elif not mode & 0o111:
        bad.append(f"{path}: not executable")
    else:
        print(f"  {path}: ELF 64-bit aarch64, {os.path.getsize(path) / 1e6:.1f} MB")
extra = sorted(set(os.listdir(os.path.join(".aws-sam", "build"))) - set(sys.argv[1:]) - {"template.yaml"})
if extra:
    bad.append(f"unexpected build outputs: {extra}")
if bad:
    sys.exit("\n".join(bad))
PY
if command -v file >/dev/null; then file .aws-sam/build/*/bootstrap | sed 's/^/  /'; fi

ok "Infrastructure checks passed in $(( $(date +%s) - started ))s"
