#!/usr/bin/env bash
# make set-credentials: stores your Mercado Pago access token and webhook secret in the stack's
# Secrets Manager secret ({"access_token","webhook_secret"}), where the functions read them.
# They are asked for without echo (or taken from MP_ACCESS_TOKEN / MP_WEBHOOK_SECRET), never
# printed, never put on a command line (other users could see it in `ps`), never written to disk.
# Run it again to rotate them; the functions pick the new values up within SECRETS_TTL_SECS
# (5 minutes), at once after Mercado Pago rejects the old token.
#
# Usage: scripts/set-credentials.sh [--dry-run]      (make set-credentials [DRY_RUN=1])
# Environment: DEPLOY_STACK, AWS_REGION, AWS_PROFILE... as for make deploy;
#   MP_ACCESS_TOKEN, MP_WEBHOOK_SECRET to skip the prompts (e.g. in CI).
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
resolve_target

# Reads the access token and the webhook secret, one per line, on stdin and stores
# {"access_token","webhook_secret"} as the secret's new value.
STORE_PY='
import json, sys, boto3
arn, region = sys.argv[1], sys.argv[2]
token, webhook_secret = sys.stdin.read().split("\n")[:2]
value = json.dumps({"access_token": token, "webhook_secret": webhook_secret})
version = boto3.client("secretsmanager", region_name=region).put_secret_value(SecretId=arn, SecretString=value)["VersionId"]
print("  stored: secret version " + version)
'

if is_dry_run; then
  step "Dry run: what make set-credentials would do for stack $STACK in $REGION"
  show "${AWS[@]}" sts get-caller-identity --query Account --output text
  show "${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK" --output json
  note "  read MP_ACCESS_TOKEN and MP_WEBHOOK_SECRET from the environment, or ask for them without echo"
  note "  then pipe them on stdin (printf is a shell builtin: never on a command line) to:"
  show "$INFRA_BIN/python" -c "<put_secret_value>" "<MercadoPagoSecretArn>" "$REGION"
  ok "Dry run done: nothing was read or stored."
  exit 0
fi

require_visible_credentials "Nothing was stored."
"$ROOT/scripts/bootstrap.sh" infra
require_credentials "Nothing was stored."
require_stack
SECRET_ARN=${OUT_MercadoPagoSecretArn:-}
[ -n "$SECRET_ARN" ] || fail "stack $STACK has no MercadoPagoSecretArn output: run make deploy first"

ask() { # ask VAR PROMPT: $VAR from the environment, else read from the terminal without echo
  local var=$1 prompt=$2 value=${!1:-}
  if [ -z "$value" ]; then
    { : </dev/tty; } 2>/dev/null || fail "$var is not set and there is no terminal to ask for it. Nothing was stored."
    IFS= read -r -s -p "$prompt: " value </dev/tty
    printf '\n' >&2
  fi
  value=${value#"${value%%[![:space:]]*}"} # trim
  value=${value%"${value##*[![:space:]]}"}
  printf -v "$var" '%s' "$value"
}

step "Mercado Pago credentials for stack $STACK ($REGION)"
note "  Access token: Your integrations → your application → Test credentials or Production credentials."
note "  Webhook secret: the secret signature shown under Webhooks → Configure notifications."
ask MP_ACCESS_TOKEN "Access token (TEST-... or APP_USR-...)"
[[ "$MP_ACCESS_TOKEN" =~ ^(TEST|APP_USR)-[A-Za-z0-9-]{10,}$ ]] ||
  fail "that does not look like a Mercado Pago access token (TEST-... or APP_USR-...). Nothing was stored."
ask MP_WEBHOOK_SECRET "Webhook secret signature"
[[ "$MP_WEBHOOK_SECRET" =~ ^[^[:space:]]{8,}$ ]] ||
  fail "the webhook secret is empty or too short (copy the secret signature from Mercado Pago). Nothing was stored."

step "Storing them in $SECRET_ARN"
printf '%s\n%s\n' "$MP_ACCESS_TOKEN" "$MP_WEBHOOK_SECRET" | "$INFRA_BIN/python" -c "$STORE_PY" "$SECRET_ARN" "$REGION"
unset MP_ACCESS_TOKEN MP_WEBHOOK_SECRET
ok "Credentials stored. The functions use them within 5 minutes (at once after a token rejection)."
note "  Pay with a test card on ${OUT_SiteUrl:-the site}; follow a payment in the logs with:"
note "  .venv-infra/bin/sam logs --stack-name $STACK --region $REGION --tail"
