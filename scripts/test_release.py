"""make release (scripts/release.sh) and the bundle's scripts (infra/release/), without Rust or AWS.

The bundle is built from fake arm64 bootstraps (RELEASE_BOOTSTRAPS: nothing is compiled), unpacked,
and its deploy.sh run against a stand-in `aws` on PATH that records every call: in a dry run it
must not be called at all; in a "real" run it answers like AWS would and the test checks the
sequence of commands. Run by scripts/infra-check.sh (python -m unittest).
"""

import hashlib
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile
import unittest
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "infra"))

import csp
import publish_site

import functions

FUNCTIONS = functions.functions()
SECRETS = {
    "MP_ACCESS_TOKEN": "TEST-1111111111-secret-access-token",
    "MP_WEBHOOK_SECRET": 'webhook"secret\\sig',
    "AWS_SECRET_ACCESS_KEY": "aws-secret-key-that-must-not-leak",
    "AWS_SESSION_TOKEN": "aws-session-token-that-must-not-leak",
}
PUBLIC_KEY = "TEST-00000000-0000-0000-0000-000000000000"

# The stand-in AWS CLI: appends its argv to $STUB_LOG (one JSON list a line). STUB_MODE=dry fails
# every call; otherwise it answers like a first deployment (the stack does not exist until
# `cloudformation deploy`) and keeps its state in $STUB_LOG.state.
STUB = r"""
import json, os, sys
args = sys.argv[1:]
log = os.environ["STUB_LOG"]
with open(log, "a") as f:
    f.write(json.dumps(args) + "\n")
if os.environ.get("STUB_MODE") == "dry":
    print("stub aws: called during a dry run", file=sys.stderr)
    sys.exit(99)
state_file = log + ".state"
state = json.load(open(state_file)) if os.path.exists(state_file) else {"deploys": 0}
def arg(name):
    return args[args.index(name) + 1]
cmd = [a for a in args if not a.startswith("-")][:2]
if args[:2] == ["--region", "us-east-1"]:
    cmd = [a for a in args[2:] if not a.startswith("-")][:2]
out = ""
if cmd == ["sts", "get-caller-identity"]:
    out = "123456789012"
elif cmd == ["cloudformation", "describe-stacks"]:
    if not state["deploys"]:
        print("An error occurred (ValidationError): Stack with id mp-checkout does not exist", file=sys.stderr)
        sys.exit(255)
    query = arg("--query")
    values = {"SiteUrl": "https://d111.cloudfront.net", "WebhookUrl": "https://d111.cloudfront.net/api/notifications",
              "SiteBucketName": "site-bucket", "DistributionId": "E123", "MercadoPagoSecretArn":
              "arn:aws:secretsmanager:us-east-1:123456789012:secret:mp-abc",
              "MercadoPagoPublicKey": os.environ.get("MP_PUBLIC_KEY", ""),
              "PublicUrl": "https://d111.cloudfront.net" if state["deploys"] > 1 else ""}
    out = "UPDATE_COMPLETE" if "StackStatus" in query else values.get(query.split("'")[1], "None") or "None"
elif cmd == ["s3api", "head-bucket"]:
    sys.exit(255)
elif cmd == ["cloudformation", "package"]:
    open(arg("--output-template-file"), "w").write("packaged\n")
elif cmd == ["cloudformation", "deploy"]:
    state["deploys"] += 1
elif cmd == ["s3api", "list-objects-v2"]:
    out = "index.html\told.html\tapp.js"
elif cmd == ["secretsmanager", "put-secret-value"]:
    with open(arg("--secret-string")[len("file://"):]) as f:
        state["secret"] = json.load(f)
    out = "v1"
json.dump(state, open(state_file, "w"))
print(out)
"""


def fake_bootstrap(path, name):
    """An executable that looks like an arm64 ELF (the bundle checks the header)."""
    header = bytearray(64)
    header[:7] = b"\x7fELF\x02\x01\x01"
    struct.pack_into("<H", header, 18, 183)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(header) + name.encode() * 50)
    path.chmod(0o755)


def release(bootstraps, dist, **env):
    proc = subprocess.run(
        [str(ROOT / "scripts" / "release.sh")],
        cwd=ROOT,
        env={**os.environ, "RELEASE_BOOTSTRAPS": str(bootstraps), "RELEASE_DIST": str(dist), "NO_COLOR": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


class Release(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp())
        cls.bootstraps = cls.tmp / "bootstraps"
        for f in FUNCTIONS:
            fake_bootstrap(cls.bootstraps / f.name / "bootstrap", f.name)
        cls.dist = cls.tmp / "dist"
        code, out = release(cls.bootstraps, cls.dist, RELEASE_VERSION="9.9.9-test")
        if code:
            raise AssertionError(f"scripts/release.sh failed:\n{out}")
        cls.archive = cls.dist / "mp-checkout-9.9.9-test.tar.gz"
        with tarfile.open(cls.archive) as tar:
            tar.extractall(cls.tmp / "unpacked", filter="tar")
        cls.bundle = cls.tmp / "unpacked" / "mp-checkout-9.9.9-test"

    def deploy(self, mode, extra_env=None, script="deploy.sh", args=()):
        """Runs a script of the bundle with the stand-in aws first on PATH; returns (code, output, calls)."""
        stub_dir = Path(tempfile.mkdtemp(dir=self.tmp))
        aws = stub_dir / "aws"
        aws.write_text(f"#!{sys.executable}\n{STUB}")
        aws.chmod(0o755)
        log = stub_dir / "calls.jsonl"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MP_", "DEPLOY_", "NOTIFICATION_"))}
        env.update(SECRETS)
        env.update({"PATH": f"{stub_dir}:{env['PATH']}", "STUB_LOG": str(log), "STUB_MODE": mode})
        env.update(extra_env or {})
        proc = subprocess.run(
            [str(self.bundle / script), *args],
            cwd=self.tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        state = json.loads(Path(f"{log}.state").read_text()) if Path(f"{log}.state").exists() else {}
        return proc.returncode, proc.stdout + proc.stderr, calls, state

    def assertNoSecret(self, *texts):
        for text in texts:
            for name, value in SECRETS.items():
                self.assertNotIn(value, text, f"{name} leaked")

    # --- the archive ---------------------------------------------------------------------------
    def test_checksums_cover_the_archive(self):
        digest = hashlib.sha256(self.archive.read_bytes()).hexdigest()
        self.assertIn(f"{digest}  {self.archive.name}\n", (self.dist / "SHA256SUMS").read_text())

    def test_the_archive_is_reproducible(self):
        dist = self.tmp / "again"
        code, out = release(self.bootstraps, dist, RELEASE_VERSION="9.9.9-test")
        self.assertEqual(code, 0, out)
        self.assertEqual(self.archive.read_bytes(), (dist / self.archive.name).read_bytes())

    def test_archive_entries_have_one_owner_and_time(self):
        with tarfile.open(self.archive) as tar:
            members = tar.getmembers()
        self.assertEqual({(m.uid, m.gid, m.uname, m.gname) for m in members}, {(0, 0, "", "")})
        self.assertEqual(len({m.mtime for m in members}), 1)
        self.assertTrue(all(m.name.startswith("mp-checkout-9.9.9-test") for m in members))
        self.assertEqual([m.name for m in members], sorted(m.name for m in members))

    def test_a_bootstrap_that_is_not_arm64_is_refused(self):
        bad = self.tmp / "bad"
        for f in FUNCTIONS:
            fake_bootstrap(bad / f.name / "bootstrap", f.name)
        (bad / FUNCTIONS[0].name / "bootstrap").write_bytes(b"#!/bin/sh\necho x86\n")
        code, out = release(bad, self.tmp / "bad-dist", RELEASE_VERSION="bad")
        self.assertNotEqual(code, 0)
        self.assertIn("not a 64-bit ARM", out)

    # --- the bundle's contents -------------------------------------------------------------------
    def test_every_function_has_a_zip_with_an_executable_bootstrap(self):
        for f in FUNCTIONS:
            with zipfile.ZipFile(self.bundle / "functions" / f"{f.name}.zip") as z:
                (info,) = z.infolist()
                self.assertEqual(info.filename, "bootstrap")
                self.assertTrue((info.external_attr >> 16) & stat.S_IXUSR, f"{f.name}: bootstrap not executable")
                self.assertEqual(info.create_system, 3, "Unix attributes, which Lambda reads")
                self.assertEqual(z.read(info), (self.bootstraps / f.name / "bootstrap").read_bytes())
        self.assertEqual(
            sorted(p.name for p in (self.bundle / "functions").iterdir()), sorted(f"{f.name}.zip" for f in FUNCTIONS)
        )

    def test_the_template_references_the_zips(self):
        path = self.bundle / "template.yaml"
        template = csp.load_template(str(path))
        self.assertEqual(template["Transform"], "AWS::Serverless-2016-10-31")
        bundled = functions.functions(str(path))
        self.assertEqual([f.name for f in bundled], [f.name for f in FUNCTIONS])
        for f in bundled:
            uri = template["Resources"][f.logical_id]["Properties"]["CodeUri"]
            self.assertEqual(uri, f"functions/{f.name}.zip")
            self.assertTrue((self.bundle / uri).is_file())
        # Apart from CodeUri (and a comment), it is the repository's template.
        original = csp.load_template(str(ROOT / "infra" / "template.yaml"))
        for f in bundled:
            original["Resources"][f.logical_id]["Properties"]["CodeUri"] = f"functions/{f.name}.zip"
        self.assertEqual(template, original)

    def test_the_site_is_there_as_publish_site_plans_it(self):
        expected = sorted(key for key, *_ in publish_site.plan(publish_site.SITE))
        bundled = sorted(
            p.relative_to(self.bundle / "site").as_posix() for p in (self.bundle / "site").rglob("*") if p.is_file()
        )
        self.assertEqual(bundled, expected)
        self.assertIn("catalog.json", bundled)
        self.assertNotIn("config.json", bundled)
        self.assertFalse((self.bundle / "site" / "catalog.json").is_symlink())
        self.assertEqual((self.bundle / "site" / "catalog.json").read_bytes(), (ROOT / "catalog.json").read_bytes())

    def test_the_scripts_are_executable_posix_sh(self):
        for script in ("deploy.sh", "set-credentials.sh"):
            path = self.bundle / script
            self.assertTrue(os.access(path, os.X_OK), script)
            self.assertTrue(path.read_text().startswith("#!/bin/sh\n"), script)
            if Path("/bin/dash").exists():
                proc = subprocess.run(["/bin/dash", "-n", str(path)], capture_output=True, text=True, check=False)
                self.assertEqual(proc.returncode, 0, proc.stderr)

    # --- deploy.sh -------------------------------------------------------------------------------
    def test_dry_run_calls_no_aws_and_prints_every_command(self):
        code, out, calls, _ = self.deploy("dry", {"DRY_RUN": "1", "MP_PUBLIC_KEY": PUBLIC_KEY})
        self.assertEqual(code, 0, out)
        self.assertEqual(calls, [], "the dry run ran aws")
        self.assertIn("Dry run done", out)
        for command in (
            "sts get-caller-identity",
            "s3api create-bucket --bucket 'mp-checkout-artifacts-<Account>-us-east-1'",
            "cloudformation package --template-file",
            "cloudformation deploy --template-file",
            "--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND",
            f"--parameter-overrides MercadoPagoPublicKey={PUBLIC_KEY}",
            "--parameter-overrides 'PublicUrl=<SiteUrl>'",
            "s3 rm 's3://<SiteBucketName>/<Key>'",
            "cloudfront create-invalidation --distribution-id '<DistributionId>' --paths '/*'",
        ):
            self.assertIn(command, out)
        self.assertNoSecret(out)

    def test_dry_run_uploads_each_file_with_publish_site_headers(self):
        code, out, _, _ = self.deploy("dry", {"DRY_RUN": "1", "MP_PUBLIC_KEY": PUBLIC_KEY})
        self.assertEqual(code, 0, out)
        for key, _path, content_type, cache_control in publish_site.plan(publish_site.SITE, "config.json"):
            line = next((x for x in out.splitlines() if f"/{key}' --content-type" in x), None)
            self.assertIsNotNone(line, f"{key} is not uploaded")
            self.assertIn(f"--content-type {content_type}" if " " not in content_type else f"'{content_type}'", line)
            self.assertIn(f"--cache-control '{cache_control}'", line)

    def test_deploy_script_knows_every_type_publish_site_knows(self):
        script = (self.bundle / "deploy.sh").read_text()
        for ext, (content_type, cache_control) in publish_site.TYPES.items():
            variable = "$REVALIDATE" if cache_control == publish_site.REVALIDATE else "$STATIC"
            quoted = re.escape('"' + content_type + '"')
            pattern = rf"\*{re.escape(ext)}\b[^)]*\) type={quoted} cache={re.escape(variable)}"
            self.assertRegex(script, pattern, f"deploy.sh gives {ext} other headers than infra/publish_site.py")

    def test_config_json_is_publish_sites(self):
        code, out, _, _ = self.deploy("dry", {"DRY_RUN": "1", "MP_PUBLIC_KEY": PUBLIC_KEY})
        self.assertEqual(code, 0, out)
        lines = out.splitlines()
        start = lines.index("   {")
        shown = json.loads("\n".join(lines[start : lines.index("   }", start) + 1]))
        self.assertEqual(shown, publish_site.config_json(PUBLIC_KEY))

    def test_a_first_deploy_without_a_public_key_stops_before_anything(self):
        code, out, calls, _ = self.deploy("real")
        self.assertNotEqual(code, 0)
        self.assertIn("MP_PUBLIC_KEY is not set", out)
        self.assertEqual(
            [c[2:4] for c in calls], [["sts", "get-caller-identity"], ["cloudformation", "describe-stacks"]]
        )

    def test_a_deploy_runs_the_commands_in_order(self):
        code, out, calls, state = self.deploy("real", {"MP_PUBLIC_KEY": PUBLIC_KEY})
        self.assertEqual(code, 0, out)
        verbs = [" ".join(c[2:4]) for c in calls]
        first = verbs.index
        self.assertLess(first("sts get-caller-identity"), first("s3api create-bucket"))
        self.assertLess(first("s3api create-bucket"), first("cloudformation package"))
        self.assertLess(first("cloudformation package"), first("cloudformation deploy"))
        self.assertEqual(state["deploys"], 2, "a second deploy sets PublicUrl")
        deploys = [c for c in calls if c[2:4] == ["cloudformation", "deploy"]]
        self.assertIn(f"MercadoPagoPublicKey={PUBLIC_KEY}", deploys[0])
        self.assertIn("PublicUrl=https://d111.cloudfront.net", deploys[1])
        for d in deploys:
            self.assertEqual(d[d.index("--s3-bucket") + 1], "mp-checkout-artifacts-123456789012-us-east-1")
        uploads = {c[5].removeprefix("s3://site-bucket/") for c in calls if c[2:4] == ["s3", "cp"]}
        self.assertEqual(uploads, {key for key, *_ in publish_site.plan(publish_site.SITE, "config.json")})
        removed = [c[4] for c in calls if c[2:4] == ["s3", "rm"]]
        self.assertEqual(removed, ["s3://site-bucket/old.html"], "only the object no longer in site/ is deleted")
        self.assertEqual(verbs[-1], "cloudfront create-invalidation")
        self.assertIn("https://d111.cloudfront.net/api/notifications", out)
        self.assertNoSecret(out, json.dumps(calls))

    def test_set_credentials_stores_json_through_a_file(self):
        stub_dir = Path(tempfile.mkdtemp(dir=self.tmp))
        log = stub_dir / "calls.jsonl"
        Path(f"{log}.state").write_text(json.dumps({"deploys": 2}))
        aws = stub_dir / "aws"
        aws.write_text(f"#!{sys.executable}\n{STUB}")
        aws.chmod(0o755)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MP_"))}
        env.update(SECRETS)
        env.update({"PATH": f"{stub_dir}:{env['PATH']}", "STUB_LOG": str(log)})
        proc = subprocess.run(
            [str(self.bundle / "set-credentials.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        state = json.loads(Path(f"{log}.state").read_text())
        self.assertEqual(
            state["secret"],
            {"access_token": SECRETS["MP_ACCESS_TOKEN"], "webhook_secret": SECRETS["MP_WEBHOOK_SECRET"]},
        )
        self.assertNoSecret(proc.stdout + proc.stderr, log.read_text())


class Wiring(unittest.TestCase):
    def test_make_release_and_lint_cover_the_scripts(self):
        makefile = (ROOT / "Makefile").read_text()
        self.assertRegex(makefile, r"\nrelease: ## .+\n\t@scripts/release\.sh\n")
        lint = (ROOT / "scripts" / "lint.sh").read_text()
        self.assertIn("scripts/*.sh", lint, "shellcheck covers scripts/release.sh")
        self.assertIn("/dist/", (ROOT / ".gitignore").read_text().splitlines())

    @unittest.skipUnless(shutil.which("shellcheck"), "shellcheck is not installed (scripts/bootstrap.sh shellcheck)")
    def test_the_bundle_scripts_pass_shellcheck_as_posix_sh(self):
        scripts = sorted(str(p) for p in (ROOT / "infra" / "release").glob("*.sh"))
        proc = subprocess.run(["shellcheck", "--shell=sh", *scripts], capture_output=True, text=True, check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()
