# The local stack: moto_server, mp-sandbox, the functions under `cargo lambda watch`, and the
# edge (site + /api/* routed as the HTTP API does). Used by `make dev` (scripts/dev.sh) and the
# browser tests (scripts/e2e.sh), on different ports so both can run at once. The functions and
# their routes are infra/template.yaml's (scripts/functions.py). Source it; do not run it.
# shellcheck shell=bash

# Ports (override in the environment).
: "${STACK_NAME:=dev}"
: "${DEV_PORT:=8080}"        # the site and /api/* (what the buyer opens)
: "${SANDBOX_PORT:=8181}"    # mp-sandbox (Mercado Pago API, MercadoPago.js stand-in, control API)
: "${LAMBDA_PORT:=9000}"     # cargo lambda watch (Runtime API + function URLs)
: "${MOTO_PORT:=5055}"       # moto_server (Secrets Manager, DynamoDB, SNS, S3)
: "${WATCH_FLAGS:=}"         # extra flags for cargo lambda watch (e.g. --ignore-changes)
: "${LAMBDA_CONCURRENCY:=4}"  # instances per function, each its own process, as Lambda runs
                              # concurrent requests in separate execution environments

# The shop's site, read by stack_up: SITE=MLB (MLM, MLU, MLC, MPE, MCO) runs
# examples/sites/<SITE>.json as the catalog and the sandbox on that site; empty or MLA, the
# repository's catalog.json (MLA).
: "${SITE:=}"
CATALOG_FILE="$ROOT/catalog.json"
stack_site() {
  if [ -z "$SITE" ] || [ "$SITE" = MLA ]; then
    CATALOG_FILE="$ROOT/catalog.json"
  else
    CATALOG_FILE="$ROOT/examples/sites/$SITE.json"
    [ -f "$CATALOG_FILE" ] || fail "SITE=$SITE: no examples/sites/$SITE.json (sites: MLA MLB MLM MLU MLC MPE MCO)"
  fi
}

STATE_DIR="$ROOT/.dev/$STACK_NAME"
SITE_URL="http://127.0.0.1:$DEV_PORT"
SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT"
ACS_URL="http://localhost:$SANDBOX_PORT" # the sandbox's 3-D Secure page (ACS), on its own origin
MOTO_URL="http://127.0.0.1:$MOTO_PORT"
LAMBDA_URL="http://127.0.0.1:$LAMBDA_PORT"

# Real Mercado Pago test account instead of the sandbox (needs internet; not used by the tests).
REAL_MP=0
if [ -n "${MP_ACCESS_TOKEN:-}" ] && [ -n "${MP_PUBLIC_KEY:-}" ]; then REAL_MP=1; fi

catalog_field() { # catalog_field KEY: a top-level field of the stack's catalog
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$CATALOG_FILE" "$1"
}

start_bg() { # start_bg NAME COMMAND...: runs in its own process group, logs to $STATE_DIR/NAME.log
  local name=$1; shift
  setsid "$@" >"$STATE_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/$name.pid"
}

stack_down() {
  local f pid
  for f in "$STATE_DIR"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  sleep 0.5
  for f in "$STATE_DIR"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

# The Content-Security-Policy the deployed CloudFront distribution sends (scripts/csp.py reads it
# from infra/template.yaml), with Mercado Pago's hosts mapped to the sandbox and the `https:` that
# the card issuers' 3-D Secure pages need mapped to the sandbox's ACS stand-in, which has its own
# origin (localhost, not 127.0.0.1), as an issuer's ACS has. Against the real Mercado Pago, the
# policy as deployed.
stack_csp() {
  if [ "$REAL_MP" = 1 ]; then
    python3 "$ROOT/scripts/csp.py"
  elif [ -f "$ROOT/scripts/csp.py" ] && [ -f "$ROOT/infra/template.yaml" ]; then
    python3 "$ROOT/scripts/csp.py" --local "$SANDBOX_URL" --acs "$ACS_URL"
  else
    echo "default-src 'self'; script-src 'self' $SANDBOX_URL; frame-src $SANDBOX_URL; connect-src 'self' $SANDBOX_URL; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
  fi
}

stack_up() {
  stack_site
  mkdir -p "$STATE_DIR"
  stack_down
  rm -f "$STATE_DIR"/*.log

  # The template's functions and their HTTP API routes (METHOD PATH FUNCTION lines).
  local functions routes function route edge_routes=()
  functions=$(template_functions --names)
  routes=$(template_functions --routes)
  while IFS= read -r route; do [ -z "$route" ] || edge_routes+=(--route "$route"); done <<<"$routes"

  step "Building the sandbox, the functions and the local tooling"
  cargo build --quiet -p mp-sandbox -p devstack
  # The merchant CLI, alone (as `cargo run -p checkout-admin` builds it), for `make orders` and the
  # browser tests that read an order back.
  cargo build --quiet -p checkout-admin
  # Each function exactly as `cargo lambda watch` builds it (`cargo run --bin NAME` from the root),
  # one at a time: built together, cargo unifies their dependencies' features differently, and
  # watch would then recompile on the first request (minutes on a fresh machine).
  while IFS= read -r function; do
    cargo build --quiet --manifest-path "$ROOT/Cargo.toml" --bin "$function"
  done <<<"$functions"

  local bin access_token webhook_secret public_key api_base sdk_url device_script_url
  bin="$(cargo_target_dir)/debug"
  if [ "$REAL_MP" = 1 ]; then
    note "Using the real Mercado Pago API with your MP_ACCESS_TOKEN / MP_PUBLIC_KEY (needs internet)."
    access_token=$MP_ACCESS_TOKEN
    webhook_secret=${MP_WEBHOOK_SECRET:-not-configured}
    public_key=$MP_PUBLIC_KEY
    api_base=https://api.mercadopago.com
    sdk_url=https://sdk.mercadopago.com/js/v2
    device_script_url=https://www.mercadopago.com/v2/security.js
  else
    access_token=TEST-sandbox-access-token
    webhook_secret=sandbox-webhook-secret
    public_key=TEST-sandbox-public-key
    api_base=$SANDBOX_URL
    sdk_url=$SANDBOX_URL/js/v2
    device_script_url=$SANDBOX_URL/v2/security.js
  fi

  # For the callers' tools that sign webhooks (schemathesis in e2e.sh and fuzz.sh).
  # shellcheck disable=SC2034
  STACK_WEBHOOK_SECRET=$webhook_secret

  step "Starting moto_server (Secrets Manager, DynamoDB, SNS, S3) on $MOTO_URL"
  start_bg moto python "$ROOT/scripts/moto_server.py" --port "$MOTO_PORT" --parent $$
  wait_for "$MOTO_URL" 30 "moto_server"

  if [ "$REAL_MP" = 0 ]; then
    step "Starting mp-sandbox on $SANDBOX_URL"
    start_bg sandbox "$bin/mp-sandbox" --listen "127.0.0.1:$SANDBOX_PORT" \
      --access-token "$access_token" --public-key "$public_key" --webhook-secret "$webhook_secret" \
      --notification-url "$SITE_URL/api/notifications" --webhook-retry-ms 1000 --webhook-max-delay-ms 10000 \
      --site-id "$(catalog_field site_id)"
    wait_for "$SANDBOX_URL/__sandbox/config" 20 "mp-sandbox"
  fi

  # The site bucket holds catalog.json (checked first, as the functions check it): the functions
  # read it (CATALOG_BUCKET) and the edge serves it as /catalog.json; make catalog replaces it.
  step "Seeding moto: orders table, Mercado Pago secret, order-events topic, site bucket with catalog.json"
  MP_ACCESS_TOKEN=$access_token MP_WEBHOOK_SECRET=$webhook_secret "$bin/devstack" seed \
    --moto "$MOTO_URL" --prefix "$STACK_NAME" --events-url "$SITE_URL/__dev/order-events" \
    --catalog "$CATALOG_FILE" >"$STATE_DIR/seed.env"
  local catalog_bucket
  catalog_bucket=$(sed -n 's/^CATALOG_BUCKET=//p' "$STATE_DIR/seed.env")

  {
    cat "$STATE_DIR/seed.env"
    echo "AWS_ENDPOINT_URL=$MOTO_URL"
    echo "AWS_REGION=us-east-1"
    echo "AWS_ACCESS_KEY_ID=local"
    echo "AWS_SECRET_ACCESS_KEY=local"
    echo "MP_API_BASE_URL=$api_base"
    echo "NOTIFICATION_URL=$SITE_URL/api/notifications"
    # How long the functions cache the catalog (default 60 s, as deployed).
    if [ -n "${CATALOG_TTL_SECS:-}" ]; then echo "CATALOG_TTL_SECS=$CATALOG_TTL_SECS"; fi
    echo "RUST_LOG=${RUST_LOG:-info}"
  } >"$STATE_DIR/functions.env"

  local site_id currency locale
  site_id=$(catalog_field site_id)
  currency=$(catalog_field currency_id)
  locale=$(catalog_field default_locale)
  cat >"$STATE_DIR/config.json" <<JSON
{
  "public_key": "$public_key",
  "sdk_url": "$sdk_url",
  "device_script_url": "$device_script_url",
  "api_base": "/api",
  "site_id": "$site_id",
  "currency_id": "$currency",
  "locale": "$locale"
}
JSON

  step "Starting the functions under cargo lambda watch on $LAMBDA_URL"
  # The edge routes /api/* to each function's URL (/lambda-url/<function>/...). --disable-cors: as
  # deployed (the HTTP API has no CORS configuration), OPTIONS reaches the function, whose
  # CorsLayer answers it; cargo lambda watch's own permissive CORS would answer every OPTIONS
  # itself and add Access-Control-Allow-Credentials to every answer.
  # shellcheck disable=SC2086
  start_bg functions cargo lambda watch -A 127.0.0.1 -P "$LAMBDA_PORT" --concurrency "$LAMBDA_CONCURRENCY" \
    --disable-cors --env-file "$STATE_DIR/functions.env" $WATCH_FLAGS
  wait_for "$LAMBDA_URL/" 120 "cargo lambda watch"

  step "Starting the edge (site + /api/* routed to the functions) on $SITE_URL"
  start_bg edge "$bin/devstack" edge --listen "127.0.0.1:$DEV_PORT" --site "$ROOT/site" \
    --api "$LAMBDA_URL" "${edge_routes[@]}" --config "$STATE_DIR/config.json" --csp "$(stack_csp)" \
    --catalog-bucket "$catalog_bucket" --moto "$MOTO_URL" \
    --origin-verify-secret-arn "$(sed -n 's/^ORIGIN_VERIFY_SECRET_ARN=//p' "$STATE_DIR/seed.env")"
  wait_for "$SITE_URL/" 20 "the edge"

  # Warm every function (cargo lambda watch starts each on its first request) through the edge,
  # and check that each one itself answers. Each gets one request on its first route that is not
  # a CORS preflight (a GET if it has one), path parameters set to an id no order has, no body and
  # no Idempotency-Key, so nothing is charged or changed.
  local warmed=" " method path
  while read -r method path function; do
    [ -n "$function" ] || continue
    case "$warmed" in *" $function "*) continue ;; esac
    [ "$method" = OPTIONS ] && continue
    if [ "$method" != GET ] && grep -q "^GET .* $function\$" <<<"$routes"; then continue; fi
    while [[ $path =~ \{[^}]*\} ]]; do path=${path/"${BASH_REMATCH[0]}"/00000000-0000-4000-8000-000000000000}; done
    warm_function "$function" "$method" "$SITE_URL$path"
    warmed+="$function "
  done <<<"$routes"
  while IFS= read -r function; do
    case "$warmed" in *" $function "*) ;; *) note "   $function: not warmed (no HTTP API route other than CORS preflights)" ;; esac
  done <<<"$functions"
}

# warm_function NAME METHOD URL: retries for up to 5 minutes (a first request may wait for cargo to
# build the function) until the function itself answers: a 2xx, or an answer below 500 in the
# functions' JSON error envelope ({"error": {"code": ...}}). Not the edge's 502/504, nor
# cargo lambda watch's own errors (its 404 for a function without a binary has no such envelope).
warm_function() {
  local name=$1 method=$2 url=$3 got body deadline=$((SECONDS + 300))
  body=$(mktemp)
  while :; do
    got=$(curl -s -o "$body" -w '%{http_code}' --max-time 60 -X "$method" -H "Origin: $SITE_URL" "$url" || true)
    case "$got" in
      2??) rm -f "$body"; return 0 ;;
      [34]??) if grep -q '"error":{"code":' "$body"; then rm -f "$body"; return 0; fi ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      rm -f "$body"
      fail "$name did not answer $method $url itself (last: ${got:-no answer}); see $STATE_DIR/functions.log"
    fi
    sleep 1
  done
}
