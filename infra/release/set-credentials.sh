#!/bin/sh
# Stores the Mercado Pago access token and webhook secret signature in the deployed stack's secret
# (MercadoPagoSecretArn), with the AWS CLI alone. They are asked for without echo (or taken from
# MP_ACCESS_TOKEN / MP_WEBHOOK_SECRET) and reach the AWS CLI through a private temporary file
# (--secret-string file://...), never on a command line.
# Usage: ./set-credentials.sh          (DEPLOY_STACK, AWS_REGION as for ./deploy.sh)
set -eu

STACK=${DEPLOY_STACK:-mp-checkout}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}
export AWS_PAGER=""
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
case "${1:-}" in -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac

command -v aws >/dev/null 2>&1 || fail "the AWS CLI (aws) is not installed"
SECRET_ARN=$(aws --region "$REGION" cloudformation describe-stacks --stack-name "$STACK" \
  --query "Stacks[0].Outputs[?OutputKey=='MercadoPagoSecretArn'].OutputValue | [0]" --output text) ||
  fail "could not read stack $STACK in $REGION: run ./deploy.sh first (or set DEPLOY_STACK / AWS_REGION)"
case "$SECRET_ARN" in arn:*) ;; *) fail "stack $STACK has no MercadoPagoSecretArn output" ;; esac

ask() { # ask VARIABLE PROMPT: unless set in the environment, reads it without echo
  eval "value=\${$1:-}"
  if [ -z "$value" ]; then
    [ -t 0 ] || fail "$1 is not set and there is no terminal to ask for it"
    printf '%s: ' "$2" >&2
    stty -echo
    IFS= read -r value || true
    stty echo
    printf '\n' >&2
  fi
  eval "$1=\$value"
}
ask MP_ACCESS_TOKEN "Access token (TEST-... or APP_USR-...)"
printf '%s\n' "$MP_ACCESS_TOKEN" | grep -Eqx '(TEST|APP_USR)-[A-Za-z0-9-]{10,}' ||
  fail "that does not look like a Mercado Pago access token (TEST-... or APP_USR-...)"
ask MP_WEBHOOK_SECRET "Webhook secret signature"
printf '%s\n' "$MP_WEBHOOK_SECRET" | grep -Eqx '[^[:space:]]{8,}' ||
  fail "that does not look like a webhook secret signature (8 or more characters, no spaces)"

umask 077
FILE=$(mktemp)
trap 'rm -f "$FILE"' EXIT
escape() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
printf '{"access_token":"%s","webhook_secret":"%s"}' "$(escape "$MP_ACCESS_TOKEN")" \
  "$(escape "$MP_WEBHOOK_SECRET")" >"$FILE"
aws --region "$REGION" secretsmanager put-secret-value --secret-id "$SECRET_ARN" --secret-string "file://$FILE" \
  --query VersionId --output text >/dev/null
echo "Stored in $SECRET_ARN. Running functions pick them up within 5 minutes (they cache the secret)."
