# Shared shell helpers for the project's scripts. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT
export PATH="$ROOT/.venv/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
# cargo-lambda finds zig through the virtualenv's python (PyPI ziglang).
export CARGO_ZIGBUILD_PYTHON_PATH="$ROOT/.venv/bin/python3"
export SAM_CLI_TELEMETRY=0

if [ -t 1 ]; then BOLD=$'\e[1m'; DIM=$'\e[2m'; RED=$'\e[31m'; GREEN=$'\e[32m'; RESET=$'\e[0m'; else BOLD=; DIM=; RED=; GREEN=; RESET=; fi

step() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
note() { printf '%s%s%s\n' "$DIM" "$*" "$RESET"; }
fail() { printf '%serror: %s%s\n' "$RED" "$*" "$RESET" >&2; exit 1; }
ok() { printf '%s%s%s\n' "$GREEN" "$*" "$RESET"; }

# cargo_target_dir: where cargo builds (CARGO_TARGET_DIR or build.target-dir may move it away from
# $ROOT/target), as cargo itself reports it. Scripts never assume $ROOT/target.
cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

# template_functions --names | --routes | --resources | --of LOGICAL_ID: the functions infra/template.yaml
# deploys, one a line (scripts/functions.py explains the forms). The template is the one list of
# functions: scripts ask it rather than naming them. Its PyYAML comes from .venv when there is one.
template_functions() {
  local python="$ROOT/.venv/bin/python"
  [ -x "$python" ] || python=python3
  "$python" "$ROOT/scripts/functions.py" "$@"
}

# wait_for URL SECONDS [WHAT]: polls until the URL answers (any HTTP status).
wait_for() {
  local url=$1 seconds=$2 what=${3:-$1} i
  for ((i = 0; i < seconds * 10; i++)); do
    if curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
    sleep 0.1
  done
  fail "$what did not come up at $url within ${seconds}s"
}

# --- Mercado Pago credentials in the stack's Secrets Manager secret -------------------------------
# (scripts/deploy.sh and scripts/set-credentials.sh; after infra/aws.sh's resolve_target, which sets
# AWS.) The secret's value is {"access_token","webhook_secret"}. The values only travel through
# pipes: the shell hands them to python3 on stdin (printf is a builtin, so never in an argument
# list), python3 merges them with the stored value and gives the JSON to the AWS CLI on its stdin
# (--secret-string file:///dev/stdin). Never in an argument list, in a child's environment, in a
# log or in a file; never printed (the check below prints key names only).
MP_SECRET_PY='
import json, subprocess, sys
KEYS = ("access_token", "webhook_secret")
mode, arn, aws = sys.argv[1], sys.argv[2], sys.argv[3:]

def current():  # the stored value, as a dict (never printed)
    got = subprocess.run(aws + ["secretsmanager", "get-secret-value", "--secret-id", arn, "--output", "json"],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if got.returncode != 0:
        sys.stderr.write(got.stderr.strip()[-600:] + "\n")
        sys.exit("could not read the secret " + arn + " (aws secretsmanager get-secret-value)")
    try:
        value = json.loads(json.loads(got.stdout).get("SecretString") or "{}")
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}

if mode == "keys":  # which keys hold a value: names only
    stored = current()
    print(" ".join(k for k in KEYS if isinstance(stored.get(k), str) and stored[k].strip()))
else:  # store: new values on stdin, one a line (an empty line keeps the stored one)
    new = (sys.stdin.read().split("\n") + ["", ""])[:2]
    value = current()
    for key, given in zip(KEYS, new):
        if given:
            value[key] = given
        value.setdefault(key, "")
    put = subprocess.run(aws + ["secretsmanager", "put-secret-value", "--secret-id", arn,
                                "--secret-string", "file:///dev/stdin", "--query", "VersionId", "--output", "text"],
                         input=json.dumps(value), capture_output=True, text=True)
    if put.returncode != 0:
        sys.stderr.write(put.stderr.strip()[-600:] + "\n")
        sys.exit("could not store the credentials in " + arn + " (aws secretsmanager put-secret-value)")
    print("   stored: secret version " + put.stdout.strip())
'

# secret_keys_set ARN: which of access_token and webhook_secret the secret holds a value for
# (space-separated names; the values are never printed). Fails if the secret cannot be read.
secret_keys_set() {
  # shellcheck disable=SC2154 # AWS: set by infra/aws.sh's resolve_target
  python3 -c "$MP_SECRET_PY" keys "$1" "${AWS[@]}"
}

# store_credentials ARN: reads the access token and the webhook secret, one a line, on stdin (an
# empty line keeps the stored value) and puts the merged JSON as the secret's new version, e.g.
#   printf '%s\n%s\n' "$token" "$webhook_secret" | store_credentials "$arn"
store_credentials() {
  python3 -c "$MP_SECRET_PY" store "$1" "${AWS[@]}"
}

# The shapes make deploy and make set-credentials accept (Mercado Pago's credentials pages).
valid_public_key() { [[ "$1" =~ ^(TEST|APP_USR)-[0-9A-Za-z-]+$ ]]; }
valid_access_token() { [[ "$1" =~ ^(TEST|APP_USR)-[A-Za-z0-9-]{10,}$ ]]; }
valid_webhook_secret() { [[ "$1" =~ ^[^[:space:]]{8,}$ ]]; }

# ask_secret VAR PROMPT [CHECK HINT]: reads VAR from the terminal (stdin) without echo (read -s);
# an empty answer leaves VAR empty (skip); an answer CHECK rejects is asked again (HINT says why),
# up to 3 times.
ask_secret() {
  local __var=$1 __prompt=$2 __check=${3:-} __hint=${4:-} __value __try
  for __try in 1 2 3; do
    __value=
    IFS= read -r -s -p "$__prompt" __value || true
    printf '\n' >&2
    __value=${__value#"${__value%%[![:space:]]*}"} # trim
    __value=${__value%"${__value##*[![:space:]]}"}
    if [ -z "$__value" ] || [ -z "$__check" ] || "$__check" "$__value"; then
      printf -v "$__var" '%s' "$__value"
      return 0
    fi
    printf '%sthat does not look right: %s. Try again, or press Enter to skip.%s\n' "$RED" "$__hint" "$RESET" >&2
  done
  fail "no valid answer after 3 tries. Nothing more was stored."
}
