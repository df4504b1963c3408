#!/usr/bin/env bash
# make deploy: from a clone to a live checkout on AWS, in one command (README.md, "Deploy to AWS").
#   1. checks: AWS credentials, the stack's state, your Mercado Pago public key, catalog.json
#      (with the functions' own rules; before building)
#   2. builds the three functions for Lambda arm64 (cargo lambda) and packages them (sam build)
#   3. deploys the stack (sam deploy); on the first deploy, a second quick pass tells
#      process_payment its public webhook URL (infra/template.yaml explains why)
#   4. writes config.json, uploads the page (catalog.json included: the functions read it from
#      the bucket) to the bucket, invalidates CloudFront
#   5. prints the site URL, the webhook URL for Mercado Pago, and what to do next
#
# Usage: scripts/deploy.sh [--dry-run]       (make deploy [DRY_RUN=1])
#   --dry-run (or DRY_RUN=1) prints every step and the exact commands, runs none, needs no credentials.
# Settings, from the environment (the stack remembers them; give them again only to change them):
#   MP_PUBLIC_KEY       your Mercado Pago public key (TEST-... or APP_USR-...): required the first time
#   NOTIFICATION_EMAIL  e-mail for "order paid" events and alarms (set it empty to remove it)
#   DOMAIN_NAME, CERTIFICATE_ARN   optional custom domain and its us-east-1 ACM certificate
#   DEPLOY_STACK        stack name (default: samconfig.toml, mp-checkout)
#   AWS_REGION          region (default: AWS_DEFAULT_REGION, then samconfig.toml, us-east-1)
#   AWS_PROFILE, AWS_ACCESS_KEY_ID...   the usual AWS credentials
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/infra/aws.sh"
cd "$ROOT"

for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $arg (see scripts/deploy.sh --help)" ;;
  esac
done

resolve_target
BUILD_DIR=.aws-sam/build
CONFIG_JSON=.aws-sam/deploy/config.json
started=$(date +%s)

if is_dry_run; then
  step "Dry run: what make deploy would do for stack $STACK in $REGION (nothing is run)"
  note "Values read from the stack at run time are shown as <Output> / <Parameter>."
fi

# --- 1. Checks: fail before building or deploying anything ------------------------------------
step "1/8 AWS credentials"
if is_dry_run; then
  show scripts/bootstrap.sh venv arm64 infra
  show "${AWS[@]}" sts get-caller-identity --query Account --output text
else
  require_visible_credentials "Nothing was built or deployed."
  "$ROOT/scripts/bootstrap.sh" venv arm64 infra
  require_credentials "Nothing was built or deployed."
  note "   account $ACCOUNT, region $REGION, stack $STACK"
fi

step "2/8 The stack and the settings"
OVERRIDES=()
if is_dry_run; then
  show "${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK" --output json
  STACK_STATUS=UNKNOWN
  PUBLIC_KEY=${MP_PUBLIC_KEY:-<MercadoPagoPublicKey>}
  OUT_SiteBucketName="<SiteBucketName>"
  OUT_DistributionId="<DistributionId>"
  OUT_SiteUrl="<SiteUrl>"
  OUT_WebhookUrl="<WebhookUrl>"
  OUT_MercadoPagoSecretArn="<MercadoPagoSecretArn>"
else
  load_stack
  case "$STACK_STATUS" in
    NONE) note "   stack $STACK does not exist yet: it will be created" ;;
    *_IN_PROGRESS) fail "stack $STACK is busy ($STACK_STATUS): wait for it to finish, then run make deploy again. Nothing was built." ;;
    ROLLBACK_COMPLETE | ROLLBACK_FAILED | DELETE_FAILED)
      fail "stack $STACK is in $STACK_STATUS (a failed first deployment): run make destroy, then make deploy. Nothing was built." ;;
    *) note "   stack $STACK exists ($STACK_STATUS): it will be updated" ;;
  esac
  PUBLIC_KEY=${MP_PUBLIC_KEY:-${PARAM_MercadoPagoPublicKey:-}}
  [ -n "$PUBLIC_KEY" ] || fail "MP_PUBLIC_KEY is not set: run MP_PUBLIC_KEY=TEST-... make deploy (your public key from
  Mercado Pago: Your integrations → your application → Test credentials or Production credentials).
  The stack remembers it afterwards. Nothing was built or deployed."
fi
if [ -n "${MP_PUBLIC_KEY:-}" ]; then
  [[ "$MP_PUBLIC_KEY" =~ ^(TEST|APP_USR)-[0-9A-Za-z-]+$ ]] ||
    fail "MP_PUBLIC_KEY does not look like a Mercado Pago public key (TEST-... or APP_USR-...). Nothing was built."
  OVERRIDES+=("MercadoPagoPublicKey=$MP_PUBLIC_KEY")
fi
if [ -n "${DOMAIN_NAME:-}${CERTIFICATE_ARN:-}" ] && { [ -z "${DOMAIN_NAME:-${PARAM_DomainName:-}}" ] || [ -z "${CERTIFICATE_ARN:-${PARAM_CertificateArn:-}}" ]; }; then
  fail "a custom domain needs both DOMAIN_NAME and CERTIFICATE_ARN (an ACM certificate in us-east-1). Nothing was built."
fi
if [ -n "${NOTIFICATION_EMAIL+set}" ]; then OVERRIDES+=("NotificationEmail=${NOTIFICATION_EMAIL:-\"\"}"); fi
if [ -n "${DOMAIN_NAME+set}" ]; then OVERRIDES+=("DomainName=${DOMAIN_NAME:-\"\"}"); fi
if [ -n "${CERTIFICATE_ARN+set}" ]; then OVERRIDES+=("CertificateArn=${CERTIFICATE_ARN:-\"\"}"); fi
# The public URL is known before deploying when the stack exists and its domain is not changing.
if [ "$STACK_STATUS" != NONE ] && [ "$STACK_STATUS" != UNKNOWN ] && [ -z "${DOMAIN_NAME+set}${CERTIFICATE_ARN+set}" ] &&
  [ -n "${OUT_SiteUrl:-}" ] && [ "${PARAM_PublicUrl:-}" != "$OUT_SiteUrl" ]; then
  OVERRIDES+=("PublicUrl=$OUT_SiteUrl")
fi
note "   parameters given: ${OVERRIDES[*]:-(none: the stack keeps its current values)}"
# The functions read catalog.json from the bucket this deploy uploads it to: check it with their
# rules first (make catalog publishes it alone, without a deploy).
run cargo run --quiet --locked -p domain --bin catalog-check -- catalog.json ||
  fail "catalog.json is not valid (above): fix it and run make deploy again. Nothing was built or deployed."

# --- 2. Build ---------------------------------------------------------------------------------
step "3/8 Build the functions for Lambda arm64"
run "$ROOT/infra/build.sh"
step "4/8 Package them (sam build)"
run rm -rf "$BUILD_DIR"
run "${SAM[@]}" build --config-file "$SAMCONFIG" --template-file infra/template.yaml --build-in-source

# --- 3. Deploy --------------------------------------------------------------------------------
sam_deploy() { # sam_deploy [PARAMETER=VALUE...]
  local cmd=("${SAM[@]}" deploy --config-file "$SAMCONFIG" --template-file "$BUILD_DIR/template.yaml"
    --stack-name "$STACK" --region "$REGION" --capabilities CAPABILITY_IAM --resolve-s3 --s3-prefix "$STACK"
    --no-confirm-changeset --no-fail-on-empty-changeset)
  [ $# -gt 0 ] && cmd+=(--parameter-overrides "$@")
  run "${cmd[@]}"
}
step "5/8 Deploy the stack $STACK (sam deploy; the first time takes ~5 minutes: CloudFront)"
sam_deploy "${OVERRIDES[@]}"
if is_dry_run; then
  note "   then, if the stack's PublicUrl parameter is not yet <SiteUrl> (first deploy, or a new domain):"
  sam_deploy "PublicUrl=<SiteUrl>"
else
  load_stack
  if [ "${PARAM_PublicUrl:-}" != "$OUT_SiteUrl" ]; then
    note "   telling process_payment its public webhook URL ($OUT_WebhookUrl)"
    sam_deploy "PublicUrl=$OUT_SiteUrl"
    load_stack
  fi
  PUBLIC_KEY=${PARAM_MercadoPagoPublicKey:-$PUBLIC_KEY}
fi

# --- 4. The page -------------------------------------------------------------------------------
step "6/8 Write config.json (public key, site, currency and locale from catalog.json; the device script)"
run python3 infra/publish_site.py config --public-key "$PUBLIC_KEY" --out "$CONFIG_JSON"
step "7/8 Upload the page to the bucket (explicit content types and cache headers)"
if is_dry_run; then
  python3 infra/publish_site.py plan --config "$CONFIG_JSON"
fi
run "$INFRA_BIN/python" infra/publish_site.py upload --bucket "$OUT_SiteBucketName" --region "$REGION" --config "$CONFIG_JSON"
step "8/8 Invalidate CloudFront's copy of the page"
run "${AWS[@]}" cloudfront create-invalidation --distribution-id "$OUT_DistributionId" --paths '/*' \
  --query Invalidation.Id --output text

# --- 5. What next -------------------------------------------------------------------------------
if is_dry_run; then
  ok "Dry run done: nothing was built, deployed or uploaded."
  exit 0
fi
ok "Deployed in $(( $(date +%s) - started ))s."
cat <<EOF

  Site:         ${BOLD}$OUT_SiteUrl${RESET}
  Webhook URL:  ${BOLD}$OUT_WebhookUrl${RESET}
  Secret:       $OUT_MercadoPagoSecretArn

Next steps (README.md, "Deploy to AWS"):
  1. In Mercado Pago: Your integrations → your application → Webhooks → Configure notifications:
     paste the webhook URL above (test and/or production mode), tick the event "Payments", save,
     and copy the secret signature it shows.
  2. Store your credentials (asked without echo; access token of the same application):
       make set-credentials
  3. ${NOTIFICATION_EMAIL:+Confirm the two SNS subscription e-mails sent to $NOTIFICATION_EMAIL, then }Open the site and pay with a test card.
     CloudFront may take a minute or two to serve the new page everywhere.
EOF
