"""make deploy / destroy / set-credentials / catalog without AWS: they fail early and clearly, and
their dry runs show every step. Run by scripts/infra-check.sh (python -m unittest)."""

import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import termios
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(script, extra_env=None, args=()):
    """Runs a script with no AWS configuration at all (empty HOME, no AWS_* variables). Cargo and
    rustup keep their own homes (the toolchain and the crates already fetched)."""
    home = tempfile.mkdtemp()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.setdefault("CARGO_HOME", str(Path.home() / ".cargo"))
    env.setdefault("RUSTUP_HOME", str(Path.home() / ".rustup"))
    env.update({"HOME": home, "NO_COLOR": "1"})
    env.update(extra_env or {})
    started = time.monotonic()
    proc = subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started


def lambda_dir():
    """Where cargo lambda writes the packages: the cargo target dir's lambda/ (infra/build.sh --dir)."""
    out = subprocess.run([str(ROOT / "infra" / "build.sh"), "--dir"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def snapshot(path):
    """Modification times of everything below path (to prove nothing was written)."""
    if not path.exists():
        return {}
    return {str(p): p.stat().st_mtime_ns for p in path.rglob("*")}


class WithoutCredentials(unittest.TestCase):
    def test_deploy_fails_before_building_anything(self):
        before = snapshot(ROOT / ".aws-sam"), snapshot(lambda_dir())
        code, out, seconds = run("deploy.sh", {"MP_PUBLIC_KEY": "TEST-00000000-0000-0000-0000-000000000000"})
        self.assertNotEqual(code, 0)
        self.assertIn("no AWS credentials found", out)
        self.assertIn("Nothing was built or deployed", out)
        self.assertIn("aws configure", out, "the message says how to fix it")
        self.assertIn(".venv-infra/bin/aws", out, "and names the project's AWS CLI")
        self.assertLess(seconds, 30, "it fails early, not after a build")
        self.assertEqual(before, (snapshot(ROOT / ".aws-sam"), snapshot(lambda_dir())), "no partial state")

    def test_set_credentials_and_destroy_fail_clearly_too(self):
        for script in ("set-credentials.sh", "destroy.sh"):
            code, out, _ = run(script, {"YES": "1"})
            self.assertNotEqual(code, 0, script)
            self.assertIn("no AWS credentials found", out, script)


class Catalog(unittest.TestCase):
    """make catalog (scripts/catalog.sh): checks with the functions' rules before anything else."""

    def test_an_invalid_catalog_is_never_published(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            catalog = (ROOT / "catalog.json").read_text(encoding="utf-8")
            f.write(catalog.replace('"18500.00"', '"-1"', 1))
        try:
            code, out, _ = run("catalog.sh", {"AWS": "1"}, [f.name])
        finally:
            os.unlink(f.name)
        self.assertNotEqual(code, 0)
        self.assertIn("unit_price must be positive", out)
        self.assertIn("the catalog was not published", out)
        self.assertNotIn("credentials", out, "it stops before looking for AWS")

    def test_publishing_to_aws_without_credentials_fails_clearly(self):
        code, out, _ = run("catalog.sh", {"AWS": "1"})
        self.assertNotEqual(code, 0)
        self.assertIn("catalog.json is valid", out)
        self.assertIn("no AWS credentials found", out)
        self.assertIn("Nothing was published", out)

    def test_without_a_local_stack_it_says_how_to_start_one(self):
        code, out, _ = run("catalog.sh", {"STACK_NAME": "no-such-stack"})
        self.assertNotEqual(code, 0)
        self.assertIn("no local stack 'no-such-stack'", out)
        self.assertIn("make dev", out)
        self.assertIn("make catalog AWS=1", out)


class DryRun(unittest.TestCase):
    def test_deploy_dry_run_prints_every_step_and_runs_nothing(self):
        before = snapshot(ROOT / ".aws-sam")
        code, out, _ = run("deploy.sh", {"DRY_RUN": "1", "MP_PUBLIC_KEY": "TEST-00000000-0000-0000-0000-000000000000"})
        self.assertEqual(code, 0, out)
        for step in range(1, 9):
            self.assertIn(f"{step}/8", out)
        for command in ("sts get-caller-identity", "infra/build.sh", "sam build", "sam deploy", "create-invalidation"):
            self.assertIn(command, out)
        self.assertIn("Dry run done: nothing was built, deployed or uploaded.", out)
        self.assertEqual(before, snapshot(ROOT / ".aws-sam"))

    def test_deploy_dry_run_without_a_public_key_warns_that_a_first_deploy_needs_it(self):
        code, out, _ = run("deploy.sh", {"DRY_RUN": "1"})
        self.assertEqual(code, 0, out)
        self.assertIn("MP_PUBLIC_KEY is not set. A first deploy needs it", out)
        self.assertIn("secret-string file:///dev/stdin", out, "it shows how the secrets are stored")
        self.assertIn("Configure notifications", out)

    def test_destroy_dry_run_says_what_it_would_delete(self):
        code, out, _ = run("destroy.sh", {"DRY_RUN": "1"})
        self.assertEqual(code, 0, out)
        self.assertIn("delete", out.lower())

    def test_deleting_the_orders_turns_their_deletion_protection_off_first(self):
        code, out, _ = run("destroy.sh", {"DRY_RUN": "1", "DELETE_ORDERS": "1"})
        self.assertEqual(code, 0, out)
        off = out.find("--no-deletion-protection-enabled")
        self.assertNotEqual(off, -1, out)
        self.assertLess(off, out.find("dynamodb delete-table"), out)


# --- The whole make deploy / make set-credentials flow, against fake AWS and SAM CLIs ---------------
# The scripts run from a copy of the repository's deploy files in a temporary directory, where
# .venv-infra/bin/{aws,sam,python}, scripts/bootstrap.sh, infra/build.sh and cargo (on PATH) are
# fakes that record their argv, environment and (for file:///dev/stdin) stdin, and answer like AWS.
# The fakes' log and the fake AWS state (which does hold the secrets: it is "AWS") live outside
# that directory; everything the run could leave behind (the copy, its .aws-sam/, HOME, TMPDIR) is
# scanned for the secrets afterwards.

PUBLIC_KEY = "TEST-pub00000-1111-2222-3333-444444444444"
TOKEN = "TEST-7777777777777777-tokenSECRETvalue-0000"
WEBHOOK = "whsecSECRET0123456789abcdef0123456789abcdef"
SITE = "https://d111abcdef8.cloudfront.net"
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mp-checkout-MercadoPagoSecret-AbCdEf"

FAKE = (
    r"""#!PYTHON
# A fake AWS CLI / SAM CLI / python for scripts/test_deploy.py.
import json, os, sys
tool, args = os.path.basename(sys.argv[0]), sys.argv[1:]
side = os.environ["FAKE_AWS_DIR"]
state_path = os.path.join(side, "state.json")
state = json.load(open(state_path))
stdin = None
if "file:///dev/stdin" in args:
    stdin = sys.stdin.read()
with open(os.path.join(side, "calls.jsonl"), "a") as log:
    log.write(json.dumps({"tool": tool, "argv": args, "stdin": stdin, "env": dict(os.environ)}) + "\n")

def save():
    json.dump(state, open(state_path, "w"))

def opt(name):
    return args[args.index(name) + 1] if name in args else None

stack = state.get("stack")
if tool == "aws":
    if args[2:4] == ["sts", "get-caller-identity"]:
        print("123456789012")
    elif args[2:4] == ["cloudformation", "describe-stacks"]:
        if not stack:
            sys.exit("An error occurred (ValidationError) when calling the DescribeStacks operation: "
                     "Stack with id mp-checkout does not exist")
        outputs = {"SiteBucketName": "mp-checkout-site", "DistributionId": "E123ABC", "SiteUrl": SITE,
                   "WebhookUrl": SITE + "/api/notifications", "MercadoPagoSecretArn": ARN}
        print(json.dumps({"Stacks": [{"StackStatus": stack["status"],
            "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in stack["params"].items()]}]}))
    elif args[2:4] == ["cloudformation", "describe-stack-events"]:
        print("| CREATE_FAILED | Distribution | Resource handler returned message: Invalid request |")
    elif args[2:4] == ["secretsmanager", "get-secret-value"]:
        if "secret" not in state:
            sys.exit("An error occurred (ResourceNotFoundException)")
        print(json.dumps({"ARN": ARN, "Name": "x", "SecretString": state["secret"]}))
    elif args[2:4] == ["secretsmanager", "put-secret-value"]:
        value = stdin if opt("--secret-string") == "file:///dev/stdin" else opt("--secret-string")
        json.loads(value)
        state["secret"] = value
        state["versions"] = state.get("versions", 0) + 1
        save()
        print("v%d" % state["versions"])
    elif args[2:4] == ["cloudfront", "create-invalidation"]:
        print("I123")
    else:
        sys.exit("fake aws: unexpected call %r" % args)
elif tool == "sam":
    if args[0] == "build":
        os.makedirs(".aws-sam/build", exist_ok=True)
        open(".aws-sam/build/template.yaml", "w").write("Resources: {}\n")
    elif args[0] == "deploy":
        if state.get("fail_deploy"):
            state["stack"] = {"status": "UPDATE_ROLLBACK_COMPLETE" if stack else "ROLLBACK_COMPLETE",
                              "params": (stack or {}).get("params", {})}
            save()
            sys.exit("Error: Failed to create/update the stack: mp-checkout, Waiter StackCreateComplete failed")
        params = dict((stack or {}).get("params", {}))
        if "--parameter-overrides" in args:
            for kv in args[args.index("--parameter-overrides") + 1:]:
                if kv.startswith("--"):
                    break
                key, _, value = kv.partition("=")
                params[key] = value
        state["stack"] = {"status": "UPDATE_COMPLETE" if stack else "CREATE_COMPLETE", "params": params}
        state.setdefault("secret", json.dumps({"access_token": "", "webhook_secret": ""}))
        save()
        print("Successfully created/updated stack - mp-checkout")
elif tool == "python":  # .venv-infra/bin/python: publish_site.py upload
    print("  uploaded (fake)")
""".replace("SITE", repr(SITE))
    .replace("ARN", repr(ARN))
    .replace("#!PYTHON", "#!" + sys.executable)
)

STUB = "#!/bin/sh\n# fake for scripts/test_deploy.py\nexit 0\n"

COPIED = (
    "scripts/deploy.sh",
    "scripts/set-credentials.sh",
    "scripts/lib/common.sh",
    "infra/aws.sh",
    "infra/publish_site.py",
    "samconfig.toml",
    "catalog.json",
)


class FakeAws:
    """A copy of the deploy scripts wired to fake AWS and SAM CLIs (see above)."""

    def __init__(self, test, stack=None, secret=None, fail_deploy=False):
        self.dir = Path(tempfile.mkdtemp(prefix="fake-deploy-"))
        test.addCleanup(shutil.rmtree, self.dir, True)
        self.root, self.side = self.dir / "repo", self.dir / "aws-side"
        self.home, self.tmp, self.bin = self.dir / "home", self.dir / "tmp", self.dir / "bin"
        for d in (self.side, self.home, self.tmp, self.bin, self.root / ".venv-infra" / "bin"):
            d.mkdir(parents=True)
        for rel in COPIED:
            (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, self.root / rel)
        for path, text in (
            (self.root / ".venv-infra/bin/aws", FAKE),
            (self.root / ".venv-infra/bin/sam", FAKE),
            (self.root / ".venv-infra/bin/python", FAKE),
            (self.root / "scripts/bootstrap.sh", STUB),
            (self.root / "infra/build.sh", STUB),
            (self.bin / "cargo", STUB),
        ):
            path.write_text(text)
            path.chmod(0o755)
        state = {"fail_deploy": fail_deploy}
        if stack:
            state["stack"] = {
                "status": "UPDATE_COMPLETE",
                "params": {"MercadoPagoPublicKey": PUBLIC_KEY, "PublicUrl": SITE},
            }
        if secret is not None:
            state["secret"] = json.dumps(secret)
        (self.side / "state.json").write_text(json.dumps(state))

    def env(self, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MP_", "DEPLOY_"))}
        env.update(
            {
                "PATH": f"{self.bin}:{os.environ['PATH']}",
                "HOME": str(self.home),
                "TMPDIR": str(self.tmp),
                "NO_COLOR": "1",
                "FAKE_AWS_DIR": str(self.side),
                "AWS_ACCESS_KEY_ID": "AKIAFAKE",
                "AWS_SECRET_ACCESS_KEY": "fake",
                "TERM": "dumb",
            }
        )
        env.update(extra or {})
        return env

    def calls(self):
        path = self.side / "calls.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def names(self):
        """The calls as short names, in order: 'sam deploy', 'aws secretsmanager put-secret-value'..."""
        out = []
        for c in self.calls():
            argv = c["argv"]
            out.append(f"aws {argv[2]} {argv[3]}" if c["tool"] == "aws" else f"{c['tool']} {argv[0]}")
        return out

    def secret(self):
        return json.loads(json.loads((self.side / "state.json").read_text()).get("secret", "{}"))

    def run(self, script="deploy.sh", extra=None):
        """Off a terminal: stdin is /dev/null."""
        proc = subprocess.run(
            [str(self.root / "scripts" / script)],
            cwd=self.root,
            env=self.env(extra),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return proc.returncode, proc.stdout + proc.stderr

    def run_tty(self, answers, script="deploy.sh", extra=None, timeout=120):
        """On a pseudo-terminal. answers: (text, reply or None, secret?) in order; a secret reply is
        typed only once the terminal's echo is off (read -s), which the test thereby checks."""
        master, slave = os.openpty()
        proc = subprocess.Popen(
            [str(self.root / "scripts" / script)],
            cwd=self.root,
            env=self.env(extra),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        out, seen, pending, deadline = b"", 0, list(answers), time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    try:
                        data = os.read(master, 65536)
                    except OSError:  # EIO: the script exited and closed the terminal
                        data = b""
                    if not data:
                        break
                    out += data
                while pending and pending[0][0].encode() in out[seen:]:
                    prompt, reply, secret = pending.pop(0)
                    seen = out.index(prompt.encode(), seen) + len(prompt)
                    if secret:
                        echo_off_by = time.monotonic() + 10
                        while termios.tcgetattr(master)[3] & termios.ECHO:
                            if time.monotonic() > echo_off_by:
                                raise AssertionError(f"echo still on at the prompt {prompt!r}")
                            time.sleep(0.01)
                    if reply is not None:
                        os.write(master, reply.encode() + b"\r")
                if not ready and proc.poll() is not None:
                    break
            else:
                raise AssertionError("timed out; output so far:\n" + out.decode(errors="replace"))
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            os.close(master)
        text = re.sub(r"\x1b\[[0-9;]*m", "", out.decode(errors="replace")).replace("\r\n", "\n")
        return proc.returncode, text, [p[0] for p in pending]

    def assert_no_leak(self, test, output, secrets=(TOKEN, WEBHOOK)):
        for secret in secrets:
            test.assertNotIn(secret, output, "a secret in the output")
            for call in self.calls():
                test.assertFalse(any(secret in a for a in call["argv"]), f"a secret in the argv of {call['argv'][:4]}")
                test.assertFalse(
                    any(secret in v for v in call["env"].values()), f"a secret in the environment of {call['tool']}"
                )
            for base in (self.root, self.home, self.tmp):
                for path in base.rglob("*"):
                    if path.is_file():
                        test.assertNotIn(secret.encode(), path.read_bytes(), f"a secret in {path}")
        for call in self.calls():  # stdin carries a secret only to put-secret-value
            if call["stdin"] is not None:
                test.assertEqual(call["argv"][2:4], ["secretsmanager", "put-secret-value"])


class InteractiveDeploy(unittest.TestCase):
    """make deploy on a terminal: asks for what is missing, and only that."""

    def setUp(self):
        self.aws_sam_before = snapshot(ROOT / ".aws-sam")

    def tearDown(self):
        self.assertEqual(self.aws_sam_before, snapshot(ROOT / ".aws-sam"), "the repository's .aws-sam/ is untouched")

    def test_first_deploy_asks_for_everything_and_stores_the_secrets_without_leaking_them(self):
        fake = FakeAws(self)
        code, out, unanswered = fake.run_tty(
            [
                ("Public key: ", PUBLIC_KEY, False),
                ("Access token (hidden", TOKEN, True),
                ("Paste the secret signature (hidden", WEBHOOK, True),
            ]
        )
        self.assertEqual(code, 0, out)
        self.assertEqual(unanswered, [], out)
        self.assertEqual(
            fake.names(),
            [
                "aws sts get-caller-identity",
                "aws cloudformation describe-stacks",  # NONE: no secret to look at yet
                "sam build",
                "sam deploy",
                "aws cloudformation describe-stacks",
                "sam deploy",  # PublicUrl
                "aws cloudformation describe-stacks",
                "aws secretsmanager get-secret-value",  # merge: the access token first...
                "aws secretsmanager put-secret-value",
                "python infra/publish_site.py",
                "aws cloudfront create-invalidation",
                "aws secretsmanager get-secret-value",  # ...then the webhook secret, after the panel steps
                "aws secretsmanager put-secret-value",
            ],
        )
        deploy = fake.calls()[3]["argv"]
        self.assertIn(f"MercadoPagoPublicKey={PUBLIC_KEY}", deploy)
        self.assertIn(f"PublicUrl={SITE}", fake.calls()[5]["argv"])
        self.assertEqual(fake.secret(), {"access_token": TOKEN, "webhook_secret": WEBHOOK})
        for put in (c for c in fake.calls() if c["argv"][3:4] == ["put-secret-value"]):
            self.assertIn("file:///dev/stdin", put["argv"])
        # The panel steps, with the URL, before the webhook prompt.
        steps = out.index("Configure notifications")
        for text in (
            f"{SITE}/api/notifications",
            "Your integrations",
            "Webhooks",
            '"Payments" (payment)',
            "Save",
            '"secret signature"',
        ):
            self.assertIn(text, out)
        self.assertLess(out.index(f"Webhook URL:  {SITE}/api/notifications"), steps)
        self.assertLess(steps, out.index("Paste the secret signature"))
        self.assertIn("Mercado Pago credentials: stored", out)
        self.assertTrue((fake.root / ".aws-sam/deploy/config.json").exists())
        fake.assert_no_leak(self, out)

    def test_rerunning_with_everything_stored_asks_nothing(self):
        fake = FakeAws(self, stack=True, secret={"access_token": TOKEN, "webhook_secret": WEBHOOK})
        code, out, _ = fake.run_tty([])
        self.assertEqual(code, 0, out)
        for prompt in ("Public key:", "Access token", "secret signature (hidden"):
            self.assertNotIn(prompt, out)
        names = fake.names()
        self.assertIn("aws secretsmanager get-secret-value", names, "it looks whether the secret has values")
        self.assertNotIn("aws secretsmanager put-secret-value", names)
        self.assertEqual(names.count("sam deploy"), 1, "PublicUrl is already right")
        self.assertIn("The webhook secret is stored", out)
        self.assertIn("Mercado Pago credentials: stored", out)
        fake.assert_no_leak(self, out)

    def test_only_the_missing_webhook_secret_is_asked_and_enter_skips_it(self):
        fake = FakeAws(self, stack=True, secret={"access_token": TOKEN, "webhook_secret": ""})
        code, out, unanswered = fake.run_tty([("Paste the secret signature (hidden", "", True)])
        self.assertEqual(code, 0, out)
        self.assertEqual(unanswered, [])
        self.assertNotIn("Public key:", out)
        self.assertNotIn("Access token (hidden", out)
        self.assertNotIn("aws secretsmanager put-secret-value", fake.names())
        self.assertIn("Store the webhook secret (steps above): make set-credentials", out)
        self.assertEqual(fake.secret(), {"access_token": TOKEN, "webhook_secret": ""})
        fake.assert_no_leak(self, out)

    def test_a_mistyped_secret_is_asked_again(self):
        fake = FakeAws(self, stack=True, secret={"access_token": "", "webhook_secret": WEBHOOK})
        code, out, unanswered = fake.run_tty(
            [
                ("Access token (hidden", "not-a-token", True),
                ("Try again, or press Enter to skip.", None, False),  # wait for it, type nothing
                ("Access token (hidden", TOKEN, True),
            ]
        )
        self.assertEqual(code, 0, out)
        self.assertEqual(unanswered, [])
        self.assertNotIn("not-a-token", out, "not echoed either")
        self.assertEqual(fake.secret(), {"access_token": TOKEN, "webhook_secret": WEBHOOK})
        fake.assert_no_leak(self, out)

    def test_a_failed_deploy_says_what_happened_and_what_to_do(self):
        fake = FakeAws(self, fail_deploy=True)
        code, out, _ = fake.run_tty(
            [
                ("Public key: ", PUBLIC_KEY, False),
                ("Access token (hidden", TOKEN, True),
            ]
        )
        self.assertNotEqual(code, 0, out)
        self.assertIn("sam deploy failed; stack mp-checkout is now ROLLBACK_COMPLETE", out)
        self.assertIn("rolled it back", out)
        self.assertIn("make destroy", out)
        self.assertIn("cloudformation describe-stack-events --stack-name mp-checkout", out)
        self.assertIn("Invalid request", out, "the failed events are shown")
        self.assertIn("credentials were not stored: make deploy asks for them again", out)
        self.assertNotIn("aws secretsmanager put-secret-value", fake.names())
        fake.assert_no_leak(self, out)


class DeployOffATerminal(unittest.TestCase):
    """make deploy in CI: never asks."""

    def test_with_nothing_set_it_fails_fast_naming_the_variables(self):
        fake = FakeAws(self)
        started = time.monotonic()
        code, out = fake.run()
        self.assertNotEqual(code, 0, out)
        self.assertIn("missing MP_PUBLIC_KEY MP_ACCESS_TOKEN,", out)
        self.assertIn("no terminal", out)
        self.assertIn("Nothing was built or deployed", out)
        self.assertNotIn("sam build", fake.names())
        self.assertLess(time.monotonic() - started, 30)

    def test_with_a_stack_only_the_missing_secret_is_named(self):
        fake = FakeAws(self, stack=True, secret={"access_token": "", "webhook_secret": WEBHOOK})
        code, out = fake.run()
        self.assertNotEqual(code, 0, out)
        self.assertIn("missing MP_ACCESS_TOKEN,", out)
        self.assertNotIn("sam build", fake.names())

    def test_a_first_deploy_in_ci_goes_without_the_webhook_secret_it_cannot_know_yet(self):
        # Mercado Pago shows the secret signature only once the URL this deploy prints is set.
        fake = FakeAws(self)
        code, out = fake.run(extra={"MP_PUBLIC_KEY": PUBLIC_KEY, "MP_ACCESS_TOKEN": TOKEN})
        self.assertEqual(code, 0, out)
        self.assertIn("MP_WEBHOOK_SECRET is not set nor stored: deploying without it", out)
        self.assertIn("sam build", fake.names())
        self.assertEqual(fake.secret().get("access_token"), TOKEN)
        self.assertFalse(fake.secret().get("webhook_secret"))
        fake.assert_no_leak(self, out)

    def test_with_the_environment_set_it_deploys_and_no_child_inherits_the_secrets(self):
        fake = FakeAws(self)
        code, out = fake.run(
            extra={"MP_PUBLIC_KEY": PUBLIC_KEY, "MP_ACCESS_TOKEN": TOKEN, "MP_WEBHOOK_SECRET": WEBHOOK}
        )
        self.assertEqual(code, 0, out)
        self.assertEqual(fake.secret(), {"access_token": TOKEN, "webhook_secret": WEBHOOK})
        self.assertEqual(fake.names().count("aws secretsmanager put-secret-value"), 1, "both in one version")
        self.assertNotIn("Paste the secret signature", out)
        fake.assert_no_leak(self, out)


class SetCredentials(unittest.TestCase):
    def test_on_a_terminal_it_asks_without_echo_and_keeps_what_is_stored(self):
        fake = FakeAws(self, stack=True, secret={"access_token": TOKEN, "webhook_secret": ""})
        code, out, unanswered = fake.run_tty(
            [
                ("Access token (hidden; Enter keeps the stored one)", "", True),
                ("Webhook secret signature (hidden; Enter skips)", WEBHOOK, True),
            ],
            script="set-credentials.sh",
        )
        self.assertEqual(code, 0, out)
        self.assertEqual(unanswered, [])
        self.assertEqual(fake.secret(), {"access_token": TOKEN, "webhook_secret": WEBHOOK})
        fake.assert_no_leak(self, out)

    def test_off_a_terminal_it_names_the_missing_variables(self):
        fake = FakeAws(self, stack=True, secret={"access_token": "", "webhook_secret": ""})
        code, out = fake.run("set-credentials.sh")
        self.assertNotEqual(code, 0, out)
        self.assertIn("missing MP_ACCESS_TOKEN MP_WEBHOOK_SECRET", out)
        self.assertNotIn("aws secretsmanager put-secret-value", fake.names())


if __name__ == "__main__":
    unittest.main()
