#!/usr/bin/env bash
# make destroy: tears the deployed checkout down.
#   - empties the site bucket (it only holds a copy of site/ and config.json) so it can be deleted;
#   - deletes the stack (sam delete): functions, API, CloudFront, bucket, secret, topics, alarms,
#     log groups;
#   - KEEPS the orders table (DeletionPolicy: Retain): orders are the merchant's records. Its name
#     is printed; --delete-orders deletes it too (after the stack, with its point-in-time backups).
# SAM's own artifact bucket (stack aws-sam-cli-managed-default) is shared by every SAM app of the
# account and region, and is left alone.
#
# Usage: scripts/destroy.sh [--dry-run] [--yes] [--delete-orders]
#   (make destroy [DRY_RUN=1] [YES=1] [DELETE_ORDERS=1])
#   --yes: do not ask for confirmation (CI). Environment: DEPLOY_STACK, AWS_REGION... as for make deploy.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/infra/aws.sh"
cd "$ROOT"

ASSUME_YES=${YES:-}
WITH_ORDERS=${DELETE_ORDERS:-}
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    --yes) ASSUME_YES=1 ;;
    --delete-orders) WITH_ORDERS=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $arg (see scripts/destroy.sh --help)" ;;
  esac
done
[ "$ASSUME_YES" = 0 ] && ASSUME_YES=
[ "$WITH_ORDERS" = 0 ] && WITH_ORDERS=
resolve_target

if is_dry_run; then
  step "Dry run: what make destroy would do for stack $STACK in $REGION (nothing is run)"
  show "${AWS[@]}" sts get-caller-identity --query Account --output text
  show "${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK" --output json
  OUT_SiteBucketName="<SiteBucketName>"
  OUT_OrdersTableName="<OrdersTableName>"
else
  require_visible_credentials "Nothing was deleted."
  "$ROOT/scripts/bootstrap.sh" infra
  require_credentials "Nothing was deleted."
  require_stack
  if [ -z "$ASSUME_YES" ]; then
    { : </dev/tty; } 2>/dev/null || fail "no terminal to confirm: run with --yes (make destroy YES=1) to delete stack $STACK"
    printf '%s\n' "This deletes stack $STACK in $REGION (account $ACCOUNT): the site ${OUT_SiteUrl:-}, the functions,"
    printf '%s\n' "the API, the secret with your Mercado Pago credentials, the topics and the logs."
    if [ -n "$WITH_ORDERS" ]; then printf '%s\n' "It ALSO deletes the orders table ${OUT_OrdersTableName:-}."; else
      printf '%s\n' "The orders table ${OUT_OrdersTableName:-} is kept."; fi
    IFS= read -r -p "Type the stack name ($STACK) to confirm: " answer </dev/tty
    [ "$answer" = "$STACK" ] || fail "not confirmed: nothing was deleted"
  fi
fi

step "1/3 Empty the site bucket"
if [ -n "${OUT_SiteBucketName:-}" ]; then
  run "${AWS[@]}" s3 rm "s3://$OUT_SiteBucketName" --recursive --only-show-errors
fi

step "2/3 Delete the stack (sam delete; CloudFront takes a few minutes)"
run "${SAM[@]}" delete --config-file "$SAMCONFIG" --stack-name "$STACK" --region "$REGION" --no-prompts

step "3/3 The orders table"
# The table has deletion protection (the template's DeletionProtectionEnabled): it is turned off
# first, on purpose, and only with DELETE_ORDERS=1.
if [ -n "$WITH_ORDERS" ]; then
  table=${OUT_OrdersTableName:-<OrdersTableName>}
  run "${AWS[@]}" dynamodb update-table --table-name "$table" --no-deletion-protection-enabled --output text --query TableDescription.TableStatus
  run "${AWS[@]}" dynamodb wait table-exists --table-name "$table"
  run "${AWS[@]}" dynamodb delete-table --table-name "$table" --output text --query TableDescription.TableStatus
elif [ -n "${OUT_OrdersTableName:-}" ]; then
  note "   kept: ${OUT_OrdersTableName} (point-in-time recovery and deletion protection on; on-demand, so it"
  note "   costs only its storage). Delete it when you no longer need the orders:"
  show "${AWS[@]}" dynamodb update-table --table-name "$OUT_OrdersTableName" --no-deletion-protection-enabled
  show "${AWS[@]}" dynamodb delete-table --table-name "$OUT_OrdersTableName"
fi

if is_dry_run; then ok "Dry run done: nothing was deleted."; else ok "Stack $STACK deleted."; fi
