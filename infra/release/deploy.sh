#!/bin/sh
# Deploys this release bundle (made by `make release`) to AWS with the AWS CLI alone: no Rust, no
# SAM CLI, no Python of your own (README.md in this folder; the repository's README.md, "Deploy
# without Rust").
#   1. checks: the AWS CLI, your credentials (aws sts get-caller-identity), the stack's state, your
#      Mercado Pago public key
#   2. an artifacts bucket (ARTIFACTS_BUCKET, or mp-checkout-artifacts-<account>-<region>, created
#      private and encrypted if missing)
#   3. aws cloudformation package: uploads functions/*.zip to it (content-addressed keys: an
#      unchanged function is not uploaded again) and points the template's CodeUri at them
#   4. aws cloudformation deploy (the SAM transform runs in CloudFormation); on the first deploy, a
#      second quick pass tells process_payment its public webhook URL (PublicUrl)
#   5. writes config.json, uploads site/ with explicit content types and cache headers, deletes
#      objects no longer in site/, invalidates CloudFront
#
# Usage: ./deploy.sh [--dry-run]
#   --dry-run (or DRY_RUN=1) prints every AWS command and runs none; needs no credentials.
# Settings, from the environment (the stack remembers them; give them again only to change them):
#   MP_PUBLIC_KEY       your Mercado Pago public key (TEST-... or APP_USR-...): required the first time
#   NOTIFICATION_EMAIL  e-mail for "order paid" events and alarms (set it empty to remove it)
#   DOMAIN_NAME, CERTIFICATE_ARN   optional custom domain and its us-east-1 ACM certificate
#   DEPLOY_STACK        stack name (default mp-checkout)
#   AWS_REGION          region (default AWS_DEFAULT_REGION, then us-east-1)
#   ARTIFACTS_BUCKET    an existing bucket for the function packages and the template (optional)
#   AWS_PROFILE, AWS_ACCESS_KEY_ID...   the usual AWS credentials
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
STACK=${DEPLOY_STACK:-mp-checkout}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}
DRY_RUN=${DRY_RUN:-}
[ "$DRY_RUN" = 0 ] && DRY_RUN=
export AWS_PAGER="" # AWS CLI v2: never open a pager

for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument $arg (see ./deploy.sh --help)" >&2; exit 2 ;;
  esac
done

step() { printf '==> %s\n' "$*"; }
note() { printf '%s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
show() { # show COMMAND...: prints it, each argument shell-quoted when needed
  line=""
  for arg in "$@"; do
    case "$arg" in
      *[!A-Za-z0-9_./:=,@%+-]* | "") arg="'$(printf '%s' "$arg" | sed "s/'/'\\\\''/g")'" ;;
    esac
    line="$line $arg"
  done
  printf '  $%s\n' "$line"
}
run() { # run COMMAND...: prints it, then runs it (a dry run only prints it)
  show "$@"
  [ -n "$DRY_RUN" ] && return 0
  "$@"
}
stack_query() { # stack_query JMESPATH: one value of the stack (describe-stacks)
  aws --region "$REGION" cloudformation describe-stacks --stack-name "$STACK" --query "Stacks[0].$1" \
    --output text
}
output() { stack_query "Outputs[?OutputKey=='$1'].OutputValue | [0]"; }
parameter() { v=$(stack_query "Parameters[?ParameterKey=='$1'].ParameterValue | [0]") && [ "$v" != None ] && echo "$v"; }

case "$STACK" in [A-Za-z]*) ;; *) fail "invalid stack name '$STACK'" ;; esac
case "$STACK" in *[!A-Za-z0-9-]*) fail "invalid stack name '$STACK' (letters, digits and hyphens)" ;; esac
{ [ -f "$HERE/template.yaml" ] && [ -d "$HERE/functions" ] && [ -f "$HERE/site/index.html" ]; } ||
  fail "$HERE is not a complete release bundle (template.yaml, functions/, site/)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

[ -n "$DRY_RUN" ] && step "Dry run: what ./deploy.sh would do for stack $STACK in $REGION (nothing is run)" &&
  note "Values read from AWS at run time are shown as <Name>."

# --- 1. Checks --------------------------------------------------------------------------------
step "1/7 The AWS CLI and your credentials"
command -v aws >/dev/null 2>&1 || [ -n "$DRY_RUN" ] ||
  fail "the AWS CLI (aws) is not installed: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
show aws --region "$REGION" sts get-caller-identity --query Account --output text
if [ -n "$DRY_RUN" ]; then
  ACCOUNT="<Account>"
else
  ACCOUNT=$(aws --region "$REGION" sts get-caller-identity --query Account --output text) ||
    fail "the AWS credential check failed: configure credentials (aws configure, AWS_PROFILE=..., or
  AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...) and run ./deploy.sh again. Nothing was deployed."
  note "   account $ACCOUNT, region $REGION, stack $STACK"
fi

step "2/7 The stack and the settings"
show aws --region "$REGION" cloudformation describe-stacks --stack-name "$STACK" --query 'Stacks[0].StackStatus' --output text
if [ -n "$DRY_RUN" ]; then
  STATUS=UNKNOWN
elif STATUS=$(stack_query StackStatus 2>"$WORK/err"); then
  case "$STATUS" in
    *_IN_PROGRESS) fail "stack $STACK is busy ($STATUS): wait for it to finish, then run ./deploy.sh again" ;;
    ROLLBACK_COMPLETE | ROLLBACK_FAILED | DELETE_FAILED)
      fail "stack $STACK is in $STATUS (a failed first deployment): delete it
  (aws cloudformation delete-stack --stack-name $STACK --region $REGION), then run ./deploy.sh again" ;;
  esac
  note "   stack $STACK exists ($STATUS): it will be updated"
elif grep -q "does not exist" "$WORK/err"; then
  STATUS=NONE
  note "   stack $STACK does not exist yet: it will be created"
else
  cat "$WORK/err" >&2
  fail "could not read stack $STACK in $REGION"
fi
if [ -n "${MP_PUBLIC_KEY:-}" ]; then
  printf '%s\n' "$MP_PUBLIC_KEY" | grep -Eqx '(TEST|APP_USR)-[0-9A-Za-z-]+' ||
    fail "MP_PUBLIC_KEY does not look like a Mercado Pago public key (TEST-... or APP_USR-...)"
elif [ "$STATUS" = NONE ]; then
  fail "MP_PUBLIC_KEY is not set: run MP_PUBLIC_KEY=TEST-... ./deploy.sh (your public key from Mercado Pago:
  Your integrations → your application → Test credentials or Production credentials). Nothing was deployed."
fi
if [ -n "${DOMAIN_NAME:-}${CERTIFICATE_ARN:-}" ] && { [ -z "${DOMAIN_NAME:-}" ] || [ -z "${CERTIFICATE_ARN:-}" ]; } &&
  [ "$STATUS" = NONE ]; then
  fail "a custom domain needs both DOMAIN_NAME and CERTIFICATE_ARN (an ACM certificate in us-east-1)"
fi
# Only what is given: CloudFormation keeps the stack's other parameters (UsePreviousValue).
set --
[ -n "${MP_PUBLIC_KEY:-}" ] && set -- "$@" "MercadoPagoPublicKey=$MP_PUBLIC_KEY"
[ -n "${NOTIFICATION_EMAIL+set}" ] && set -- "$@" "NotificationEmail=${NOTIFICATION_EMAIL:-}"
[ -n "${DOMAIN_NAME+set}" ] && set -- "$@" "DomainName=${DOMAIN_NAME:-}"
[ -n "${CERTIFICATE_ARN+set}" ] && set -- "$@" "CertificateArn=${CERTIFICATE_ARN:-}"
note "   parameters given: ${*:-(none: the stack keeps its current values)}"

# --- 2. The artifacts bucket --------------------------------------------------------------------
BUCKET=${ARTIFACTS_BUCKET:-mp-checkout-artifacts-$ACCOUNT-$REGION}
step "3/7 Artifacts bucket s3://$BUCKET"
show aws --region "$REGION" s3api head-bucket --bucket "$BUCKET"
if [ -n "$DRY_RUN" ] || ! aws --region "$REGION" s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
  [ -n "${ARTIFACTS_BUCKET:-}" ] && [ -z "$DRY_RUN" ] &&
    fail "cannot use ARTIFACTS_BUCKET=$BUCKET (missing, or not yours): create it or unset ARTIFACTS_BUCKET"
  [ -n "$DRY_RUN" ] && note "   if it does not exist:"
  if [ "$REGION" = us-east-1 ]; then
    run aws --region "$REGION" s3api create-bucket --bucket "$BUCKET" --object-ownership BucketOwnerEnforced
  else
    run aws --region "$REGION" s3api create-bucket --bucket "$BUCKET" --object-ownership BucketOwnerEnforced \
      --create-bucket-configuration "LocationConstraint=$REGION"
  fi
  run aws --region "$REGION" s3api put-public-access-block --bucket "$BUCKET" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
  run aws --region "$REGION" s3api put-bucket-encryption --bucket "$BUCKET" --server-side-encryption-configuration \
    '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
fi

# --- 3. Package and deploy ----------------------------------------------------------------------
step "4/7 Upload the functions (aws cloudformation package)"
PACKAGED="$WORK/packaged.yaml"
run aws --region "$REGION" cloudformation package --template-file "$HERE/template.yaml" --s3-bucket "$BUCKET" \
  --s3-prefix "$STACK" --output-template-file "$PACKAGED"

cfn_deploy() { # cfn_deploy [PARAMETER=VALUE...]
  if [ $# -gt 0 ]; then
    run aws --region "$REGION" cloudformation deploy --template-file "$PACKAGED" --stack-name "$STACK" \
      --s3-bucket "$BUCKET" --s3-prefix "$STACK" --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
      --no-fail-on-empty-changeset --tags project=mp-checkout environment=production --parameter-overrides "$@"
  else
    run aws --region "$REGION" cloudformation deploy --template-file "$PACKAGED" --stack-name "$STACK" \
      --s3-bucket "$BUCKET" --s3-prefix "$STACK" --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
      --no-fail-on-empty-changeset --tags project=mp-checkout environment=production
  fi
}
step "5/7 Deploy the stack $STACK (aws cloudformation deploy; the first time takes ~5 minutes: CloudFront)"
cfn_deploy "$@"
if [ -n "$DRY_RUN" ]; then
  SITE_URL="<SiteUrl>" WEBHOOK_URL="<WebhookUrl>" SITE_BUCKET="<SiteBucketName>" DISTRIBUTION="<DistributionId>"
  SECRET_ARN="<MercadoPagoSecretArn>" PUBLIC_KEY=${MP_PUBLIC_KEY:-<MercadoPagoPublicKey>}
  note "   then, if the stack's PublicUrl parameter is not yet <SiteUrl> (first deploy, or a new domain):"
  cfn_deploy "PublicUrl=$SITE_URL"
else
  SITE_URL=$(output SiteUrl)
  if [ "$(parameter PublicUrl || true)" != "$SITE_URL" ]; then
    note "   telling process_payment its public webhook URL"
    cfn_deploy "PublicUrl=$SITE_URL"
  fi
  WEBHOOK_URL=$(output WebhookUrl) SITE_BUCKET=$(output SiteBucketName) DISTRIBUTION=$(output DistributionId)
  SECRET_ARN=$(output MercadoPagoSecretArn) PUBLIC_KEY=$(parameter MercadoPagoPublicKey || true)
  case "$SITE_BUCKET" in "" | None) fail "stack $STACK has no SiteBucketName output" ;; esac
fi

# --- 4. The page --------------------------------------------------------------------------------
step "6/7 Write config.json and upload the page to s3://$SITE_BUCKET"
catalog_value() { # catalog_value KEY: a top-level "KEY": "value" of site/catalog.json
  v=$(sed -n "s/^  \"$1\": *\"\\([A-Za-z_-]*\\)\",\{0,1\}\$/\\1/p" "$HERE/site/catalog.json")
  { [ -n "$v" ] && [ "$(printf '%s\n' "$v" | wc -l)" -eq 1 ]; } || fail "site/catalog.json has no single \"$1\""
  printf '%s' "$v"
}
cat >"$WORK/config.json" <<EOF
{
  "public_key": "$PUBLIC_KEY",
  "sdk_url": "https://sdk.mercadopago.com/js/v2",
  "device_script_url": "https://www.mercadopago.com/v2/security.js",
  "api_base": "/api",
  "site_id": "$(catalog_value site_id)",
  "currency_id": "$(catalog_value currency_id)",
  "locale": "$(catalog_value default_locale)"
}
EOF
sed 's/^/   /' "$WORK/config.json"
# Mirrors infra/publish_site.py: text is revalidated on every load and cached at the edge until the
# next deploy (which invalidates it); images and fonts are cached by browsers for a day.
REVALIDATE="public, max-age=0, s-maxage=31536000, must-revalidate"
STATIC="public, max-age=86400, s-maxage=31536000"
put() { # put FILE KEY
  name=$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]')
  case "$name" in
    *.html) type="text/html; charset=utf-8" cache=$REVALIDATE ;;
    *.js | *.mjs) type="text/javascript; charset=utf-8" cache=$REVALIDATE ;;
    *.css) type="text/css; charset=utf-8" cache=$REVALIDATE ;;
    *.json) type="application/json; charset=utf-8" cache=$REVALIDATE ;;
    *.webmanifest) type="application/manifest+json; charset=utf-8" cache=$REVALIDATE ;;
    *.txt) type="text/plain; charset=utf-8" cache=$REVALIDATE ;;
    *.svg) type="image/svg+xml" cache=$STATIC ;;
    *.png) type="image/png" cache=$STATIC ;;
    *.jpg | *.jpeg) type="image/jpeg" cache=$STATIC ;;
    *.gif) type="image/gif" cache=$STATIC ;;
    *.webp) type="image/webp" cache=$STATIC ;;
    *.avif) type="image/avif" cache=$STATIC ;;
    *.ico) type="image/x-icon" cache=$STATIC ;;
    *.woff2) type="font/woff2" cache=$STATIC ;;
    *.woff) type="font/woff" cache=$STATIC ;;
    *) fail "site/$2: unknown file type (html, js, css, json, svg, png, jpg, webp, woff2... are known)" ;;
  esac
  run aws --region "$REGION" s3 cp "$1" "s3://$SITE_BUCKET/$2" --content-type "$type" --cache-control "$cache" \
    --only-show-errors
  printf '%s\n' "$2" >>"$WORK/keep"
}
: >"$WORK/keep"
(cd "$HERE/site" && find . -type f ! -path '*/.*' | sed 's|^\./||' | LC_ALL=C sort) >"$WORK/files"
while IFS= read -r key; do
  [ "$key" = config.json ] || put "$HERE/site/$key" "$key"
done <"$WORK/files"
put "$WORK/config.json" config.json
# Objects no longer in site/ (the site's keys have no spaces).
show aws --region "$REGION" s3api list-objects-v2 --bucket "$SITE_BUCKET" --query 'Contents[].Key' --output text
if [ -n "$DRY_RUN" ]; then
  note "   then, for each object not uploaded above:"
  show aws --region "$REGION" s3 rm "s3://$SITE_BUCKET/<Key>" --only-show-errors
else
  set -f # the keys are words, never patterns
  for key in $(aws --region "$REGION" s3api list-objects-v2 --bucket "$SITE_BUCKET" --query 'Contents[].Key' \
    --output text); do
    [ "$key" = None ] || grep -Fxq -- "$key" "$WORK/keep" ||
      run aws --region "$REGION" s3 rm "s3://$SITE_BUCKET/$key" --only-show-errors
  done
fi

step "7/7 Invalidate CloudFront's copy of the page"
run aws --region "$REGION" cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths '/*' \
  --query Invalidation.Id --output text

if [ -n "$DRY_RUN" ]; then
  echo "Dry run done: nothing was deployed or uploaded."
  exit 0
fi
cat <<EOF

Deployed.
  Site:         $SITE_URL
  Webhook URL:  $WEBHOOK_URL
  Secret:       $SECRET_ARN

Next steps (README.md in this folder):
  1. In Mercado Pago: Your integrations → your application → Webhooks → Configure notifications:
     paste the webhook URL above, tick the event "Payments", save, and copy the secret signature.
  2. Store your access token and that signature (asked without echo): ./set-credentials.sh
  3. Open the site and pay with a test card (CloudFront may take a minute or two).
EOF
