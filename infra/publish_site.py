#!/usr/bin/env python3
"""The page's files as make deploy publishes them (scripts/deploy.sh).

    infra/publish_site.py config --public-key KEY --out PATH   write config.json (from catalog.json)
    infra/publish_site.py plan   [--config PATH]               list what would be uploaded, with headers
    infra/publish_site.py upload --bucket B --region R --config PATH
                                                       upload site/ + config.json, delete the rest
    infra/publish_site.py catalog --bucket B --region R [--file PATH] [--endpoint-url URL] [--dry-run]
                                                       replace catalog.json only (make catalog)

Every object gets an explicit Content-Type (text types with charset=utf-8) and Cache-Control:
HTML, JavaScript, CSS and JSON are cached at the edge until the next deploy (which invalidates
CloudFront) and revalidated by browsers on every load, so a new deploy is seen at once; images
and fonts are cached by browsers for a day. Symbolic links are followed (site/catalog.json points
at the repository's catalog.json). Hidden files and a local site/config.json are never uploaded:
config.json is the generated one.

`catalog` is `make catalog` (scripts/catalog.sh), which first checks the file with the functions'
own rules (the Rust `catalog-check`): it prints the price changes against the published object,
refuses a change of site_id, currency_id or default_locale (config.json and the Mercado Pago
account follow them: that takes make deploy), and puts the object alone. The functions read that
object (CATALOG_BUCKET) and use it within CATALOG_TTL_SECS; the script invalidates CloudFront.

`config` and `plan` need nothing but the standard library; `upload` and `catalog` use boto3 (in
.venv-infra, or .venv against the local moto server).
"""

import argparse
import json
import mimetypes
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE = os.path.join(ROOT, "site")
CATALOG = os.path.join(ROOT, "catalog.json")
SDK_URL = "https://sdk.mercadopago.com/js/v2"
# Mercado Pago's Device ID script: its MP_DEVICE_SESSION_ID goes with each payment as
# X-meli-session-id (https://www.mercadopago.com.br/developers/en/docs/checkout-api/how-tos/improve-payment-approval).
DEVICE_SCRIPT_URL = "https://www.mercadopago.com/v2/security.js"

REVALIDATE = "public, max-age=0, s-maxage=31536000, must-revalidate"
STATIC = "public, max-age=86400, s-maxage=31536000"

TYPES = {
    ".html": ("text/html; charset=utf-8", REVALIDATE),
    ".js": ("text/javascript; charset=utf-8", REVALIDATE),
    ".mjs": ("text/javascript; charset=utf-8", REVALIDATE),
    ".css": ("text/css; charset=utf-8", REVALIDATE),
    ".json": ("application/json; charset=utf-8", REVALIDATE),
    ".webmanifest": ("application/manifest+json; charset=utf-8", REVALIDATE),
    ".txt": ("text/plain; charset=utf-8", REVALIDATE),
    ".svg": ("image/svg+xml", STATIC),
    ".png": ("image/png", STATIC),
    ".jpg": ("image/jpeg", STATIC),
    ".jpeg": ("image/jpeg", STATIC),
    ".gif": ("image/gif", STATIC),
    ".webp": ("image/webp", STATIC),
    ".avif": ("image/avif", STATIC),
    ".ico": ("image/x-icon", STATIC),
    ".woff2": ("font/woff2", STATIC),
    ".woff": ("font/woff", STATIC),
}

PUBLIC_KEY = re.compile(r"^(TEST|APP_USR)-[0-9A-Za-z-]+$")


class SiteError(Exception):
    pass


def headers_for(name):
    """(Content-Type, Cache-Control) of a file name."""
    ext = os.path.splitext(name)[1].lower()
    if ext in TYPES:
        return TYPES[ext]
    guessed, _ = mimetypes.guess_type(name)
    if guessed:
        return guessed, STATIC
    raise SiteError(f"{name}: unknown file type; add its extension to TYPES in infra/publish_site.py")


def config_json(public_key, catalog_path=CATALOG):
    """The page's config.json for the deployed stack (same keys as the local stack's)."""
    if not PUBLIC_KEY.match(public_key or ""):
        raise SiteError("the public key must look like TEST-... or APP_USR-...")
    with open(catalog_path, encoding="utf-8") as f:
        catalog = json.load(f)
    missing = [k for k in ("site_id", "currency_id", "default_locale") if not catalog.get(k)]
    if missing:
        raise SiteError(f"{catalog_path} lacks {', '.join(missing)}")
    return {
        "public_key": public_key,
        "sdk_url": SDK_URL,
        "device_script_url": DEVICE_SCRIPT_URL,
        "api_base": "/api",
        "site_id": catalog["site_id"],
        "currency_id": catalog["currency_id"],
        "locale": catalog["default_locale"],
    }


def plan(site_dir=SITE, config_path=None):
    """[(key, local path, content type, cache control)] sorted by key."""
    items = []
    for directory, dirs, files in os.walk(site_dir, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(directory, name)
            key = os.path.relpath(path, site_dir).replace(os.sep, "/")
            if key == "config.json":
                continue  # the generated one below replaces any local copy
            if not os.path.isfile(path):
                raise SiteError(f"{path}: broken link or not a file")
            items.append((key, path, *headers_for(name)))
    if config_path:
        items.append(("config.json", config_path, *headers_for("config.json")))
    if not any(key == "index.html" for key, *_ in items):
        raise SiteError(f"{site_dir} has no index.html")
    return sorted(items)


# What config.json copies from the catalog: make catalog cannot change them (make deploy can).
DEPLOY_SETTINGS = ("site_id", "currency_id", "default_locale")


def catalog_changes(published, new):
    """Lines describing what `new` changes against `published` (None: nothing published yet).

    Raises SiteError when a setting config.json copies would change."""
    if published is None:
        return ["no catalog.json published yet: publishing it"]
    for key in DEPLOY_SETTINGS:
        if published.get(key) != new.get(key):
            raise SiteError(
                f"catalog.json changes {key} ({published.get(key)!r} -> {new.get(key)!r}), which the page's "
                "config.json and your Mercado Pago account follow: publish it with make deploy "
                "(locally: restart make dev)"
            )
    before = {p["sku"]: p for p in published.get("products", [])}
    after = {p["sku"]: p for p in new.get("products", [])}
    currency = new.get("currency_id", "")
    lines = []
    for sku, product in after.items():
        if sku not in before:
            lines.append(f"+ {sku}  {product.get('unit_price')} {currency}  (new)")
        elif str(before[sku].get("unit_price")) != str(product.get("unit_price")):
            lines.append(f"~ {sku}  {before[sku].get('unit_price')} -> {product.get('unit_price')} {currency}")
    lines += [f"- {sku}  (removed)" for sku in before if sku not in after]
    if not lines:
        lines.append("prices unchanged" if published != new else "no change")
    return lines


def publish_catalog(bucket, region, path, endpoint_url=None, dry_run=False, out=sys.stdout):
    """Puts `path` as catalog.json in `bucket` after printing what it changes."""
    import boto3  # only here: plan and config work without it

    with open(path, "rb") as f:
        body = f.read()
    new = json.loads(body)
    s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint_url)
    try:
        published = json.loads(s3.get_object(Bucket=bucket, Key="catalog.json")["Body"].read())
    except s3.exceptions.NoSuchKey:
        published = None
    for line in catalog_changes(published, new):
        print(f"  {line}", file=out)
    content_type, cache_control = headers_for("catalog.json")
    if dry_run:
        print(f"  (dry run: s3://{bucket}/catalog.json not changed)", file=out)
        return
    s3.put_object(Bucket=bucket, Key="catalog.json", Body=body, ContentType=content_type, CacheControl=cache_control)
    print(f"  uploaded s3://{bucket}/catalog.json  ({content_type}; {cache_control})", file=out)


def upload(bucket, region, items, out=sys.stdout):
    """Puts every item, then deletes the bucket's objects that are not in `items`."""
    import boto3  # only here: plan and config work without it

    s3 = boto3.client("s3", region_name=region)
    keep = set()
    for key, path, content_type, cache_control in items:
        with open(path, "rb") as body:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, CacheControl=cache_control)
        keep.add(key)
        print(f"  uploaded {key}  ({content_type}; {cache_control})", file=out)
    stale = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        stale += [o["Key"] for o in page.get("Contents", []) if o["Key"] not in keep]
    for start in range(0, len(stale), 1000):
        batch = stale[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        for key in batch:
            print(f"  deleted  {key}", file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_config = sub.add_parser("config", help="write config.json")
    p_config.add_argument("--public-key", required=True)
    p_config.add_argument("--catalog", default=CATALOG)
    p_config.add_argument("--out", required=True)
    p_catalog = sub.add_parser("catalog", help="replace catalog.json only")
    p_catalog.add_argument("--bucket", required=True)
    p_catalog.add_argument("--region", required=True)
    p_catalog.add_argument("--file", default=CATALOG)
    p_catalog.add_argument("--endpoint-url", help="an S3 stand-in (the local moto server)")
    p_catalog.add_argument("--dry-run", action="store_true", help="print the changes, upload nothing")
    for name in ("plan", "upload"):
        p = sub.add_parser(name)
        p.add_argument("--site", default=SITE)
        p.add_argument("--config", help="the generated config.json to publish as /config.json")
        if name == "upload":
            p.add_argument("--bucket", required=True)
            p.add_argument("--region", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "config":
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            with open(args.out, "w", encoding="utf-8") as f:
                json.dump(config_json(args.public_key, args.catalog), f, indent=2)
                f.write("\n")
            print(f"  wrote {os.path.relpath(args.out)}")
        elif args.command == "catalog":
            publish_catalog(args.bucket, args.region, args.file, args.endpoint_url, args.dry_run)
        elif args.command == "plan":
            for key, path, content_type, cache_control in plan(args.site, args.config):
                print(f"  {key}  <- {os.path.relpath(path)}  ({content_type}; {cache_control})")
        else:
            upload(args.bucket, args.region, plan(args.site, args.config))
    except (SiteError, OSError, ValueError) as e:
        print(f"publish_site.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
