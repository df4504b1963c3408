#!/usr/bin/env bash
# make set-credentials: stores your Mercado Pago access token and webhook secret in the stack's
# Secrets Manager secret ({"access_token","webhook_secret"}), where the functions read them.
# On a terminal it asks for them without echo (Enter keeps a value already stored); off a terminal
# (CI) it takes them from MP_ACCESS_TOKEN / MP_WEBHOOK_SECRET (the environment is the weaker place)
# and fails naming what is missing. They are never printed, never put on a command line (other
# users could see it in `ps`), never in a child's environment, never written to disk: they reach
# the AWS CLI on its stdin (scripts/lib/common.sh, store_credentials).
# make deploy asks for them too; run this to rotate them. The functions pick the new values up
# within SECRETS_TTL_SECS (5 minutes), at once after Mercado Pago rejects the old token.
#
# Usage: scripts/set-credentials.sh [--dry-run]      (make set-credentials [DRY_RUN=1])
# Environment: DEPLOY_STACK, AWS_REGION, AWS_PROFILE... as for make deploy;
#   MP_ACCESS_TOKEN, MP_WEBHOOK_SECRET to skip the prompts (automation).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/infra/aws.sh"
cd "$ROOT"

for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $arg (see scripts/set-credentials.sh --help)" ;;
  esac
done
# Plain shell variables from here on: no child process inherits them.
ACCESS_TOKEN=${MP_ACCESS_TOKEN:-}
WEBHOOK_SECRET=${MP_WEBHOOK_SECRET:-}
unset MP_ACCESS_TOKEN MP_WEBHOOK_SECRET
[[ $NO_CREDENTIALS_HELP == *.venv-infra/bin/aws* ]] || NO_CREDENTIALS_HELP+="
  Without a system AWS CLI, use the project's: scripts/bootstrap.sh infra, then .venv-infra/bin/aws configure."
resolve_target

if is_dry_run; then
  step "Dry run: what make set-credentials would do for stack $STACK in $REGION"
  show "${AWS[@]}" sts get-caller-identity --query Account --output text
  show "${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK" --output json
  show "${AWS[@]}" secretsmanager get-secret-value --secret-id "<MercadoPagoSecretArn>" --output json
  note "  (piped into python3, which prints only which of access_token and webhook_secret hold a value)"
  note "  read MP_ACCESS_TOKEN and MP_WEBHOOK_SECRET from the environment, or ask for them without echo"
  note "  then pipe them (printf is a shell builtin: never on a command line) through python3, which"
  note "  merges them with the stored value, to:"
  show "${AWS[@]}" secretsmanager put-secret-value --secret-id "<MercadoPagoSecretArn>" --secret-string file:///dev/stdin
  ok "Dry run done: nothing was read or stored."
  exit 0
fi

require_visible_credentials "Nothing was stored."
"$ROOT/scripts/bootstrap.sh" infra
require_credentials "Nothing was stored."
require_stack
SECRET_ARN=${OUT_MercadoPagoSecretArn:-}
[ -n "$SECRET_ARN" ] || fail "stack $STACK has no MercadoPagoSecretArn output: run make deploy first"
STORED=$(secret_keys_set "$SECRET_ARN") || fail "could not read the secret $SECRET_ARN (above). Nothing was stored."
is_stored() { [[ " $STORED " == *" $1 "* ]]; }

[ -z "$ACCESS_TOKEN" ] || valid_access_token "$ACCESS_TOKEN" ||
  fail "MP_ACCESS_TOKEN does not look like a Mercado Pago access token (TEST-... or APP_USR-...). Nothing was stored."
[ -z "$WEBHOOK_SECRET" ] || valid_webhook_secret "$WEBHOOK_SECRET" ||
  fail "MP_WEBHOOK_SECRET is too short or has spaces (copy the secret signature from Mercado Pago). Nothing was stored."

step "Mercado Pago credentials for stack $STACK ($REGION)"
if [ -t 0 ]; then
  keep() { if is_stored "$1"; then printf 'Enter keeps the stored one'; else printf 'Enter skips'; fi; }
  if [ -z "$ACCESS_TOKEN" ]; then
    note "  Access token: Your integrations → your application → Test credentials or Production credentials."
    ask_secret ACCESS_TOKEN "Access token (hidden; $(keep access_token)): " \
      valid_access_token "TEST-... or APP_USR-..., at least 10 more characters"
  fi
  if [ -z "$WEBHOOK_SECRET" ]; then
    note "  Webhook secret: the secret signature shown under Webhooks → Configure notifications."
    ask_secret WEBHOOK_SECRET "Webhook secret signature (hidden; $(keep webhook_secret)): " \
      valid_webhook_secret "at least 8 characters, no spaces"
  fi
else
  missing=()
  [ -n "$ACCESS_TOKEN" ] || is_stored access_token || missing+=(MP_ACCESS_TOKEN)
  [ -n "$WEBHOOK_SECRET" ] || is_stored webhook_secret || missing+=(MP_WEBHOOK_SECRET)
  [ -n "$ACCESS_TOKEN$WEBHOOK_SECRET" ] || [ ${#missing[@]} -gt 0 ] ||
    missing=("MP_ACCESS_TOKEN and/or MP_WEBHOOK_SECRET (both are stored: give the one to rotate)")
  [ ${#missing[@]} -eq 0 ] || fail "missing ${missing[*]}, and there is no terminal to ask for them (stdin is not a TTY).
  Run make set-credentials on a terminal (it asks without echo), or set them in the environment
  (the weaker place: prefer a CI secret store that injects them). Nothing was stored."
fi

if [ -z "$ACCESS_TOKEN$WEBHOOK_SECRET" ]; then
  ok "Nothing new to store${STORED:+ (stored already: ${STORED// /, })}."
  exit 0
fi
step "Storing them in $SECRET_ARN"
printf '%s\n%s\n' "$ACCESS_TOKEN" "$WEBHOOK_SECRET" | store_credentials "$SECRET_ARN" ||
  fail "the credentials were not stored (above)."
ACCESS_TOKEN=''
WEBHOOK_SECRET=''
ok "Credentials stored. The functions use them within 5 minutes (at once after a token rejection)."
note "  Pay with a test card on ${OUT_SiteUrl:-the site}; follow a payment in the logs with:"
note "  .venv-infra/bin/sam logs --stack-name $STACK --region $REGION --tail"
