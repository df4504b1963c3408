#!/usr/bin/env bash
# make release: a self-contained bundle a merchant deploys with the AWS CLI alone (no Rust, no SAM):
#   dist/mp-checkout-<version>.tar.gz and dist/SHA256SUMS, holding mp-checkout-<version>/ with
#     deploy.sh, set-credentials.sh, README.md   (infra/release/: POSIX sh + AWS CLI)
#     template.yaml            infra/template.yaml, each function's CodeUri set to its zip
#     functions/<function>.zip one executable `bootstrap` each: the arm64 binary `make build` builds
#                              and `sam build` packages (infra/build.sh --bootstrap LOGICAL_ID)
#     site/                    site/ with catalog.json (links followed), no config.json
#     VERSION
# Reproducible: every file of the zips and of the archive has the same time (SOURCE_DATE_EPOCH,
# by default the commit's), owner, mode and order, and gzip stores no name or time, so the same
# commit and binaries give the same bytes.
#
# Usage: scripts/release.sh
# Settings, from the environment:
#   RELEASE_VERSION     the version (default: the exact git tag without its v, otherwise
#                       <functions' Cargo version>-g<commit>[-dirty])
#   RELEASE_BOOTSTRAPS  a directory of already-built bootstraps, <function>/bootstrap (the layout
#                       of cargo lambda's target/lambda): nothing is compiled, neither the
#                       functions nor the catalog check (the tests use it). Without it: the
#                       release arm64 build (infra/build.sh) and catalog-check on catalog.json.
#   RELEASE_DIST        output directory (default dist/)
#   SOURCE_DATE_EPOCH   the time stamped on every file (default: the commit's time)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

case "${1:-}" in
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) fail "unknown argument $1 (see scripts/release.sh --help)" ;;
esac

PYTHON="$ROOT/.venv/bin/python"
[ -x "$PYTHON" ] || PYTHON=python3
DIST=${RELEASE_DIST:-$ROOT/dist}
# Read-only git: --no-optional-locks never rewrites the index.
git_() { git --no-optional-locks -C "$ROOT" "$@"; }

resources=$(template_functions --resources)
mapfile -t FUNCTIONS < <(cut -d' ' -f2 <<<"$resources")

if [ -z "${RELEASE_VERSION:-}" ]; then
  if tag=$(git_ describe --tags --exact-match 2>/dev/null); then
    RELEASE_VERSION=${tag#v}
  else
    cargo_version=$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["package"]["version"])' \
      "functions/${FUNCTIONS[0]}/Cargo.toml")
    RELEASE_VERSION="$cargo_version-g$(git_ rev-parse --short HEAD)"
    git_ diff --quiet HEAD -- 2>/dev/null || RELEASE_VERSION+=-dirty
  fi
fi
[[ "$RELEASE_VERSION" =~ ^[0-9A-Za-z][0-9A-Za-z._+-]*$ ]] || fail "invalid RELEASE_VERSION '$RELEASE_VERSION'"
: "${SOURCE_DATE_EPOCH:=$(git_ log -1 --format=%ct 2>/dev/null || echo 315532800)}"
export SOURCE_DATE_EPOCH

if [ -n "${RELEASE_BOOTSTRAPS:-}" ]; then
  BOOTSTRAPS=$(cd "$RELEASE_BOOTSTRAPS" && pwd)
  step "Release $RELEASE_VERSION from the bootstraps in $BOOTSTRAPS (nothing compiled)"
else
  step "Check catalog.json with the functions' rules (catalog-check)"
  cargo run --quiet --locked -p domain --bin catalog-check -- catalog.json ||
    fail "catalog.json is not valid (above): fix it and run make release again"
  step "Release arm64 binaries ($("$ROOT/infra/build.sh" --print))"
  "$ROOT/infra/build.sh"
  BOOTSTRAPS=$("$ROOT/infra/build.sh" --dir)
fi

step "Bundle mp-checkout-$RELEASE_VERSION (${FUNCTIONS[*]})"
mkdir -p "$DIST"
"$PYTHON" - "$DIST" "$RELEASE_VERSION" "$BOOTSTRAPS" <<'PY'
import gzip, hashlib, io, os, re, struct, sys, tarfile, time, zipfile

sys.path.insert(0, os.path.join(os.environ["ROOT"], "scripts"))
import csp
import functions as fns

dist, version, bootstraps = sys.argv[1:4]
root = os.environ["ROOT"]
epoch = int(os.environ["SOURCE_DATE_EPOCH"])
name = f"mp-checkout-{version}"
template_path = os.path.join(root, "infra", "template.yaml")
found = fns.functions(template_path)
files = {}  # path in the bundle -> (bytes, executable)


def die(message):
    sys.exit(f"release: {message}")


# The functions: each zip holds one executable bootstrap, an arm64 ELF, with a fixed time.
stamp = max(epoch, 315532800)  # zip times start in 1980
for f in found:
    path = os.path.join(bootstraps, f.name, "bootstrap")
    try:
        with open(path, "rb") as fh:
            binary = fh.read()
    except OSError as e:
        die(f"no bootstrap for {f.name}: {e}")
    if binary[:5] != b"\x7fELF\x02" or struct.unpack_from("<H", binary, 18)[0] != 183:
        die(f"{path} is not a 64-bit ARM (aarch64) ELF executable")
    info = zipfile.ZipInfo("bootstrap", date_time=time.gmtime(stamp)[:6])
    info.create_system = 3  # Unix, so Lambda sees the mode below
    info.external_attr = 0o100755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(info, binary, compresslevel=9)
    files[f"functions/{f.name}.zip"] = (buf.getvalue(), False)

# The template: CodeUri build/ (sam build's makefile method) becomes the function's zip, which
# `aws cloudformation package` uploads. Line by line, so the comments stay.
zips = {f.logical_id: f"functions/{f.name}.zip" for f in found}
out, resource, done = [], None, set()
for line in open(template_path, encoding="utf-8").read().splitlines(keepends=True):
    m = re.match(r"^  ([A-Za-z0-9]+):\s*$", line)
    if m:
        resource = m.group(1)
    m = re.match(r"^(\s+CodeUri:)\s*build/?\s*$", line)
    if m and resource in zips:
        line = f"{m.group(1)} {zips[resource]}\n"
        done.add(resource)
    out.append(line)
if done != set(zips):
    die(f"infra/template.yaml: no `CodeUri: build/` in {sorted(set(zips) - done)}")
text = "".join(out).replace(
    "\n# How this template is built",
    "\n# Release bundle (make release): each function's CodeUri is its zip; deploy.sh runs\n"
    "# `aws cloudformation package` (uploads them) and `aws cloudformation deploy`.\n# How this template is built",
    1,
)
files["template.yaml"] = (text.encode(), False)
staged = os.path.join(dist, f".{name}.template.yaml")
with open(staged, "w", encoding="utf-8") as fh:
    fh.write(text)
try:
    parsed = csp.load_template(staged)
    for f in fns.functions(staged):
        uri = parsed["Resources"][f.logical_id]["Properties"].get("CodeUri")
        if uri != zips[f.logical_id]:
            die(f"the bundle's template gives {f.logical_id} CodeUri {uri!r}")
finally:
    os.unlink(staged)

# The page: site/ as infra/publish_site.py publishes it (links followed, no hidden files, no
# local config.json: deploy.sh writes it).
sys.path.insert(0, os.path.join(root, "infra"))
import publish_site

for key, path, _type, _cache in publish_site.plan(publish_site.SITE):
    with open(path, "rb") as fh:
        files[f"site/{key}"] = (fh.read(), False)

release = os.path.join(root, "infra", "release")
for script in ("deploy.sh", "set-credentials.sh"):
    with open(os.path.join(release, script), "rb") as fh:
        files[script] = (fh.read(), True)
with open(os.path.join(release, "README.md"), "rb") as fh:
    files["README.md"] = (fh.read(), False)
files["VERSION"] = (f"{version}\n".encode(), False)

# The archive: sorted, one owner, one time, fixed modes; gzip without a name or time.
tar_path = os.path.join(dist, f"{name}.tar.gz")
dirs = sorted({"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)})


def entry(path, kind, size=0, executable=False):
    info = tarfile.TarInfo(f"{name}/{path}" if path else name)
    info.type, info.size, info.mtime = kind, size, epoch
    info.mode = 0o755 if kind == tarfile.DIRTYPE or executable else 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


with open(tar_path, "wb") as raw:
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            tar.addfile(entry("", tarfile.DIRTYPE))
            for path in sorted(set(files) | set(dirs)):
                if path in dirs:
                    tar.addfile(entry(path, tarfile.DIRTYPE))
                else:
                    data, executable = files[path]
                    tar.addfile(entry(path, tarfile.REGTYPE, len(data), executable), io.BytesIO(data))

def shown(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


# SHA256SUMS: every bundle in the output directory (sha256sum -c SHA256SUMS checks them).
sums = []
for archive in sorted(os.listdir(dist)):
    if archive.startswith("mp-checkout-") and archive.endswith(".tar.gz"):
        with open(os.path.join(dist, archive), "rb") as fh:
            sums.append(f"{hashlib.sha256(fh.read()).hexdigest()}  {archive}\n")
with open(os.path.join(dist, "SHA256SUMS"), "w", encoding="utf-8") as fh:
    fh.writelines(sums)
print(f"  {shown(tar_path)}  ({os.path.getsize(tar_path) / 1e6:.1f} MB, {len(files)} files)")
for path in sorted(p for p in files if p.startswith("functions/")):
    print(f"    {path}  ({len(files[path][0]) / 1e6:.1f} MB)")
print(f"  {shown(os.path.join(dist, 'SHA256SUMS'))}")
PY
ok "Release $RELEASE_VERSION: deploy it with the AWS CLI alone: tar xzf mp-checkout-$RELEASE_VERSION.tar.gz &&
  cd mp-checkout-$RELEASE_VERSION && MP_PUBLIC_KEY=TEST-... ./deploy.sh   (DRY_RUN=1 prints the commands)"
