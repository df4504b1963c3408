"""Unit tests of infra/publish_site.py (run by scripts/infra-check.sh, so by `make test`)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import publish_site as site


class ConfigTest(unittest.TestCase):
    def test_config_comes_from_the_catalog_and_the_public_key(self):
        config = site.config_json("APP_USR-2dfd505a-4b30-4403-878b-f8fb618e58b3")
        with open(site.CATALOG, encoding="utf-8") as f:
            catalog = json.load(f)
        self.assertEqual(
            config,
            {
                "public_key": "APP_USR-2dfd505a-4b30-4403-878b-f8fb618e58b3",
                "sdk_url": "https://sdk.mercadopago.com/js/v2",
                "device_script_url": "https://www.mercadopago.com/v2/security.js",
                "api_base": "/api",
                "site_id": catalog["site_id"],
                "currency_id": catalog["currency_id"],
                "locale": catalog["default_locale"],
            },
        )

    def test_the_same_keys_as_the_local_stack(self):
        # scripts/lib/stack.sh writes the local config.json with these keys.
        with open(os.path.join(site.ROOT, "scripts", "lib", "stack.sh"), encoding="utf-8") as f:
            stack_sh = f.read()
        for key in site.config_json("TEST-abc"):
            self.assertIn(f'"{key}"', stack_sh)

    def test_a_bad_public_key_or_catalog_is_refused(self):
        for key in ("", "APP_USR", "secret", "TEST-abc def", "<MercadoPagoPublicKey>"):
            with self.subTest(key=key), self.assertRaises(site.SiteError):
                site.config_json(key)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"site_id": "MLA"}, f)
        try:
            with self.assertRaisesRegex(site.SiteError, "currency_id"):
                site.config_json("TEST-abc", f.name)
        finally:
            os.unlink(f.name)


class CatalogTest(unittest.TestCase):
    def catalog(self):
        with open(site.CATALOG, encoding="utf-8") as f:
            return json.load(f)

    def test_price_changes_are_listed(self):
        published, new = self.catalog(), self.catalog()
        new["products"][0]["unit_price"] = "19900.00"
        new["products"].append({"sku": "termo", "unit_price": "45000.00"})
        gone = new["products"].pop(1)["sku"]
        lines = site.catalog_changes(published, new)
        sku = published["products"][0]["sku"]
        currency = published["currency_id"]
        self.assertIn(f"~ {sku}  {published['products'][0]['unit_price']} -> 19900.00 {currency}", lines)
        self.assertIn(f"+ termo  45000.00 {currency}  (new)", lines)
        self.assertIn(f"- {gone}  (removed)", lines)
        self.assertEqual(site.catalog_changes(published, self.catalog()), ["no change"])
        self.assertEqual(site.catalog_changes(None, new), ["no catalog.json published yet: publishing it"])

    def test_what_config_json_copies_cannot_change_without_a_deploy(self):
        for key in site.DEPLOY_SETTINGS:
            new = self.catalog()
            new[key] = "XYZ"
            with self.subTest(key=key), self.assertRaisesRegex(site.SiteError, f"changes {key}.*make deploy"):
                site.catalog_changes(self.catalog(), new)
        # config.json is written from exactly these keys.
        config = site.config_json("TEST-abc")
        self.assertEqual(
            {config["site_id"], config["currency_id"], config["locale"]},
            {self.catalog()[k] for k in site.DEPLOY_SETTINGS},
        )

    def test_catalog_json_is_served_as_json_and_revalidated(self):
        self.assertEqual(site.headers_for("catalog.json"), ("application/json; charset=utf-8", site.REVALIDATE))


class PlanTest(unittest.TestCase):
    def make_site(self, root):
        os.makedirs(os.path.join(root, "site", "img"))
        os.makedirs(os.path.join(root, "site", ".cache"))
        for name, text in {
            "site/index.html": "<!doctype html>",
            "site/app.js": "1",
            "site/styles.css": "a{}",
            "site/img/logo.svg": "<svg/>",
            "site/.DS_Store": "x",
            "site/.cache/x.js": "x",
            "site/config.json": '{"stale": true}',
            "catalog.json": "{}",
            "config.json": "{}",
        }.items():
            with open(os.path.join(root, name), "w") as f:
                f.write(text)
        os.symlink("../catalog.json", os.path.join(root, "site", "catalog.json"))
        return os.path.join(root, "site")

    def test_files_links_headers_and_the_generated_config(self):
        with tempfile.TemporaryDirectory() as root:
            site_dir = self.make_site(root)
            items = site.plan(site_dir, os.path.join(root, "config.json"))
        by_key = {key: (path, ctype, cache) for key, path, ctype, cache in items}
        self.assertEqual(
            sorted(by_key), ["app.js", "catalog.json", "config.json", "img/logo.svg", "index.html", "styles.css"]
        )
        self.assertEqual(by_key["index.html"][1], "text/html; charset=utf-8")
        self.assertEqual(by_key["app.js"][1], "text/javascript; charset=utf-8")
        self.assertEqual(by_key["styles.css"][1], "text/css; charset=utf-8")
        self.assertEqual(by_key["catalog.json"][1], "application/json; charset=utf-8")
        self.assertEqual(by_key["img/logo.svg"][1], "image/svg+xml")
        # The generated config.json, not the stale local one.
        self.assertEqual(os.path.basename(by_key["config.json"][0]), "config.json")
        self.assertNotIn(os.path.join("site", "config.json"), by_key["config.json"][0])
        # Pages revalidate at every load (edge cache until the next deploy's invalidation).
        for key in ("index.html", "app.js", "styles.css", "catalog.json", "config.json"):
            self.assertIn("max-age=0", by_key[key][2])
            self.assertIn("s-maxage=", by_key[key][2])
        self.assertIn("max-age=86400", by_key["img/logo.svg"][2])

    def test_the_real_site_is_publishable(self):
        items = site.plan()
        keys = {key for key, *_ in items}
        self.assertIn("index.html", keys)
        self.assertIn("catalog.json", keys)  # a symbolic link, followed
        for key, path, ctype, cache in items:
            self.assertTrue(ctype and cache, key)

    def test_unknown_types_and_missing_index_are_errors(self):
        with tempfile.TemporaryDirectory() as root:
            site_dir = self.make_site(root)
            with open(os.path.join(site_dir, "data.unknownext"), "w") as f:
                f.write("x")
            with self.assertRaisesRegex(site.SiteError, "unknownext"):
                site.plan(site_dir)
            os.unlink(os.path.join(site_dir, "data.unknownext"))
            os.unlink(os.path.join(site_dir, "index.html"))
            with self.assertRaisesRegex(site.SiteError, "index.html"):
                site.plan(site_dir)


if __name__ == "__main__":
    unittest.main()
