#!/usr/bin/env bash
# make deploy: from a clone to a live checkout on AWS, in one command (README.md, "Deploy to AWS").
#   1. checks: AWS credentials, the stack's state, your Mercado Pago public key, catalog.json
#      (with the functions' own rules; before building)
#   2. builds the template's functions for Lambda arm64 (cargo lambda) and packages them (sam build)
#   3. deploys the stack (sam deploy); on the first deploy, a second quick pass tells
#      process_payment its public webhook URL (infra/template.yaml explains why)
#   4. writes config.json, uploads the page (catalog.json included: the functions read it from
#      the bucket) to the bucket, invalidates CloudFront
#   5. stores the Mercado Pago access token in the stack's secret, prints the site URL, the webhook
#      URL and the steps in Mercado Pago's panel, and takes the webhook secret signature
#
# On a terminal (stdin is a TTY) it asks for what is missing, and only that: the public key (unless
# MP_PUBLIC_KEY or the stack has it), the access token (before building) and the webhook secret
# signature (after printing the webhook URL; Enter skips: make set-credentials later). Secrets are
# read without echo and reach Secrets Manager through pipes only (scripts/lib/common.sh). Off a
# terminal (CI) it never asks: it fails before building, naming the variables that are missing.
#
# Usage: scripts/deploy.sh [--dry-run]       (make deploy [DRY_RUN=1])
#   --dry-run (or DRY_RUN=1) prints every step and the exact commands, runs none, needs no credentials.
# Settings, from the environment (the stack remembers them; give them again only to change them):
#   MP_PUBLIC_KEY       your Mercado Pago public key (TEST-... or APP_USR-...): needed the first time
#   MP_ACCESS_TOKEN, MP_WEBHOOK_SECRET   for automation only (CI): the environment is the weaker place
#                       (other processes of yours can read it); on a terminal, let it ask instead
#   NOTIFICATION_EMAIL  e-mail for "order paid" events and alarms (set it empty to remove it)
#   DOMAIN_NAME, CERTIFICATE_ARN   optional custom domain and its us-east-1 ACM certificate
#   DEPLOY_STACK        stack name (default: samconfig.toml, mp-checkout)
#   AWS_REGION          region (default: AWS_DEFAULT_REGION, then samconfig.toml, us-east-1)
#   AWS_PROFILE, AWS_ACCESS_KEY_ID...   the usual AWS credentials
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/infra/aws.sh"
cd "$ROOT"
is_stored() { [[ " ${STORED:-} " == *" $1 "* ]]; } # is_stored KEY: the stack's secret holds a value for KEY

for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $arg (see scripts/deploy.sh --help)" ;;
  esac
done

# The secrets given in the environment become plain shell variables: no child (cargo, sam, the AWS
# CLI, which may log) inherits them.
ACCESS_TOKEN=${MP_ACCESS_TOKEN:-}
WEBHOOK_SECRET=${MP_WEBHOOK_SECRET:-}
unset MP_ACCESS_TOKEN MP_WEBHOOK_SECRET
INTERACTIVE=
[ -t 0 ] && INTERACTIVE=1
[[ $NO_CREDENTIALS_HELP == *.venv-infra/bin/aws* ]] || NO_CREDENTIALS_HELP+="
  Without a system AWS CLI, use the project's: scripts/bootstrap.sh infra, then .venv-infra/bin/aws configure."

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
  [ -n "${MP_PUBLIC_KEY:-}" ] || note "   warning: MP_PUBLIC_KEY is not set. A first deploy needs it (on a terminal make deploy asks
   for it; in CI set MP_PUBLIC_KEY); a stack that exists keeps the one it has."
  show "${AWS[@]}" secretsmanager get-secret-value --secret-id "<MercadoPagoSecretArn>" --output json
  note "   (piped into python3, which prints only which of access_token and webhook_secret hold a value)"
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
  [ -z "$ACCESS_TOKEN" ] || valid_access_token "$ACCESS_TOKEN" ||
    fail "MP_ACCESS_TOKEN does not look like a Mercado Pago access token (TEST-... or APP_USR-...). Nothing was built."
  [ -z "$WEBHOOK_SECRET" ] || valid_webhook_secret "$WEBHOOK_SECRET" ||
    fail "MP_WEBHOOK_SECRET is too short or has spaces (copy the secret signature from Mercado Pago). Nothing was built."
  # What the stack's secret already holds (key names only: the values are never read into this shell).
  STORED=
  if [ -n "${OUT_MercadoPagoSecretArn:-}" ]; then
    STORED=$(secret_keys_set "$OUT_MercadoPagoSecretArn") ||
      fail "could not read the stack's secret $OUT_MercadoPagoSecretArn (above). Nothing was built or deployed."
  fi
  PUBLIC_KEY=${MP_PUBLIC_KEY:-${PARAM_MercadoPagoPublicKey:-}}
  missing=()
  [ -n "$PUBLIC_KEY" ] || missing+=(MP_PUBLIC_KEY)
  [ -n "$ACCESS_TOKEN" ] || is_stored access_token || missing+=(MP_ACCESS_TOKEN)
  if [ ${#missing[@]} -gt 0 ] && [ -z "$INTERACTIVE" ]; then
    fail "missing ${missing[*]}, and there is no terminal to ask for them (stdin is not a TTY).
  Run make deploy on a terminal (it asks), or, for automation, set them in the environment:
    MP_PUBLIC_KEY      your public key (TEST-... or APP_USR-...); the stack remembers it
    MP_ACCESS_TOKEN    the access token of the same application
    MP_WEBHOOK_SECRET  (optional) the secret signature of its webhooks (Webhooks → Configure
                       notifications); Mercado Pago shows it only once the webhook URL this
                       deploy prints is configured, so a first deploy goes without it
  (Mercado Pago: Your integrations → your application → Test credentials or Production credentials.)
  The environment is the weaker place for the secrets: prefer a CI secret store that injects them.
  Nothing was built or deployed."
  fi
  # The webhook secret only exists once the webhook URL (known after the first deploy) is set in
  # Mercado Pago's panel: without it the deploy goes on, and webhooks are refused until it is stored.
  if [ -z "$WEBHOOK_SECRET" ] && ! is_stored webhook_secret && [ -z "$INTERACTIVE" ]; then
    note "   MP_WEBHOOK_SECRET is not set nor stored: deploying without it. Webhooks are refused (401)"
    note "   until it is stored (make set-credentials, or MP_WEBHOOK_SECRET on the next make deploy);"
    note "   status polling still settles payments meanwhile."
  fi
  if [ -z "$PUBLIC_KEY" ]; then
    note "   Your Mercado Pago public key: Your integrations → your application → Test credentials"
    note "   (TEST-...) or Production credentials (APP_USR-...). The stack remembers it."
    for try in 1 2 3; do
      IFS= read -r -p "Public key: " PUBLIC_KEY || true
      PUBLIC_KEY=${PUBLIC_KEY//[[:space:]]/}
      valid_public_key "$PUBLIC_KEY" && break
      printf '%sthat does not look like a public key (TEST-... or APP_USR-...)%s\n' "$RED" "$RESET" >&2
      [ "$try" = 3 ] && fail "no valid public key. Nothing was built or deployed."
    done
    MP_PUBLIC_KEY=$PUBLIC_KEY
  fi
  if [ -z "$ACCESS_TOKEN" ] && ! is_stored access_token; then
    note "   Your access token (same page, same application), stored in the stack's secret after the deploy."
    ask_secret ACCESS_TOKEN "Access token (hidden; Enter to skip: make set-credentials later): " \
      valid_access_token "TEST-... or APP_USR-..., at least 10 more characters"
    [ -n "$ACCESS_TOKEN" ] || note "   skipped: the functions refuse payments until make set-credentials stores it"
  fi
fi
if [ -n "${MP_PUBLIC_KEY:-}" ]; then
  valid_public_key "$MP_PUBLIC_KEY" ||
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
  run "${cmd[@]}" || deploy_failed
}
# deploy_failed: what happened to the stack, its failed events, and what to do; exits.
deploy_failed() {
  local events=("${AWS[@]}" cloudformation describe-stack-events --stack-name "$STACK" --output table
    --query "StackEvents[?contains(ResourceStatus, 'FAILED')] | [:10].[Timestamp, LogicalResourceId, ResourceStatus, ResourceStatusReason]")
  load_stack || true
  printf '\n%serror: sam deploy failed; stack %s is now %s.%s\n' "$RED" "$STACK" "$STACK_STATUS" "$RESET" >&2
  case "$STACK_STATUS" in
    NONE) note "  CloudFormation created nothing (sam stopped before: its message is above). Fix it and run make deploy again." ;;
    ROLLBACK_COMPLETE | ROLLBACK_FAILED)
      note "  The first deployment failed and CloudFormation rolled it back: nothing is serving. Read the"
      note "  failed events below, fix the cause, then: make destroy (it removes the failed stack), make deploy." ;;
    UPDATE_ROLLBACK_COMPLETE)
      note "  CloudFormation rolled the update back: the previous version still serves. Read the failed"
      note "  events below, fix the cause and run make deploy again." ;;
    *_IN_PROGRESS)
      note "  CloudFormation is still rolling back: wait until it finishes (the command below shows its"
      note "  progress), fix the cause and run make deploy again." ;;
    *) note "  Read the failed events below, fix the cause and run make deploy again." ;;
  esac
  if [ "$STACK_STATUS" != NONE ]; then
    note "  The failed events (the first one is usually the cause):"
    show "${events[@]}"
    "${events[@]}" >&2 || true
  fi
  [ -z "$ACCESS_TOKEN$WEBHOOK_SECRET" ] ||
    note "  Your Mercado Pago credentials were not stored: make deploy asks for them again (or make set-credentials)."
  exit 1
}
step "5/8 Deploy the stack $STACK (sam deploy; the first time takes ~5 minutes: CloudFront)"
sam_deploy "${OVERRIDES[@]}"
if is_dry_run; then
  note "   then, if the stack's PublicUrl parameter is not yet <SiteUrl> (first deploy, or a new domain):"
  sam_deploy "PublicUrl=<SiteUrl>"
  note "   then the credentials given or asked for (never on a command line), piped through python3 to:"
  show "${AWS[@]}" secretsmanager put-secret-value --secret-id "<MercadoPagoSecretArn>" --secret-string file:///dev/stdin
else
  load_stack
  if [ "${PARAM_PublicUrl:-}" != "$OUT_SiteUrl" ]; then
    note "   telling process_payment its public webhook URL ($OUT_WebhookUrl)"
    sam_deploy "PublicUrl=$OUT_SiteUrl"
    load_stack
  fi
  PUBLIC_KEY=${PARAM_MercadoPagoPublicKey:-$PUBLIC_KEY}
  SECRET_ARN=${OUT_MercadoPagoSecretArn:-}
  [ -n "$SECRET_ARN" ] || fail "stack $STACK has no MercadoPagoSecretArn output (is infra/template.yaml current?)"
  # The access token (and a webhook secret from the environment) now, so that a later failure keeps them.
  if [ -n "$ACCESS_TOKEN$WEBHOOK_SECRET" ]; then
    note "   storing the Mercado Pago credentials given in the stack's secret"
    printf '%s\n%s\n' "$ACCESS_TOKEN" "$WEBHOOK_SECRET" | store_credentials "$SECRET_ARN" ||
      fail "the stack is deployed, but the credentials were not stored (above): run make set-credentials"
    [ -z "$ACCESS_TOKEN" ] || STORED+=" access_token"
    [ -z "$WEBHOOK_SECRET" ] || STORED+=" webhook_secret"
    ACCESS_TOKEN=''
    WEBHOOK_SECRET=''
  fi
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
# The webhook: Mercado Pago's panel only (no API sets an application's webhook URL or shows its
# secret signature), so it prints the exact steps and takes the secret here.
panel_steps() {
  cat <<EOF
  In Mercado Pago Developers, logged in as the account that receives the payments:
    1. Your integrations → your application → Webhooks → Configure notifications.
    2. Paste the webhook URL above as the URL of test mode (test credentials) and/or production mode.
    3. Under events, select "Payments" (payment), then Save.
    4. Mercado Pago then generates the "secret signature" and shows it there: copy it.
EOF
}
if is_dry_run; then
  note "   then it prints the site URL, the webhook URL and the steps in Mercado Pago's panel:"
  OUT_WebhookUrl="<WebhookUrl>" panel_steps
  note "   and, on a terminal, asks for the webhook secret signature (without echo) and stores it as above."
  ok "Dry run done: nothing was built, deployed or uploaded."
  exit 0
fi
ok "Deployed in $(( $(date +%s) - started ))s."
cat <<EOF

  Site:         ${BOLD}$OUT_SiteUrl${RESET}
  Webhook URL:  ${BOLD}$OUT_WebhookUrl${RESET}
  Secret:       $SECRET_ARN

EOF
if is_stored webhook_secret; then
  note "  The webhook secret is stored. If the webhook URL above is new (first deploy, new domain),"
  note "  update it in Mercado Pago: Your integrations → your application → Webhooks → Configure notifications."
else
  step "Mercado Pago webhook: the one step in Mercado Pago's panel"
  panel_steps
  if [ -n "$INTERACTIVE" ]; then
    ask_secret WEBHOOK_SECRET "Paste the secret signature (hidden; Enter to skip: make set-credentials later): " \
      valid_webhook_secret "at least 8 characters, no spaces"
    if [ -n "$WEBHOOK_SECRET" ]; then
      printf '\n%s\n' "$WEBHOOK_SECRET" | store_credentials "$SECRET_ARN" ||
        fail "the webhook secret was not stored (above): run make set-credentials"
      WEBHOOK_SECRET=''
      STORED+=" webhook_secret"
    fi
  fi
fi

printf '\nNext steps:\n'
if is_stored access_token && is_stored webhook_secret; then
  ok "  - Mercado Pago credentials: stored (make set-credentials rotates them)."
else
  if ! is_stored access_token && ! is_stored webhook_secret; then what="the access token and the webhook secret"
  elif ! is_stored access_token; then what="the access token"
  else what="the webhook secret (steps above)"; fi
  printf '  - Store %s: make set-credentials (asks without echo, keeps what is stored).\n' "$what"
  printf '    Until then the functions refuse payments and webhooks.\n'
fi
open_site="Open the site and pay with a test card."
[ -z "${NOTIFICATION_EMAIL:-}" ] ||
  open_site="Confirm the two SNS subscription e-mails sent to $NOTIFICATION_EMAIL, then open the site and pay with a test card."
printf '  - %s\n    CloudFront may take a minute or two to serve the new page everywhere.\n' "$open_site"
