# Shared helpers of scripts/deploy.sh, scripts/set-credentials.sh and scripts/destroy.sh: which
# stack and region, dry runs, the AWS credential checks, and reading the stack.
# Source it after scripts/lib/common.sh; do not run it.
# shellcheck shell=bash

INFRA_BIN="$ROOT/.venv-infra/bin"
SAMCONFIG="$ROOT/samconfig.toml"
: "${DRY_RUN:=}"

samconfig_value() { # samconfig_value KEY: [default.global.parameters] KEY of samconfig.toml
  python3 - "$SAMCONFIG" "$1" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    config = tomllib.load(f)
print(config.get("default", {}).get("global", {}).get("parameters", {}).get(sys.argv[2], ""))
PY
}

# The stack and the region: the environment first (DEPLOY_STACK, AWS_REGION, AWS_DEFAULT_REGION),
# then samconfig.toml. Every command below gets them explicitly, so sam, the AWS CLI and this
# script always talk about the same stack.
resolve_target() {
  STACK="${DEPLOY_STACK:-$(samconfig_value stack_name)}"
  REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(samconfig_value region)}}"
  [ -n "$STACK" ] || fail "no stack name: set DEPLOY_STACK or stack_name in samconfig.toml"
  [ -n "$REGION" ] || fail "no AWS region: set AWS_REGION or region in samconfig.toml"
  [[ "$STACK" =~ ^[A-Za-z][A-Za-z0-9-]{0,100}$ ]] || fail "invalid stack name '$STACK' (letters, digits and hyphens)"
  AWS=("$INFRA_BIN/aws" --region "$REGION")
  # shellcheck disable=SC2034 # used by the scripts that source this file
  SAM=("$INFRA_BIN/sam")
}

is_dry_run() { [ -n "$DRY_RUN" ] && [ "$DRY_RUN" != 0 ]; }

show() { # show COMMAND...: prints the command, shell-quoted, paths relative to the repository
  local out="" arg
  for arg in "$@"; do
    arg=${arg//"$ROOT/"/}
    if [[ "$arg" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then out+=" $arg"
    elif [[ "$arg" =~ ^[^\ \']*\<[A-Za-z_]+\>[^\ \']*$ ]]; then out+=" $arg" # a dry run's <Placeholder>
    else out+=" $(printf '%q' "$arg")"; fi
  done
  printf '%s  $%s%s\n' "$DIM" "$out" "$RESET"
}

run() { # run COMMAND...: prints it, then runs it (only prints it in a dry run)
  show "$@"
  is_dry_run && return 0
  "$@"
}

# Cheap, local look for credentials, before installing or building anything. The real check is
# require_credentials (sts get-caller-identity), which also catches expired ones.
credentials_visible() {
  [ -n "${AWS_ACCESS_KEY_ID:-}" ] || [ -n "${AWS_PROFILE:-}" ] || [ -n "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ] ||
    [ -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}" ] || [ -n "${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" ] ||
    [ -s "${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}" ] || [ -s "${AWS_CONFIG_FILE:-$HOME/.aws/config}" ] ||
    # An EC2 instance role (IMDSv2 answers a token).
    [ -n "$(curl -sf --max-time 1 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
      http://169.254.169.254/latest/api/token 2>/dev/null)" ]
}

NO_CREDENTIALS_HELP="Configure AWS credentials first, for example:
    aws configure                      (access key of an IAM user), or
    export AWS_PROFILE=my-profile      (a profile of ~/.aws/config, e.g. aws sso login --profile my-profile), or
    export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... [AWS_SESSION_TOKEN=...]
  then run the command again (README.md, section \"Prerequisites\" of \"Deploy to AWS\")."

require_visible_credentials() { # require_visible_credentials WHAT-WAS-NOT-DONE
  credentials_visible && return 0
  fail "no AWS credentials found (no AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws/credentials or ~/.aws/config).
  $1
  $NO_CREDENTIALS_HELP"
}

require_credentials() { # require_credentials WHAT-WAS-NOT-DONE: sets ACCOUNT
  local err_file err
  err_file=$(mktemp)
  # shellcheck disable=SC2034 # ACCOUNT is used by the scripts that source this file
  if ! ACCOUNT=$("${AWS[@]}" sts get-caller-identity --query Account --output text 2>"$err_file"); then
    err=$(grep -v '^[[:space:]]*$' "$err_file" | tail -n 3)
    rm -f "$err_file"
    fail "the AWS credential check failed (aws sts get-caller-identity): AWS rejected the credentials or could not be reached.
  $err
  $1
  $NO_CREDENTIALS_HELP"
  fi
  rm -f "$err_file"
}

# load_stack: STACK_STATUS (NONE when it does not exist) and the stack's outputs and parameters,
# as OUT_<Key> and PARAM_<Key> shell variables.
load_stack() {
  local json err_file
  STACK_STATUS=NONE
  err_file=$(mktemp)
  if ! json=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK" --output json 2>"$err_file"); then
    if grep -q "does not exist" "$err_file"; then rm -f "$err_file"; return 0; fi
    cat "$err_file" >&2
    rm -f "$err_file"
    fail "could not read stack $STACK in $REGION"
  fi
  rm -f "$err_file"
  eval "$(python3 -c '
import json, shlex, sys
stack = json.load(sys.stdin)["Stacks"][0]
print("STACK_STATUS=" + shlex.quote(stack["StackStatus"]))
for o in stack.get("Outputs", []):
    print("OUT_%s=%s" % (o["OutputKey"], shlex.quote(o.get("OutputValue", ""))))
for p in stack.get("Parameters", []):
    print("PARAM_%s=%s" % (p["ParameterKey"], shlex.quote(p.get("ParameterValue", ""))))
' <<<"$json")"
}

require_stack() { # require_stack: the stack must exist and be usable
  load_stack
  case "$STACK_STATUS" in
    NONE) fail "stack $STACK does not exist in $REGION: run make deploy first (or set DEPLOY_STACK / AWS_REGION)" ;;
    *_IN_PROGRESS) fail "stack $STACK is busy ($STACK_STATUS): wait for it to finish and run this again" ;;
  esac
}
