#!/usr/bin/env bash
# make catalog: publish catalog.json (products and prices) without building or deploying code.
#   1. checks it with the functions' own rules (the Rust `catalog-check`, domain::catalog): a
#      catalog the functions would refuse is never published
#   2. shows the price changes against the published catalog, and refuses a change of site_id,
#      currency_id or default_locale (the page's config.json follows them: that takes make deploy)
#   3. puts it in the site bucket as catalog.json, the object the page reads (/catalog.json) and
#      the functions read (CATALOG_BUCKET): the page has it at once, the functions within
#      CATALOG_TTL_SECS (60 s); orders already made keep their prices
#   4. deployed: invalidates /catalog.json in CloudFront (locally there is no cache)
#
# Usage: scripts/catalog.sh [FILE]          (make catalog [AWS=1] [DRY_RUN=1])
#   FILE       the catalog to publish (default: the repository's catalog.json, which make deploy
#              also publishes: edit that file, so the next deploy keeps your prices)
#   AWS=1      publish to the deployed stack (DEPLOY_STACK, AWS_REGION as for make deploy; needs
#              AWS credentials); without it, to the running local stack (STACK_NAME, default dev:
#              the one make dev started)
#   DRY_RUN=1  check and show the changes, publish nothing
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/infra/aws.sh"
cd "$ROOT"

case "${1:-}" in
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
[ $# -le 1 ] || fail "usage: scripts/catalog.sh [FILE] (see --help)"
FILE=$(realpath "${1:-$ROOT/catalog.json}")
[ -f "$FILE" ] || fail "$FILE: no such file"
DRY=()
if is_dry_run; then DRY=(--dry-run); fi

step "Checking ${FILE#"$ROOT/"} with the functions' rules"
cargo run --quiet --locked -p domain --bin catalog-check -- "$FILE" ||
  fail "the catalog was not published: fix it and run make catalog again"

if [ -n "${AWS:-}" ] && [ "${AWS}" != 0 ]; then
  resolve_target
  step "Publishing to the deployed stack $STACK ($REGION)"
  require_visible_credentials "Nothing was published."
  "$ROOT/scripts/bootstrap.sh" infra
  require_credentials "Nothing was published."
  require_stack
  if [ -z "${OUT_SiteBucketName:-}" ] || [ -z "${OUT_DistributionId:-}" ]; then
    fail "stack $STACK has no SiteBucketName/DistributionId outputs: run make deploy first"
  fi
  "$INFRA_BIN/python" infra/publish_site.py catalog --bucket "$OUT_SiteBucketName" --region "$REGION" \
    --file "$FILE" "${DRY[@]}" || fail "nothing was published"
  if is_dry_run; then ok "Dry run: nothing was published."; exit 0; fi
  step "Invalidating /catalog.json in CloudFront (the page gets it within a minute or two)"
  "${AWS[@]}" cloudfront create-invalidation --distribution-id "$OUT_DistributionId" --paths /catalog.json \
    --query Invalidation.Id --output text
  ok "Published. New payments use it within the functions' CATALOG_TTL_SECS (60 s by default)."
  exit 0
fi

: "${STACK_NAME:=dev}"
STATE_DIR="$ROOT/.dev/$STACK_NAME"
step "Publishing to the local stack '$STACK_NAME'"
[ -f "$STATE_DIR/functions.env" ] || fail "no local stack '$STACK_NAME' (.dev/$STACK_NAME): start it with make dev,
  or publish to your deployed stack with make catalog AWS=1"
env_value() { sed -n "s/^$1=//p" "$STATE_DIR/functions.env" | tail -n 1; }
bucket=$(env_value CATALOG_BUCKET)
endpoint=$(env_value AWS_ENDPOINT_URL)
if [ -z "$bucket" ] || [ -z "$endpoint" ]; then
  fail ".dev/$STACK_NAME/functions.env has no CATALOG_BUCKET or AWS_ENDPOINT_URL: restart make dev"
fi
curl -s -o /dev/null --max-time 2 "$endpoint" || fail "the local stack '$STACK_NAME' is not running ($endpoint does not answer): start it with make dev"
# moto takes any credentials; these keep boto3 away from a real account's.
env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
  "$ROOT/.venv/bin/python" infra/publish_site.py catalog --bucket "$bucket" --region us-east-1 \
  --endpoint-url "$endpoint" --file "$FILE" "${DRY[@]}" || fail "nothing was published"
if is_dry_run; then ok "Dry run: nothing was published."; exit 0; fi
ok "Published. The page shows it on its next load; payments use it within the functions' CATALOG_TTL_SECS."
