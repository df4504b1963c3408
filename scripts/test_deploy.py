"""make deploy / destroy / set-credentials / catalog without AWS: they fail early and clearly, and
their dry runs show every step. Run by scripts/infra-check.sh (python -m unittest)."""

import os
import subprocess
import tempfile
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


if __name__ == "__main__":
    unittest.main()
