"""Unit tests of scripts/csp.py (run by scripts/infra-check.sh, so by `make test`):
.venv-infra/bin/python -m unittest discover -s scripts -p 'test_*.py'
"""

import contextlib
import io
import json
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import csp

SANDBOX = "http://127.0.0.1:8181"
ACS = "http://localhost:8181"  # the sandbox's 3-D Secure stand-in: its own origin, as an issuer's is
# Where violations go: a URL and an endpoint name, not source lists.
REPORTING_DIRECTIVES = {"report-uri", "report-to"}
# The local edge, which sends the page's static headers (Reporting-Endpoints among them).
DEVSTACK_MAIN = os.path.join(csp.ROOT, "crates", "devstack", "src", "main.rs")


def template_with(policy_yaml, behavior_ref="Headers"):
    """A minimal template whose distribution's default behavior uses `behavior_ref`."""
    text = textwrap.dedent(
        """
        Resources:
          Dist:
            Type: AWS::CloudFront::Distribution
            Properties:
              DistributionConfig:
                DefaultCacheBehavior:
                  TargetOriginId: site
                  ResponseHeadersPolicyId: !Ref {ref}
                CacheBehaviors:
                  - PathPattern: /api/*
                    ResponseHeadersPolicyId: !Ref Other
          Other:
            Type: AWS::CloudFront::ResponseHeadersPolicy
            Properties:
              ResponseHeadersPolicyConfig:
                SecurityHeadersConfig:
                  ContentSecurityPolicy:
                    ContentSecurityPolicy: "default-src 'none'"
          Headers:
            Type: AWS::CloudFront::ResponseHeadersPolicy
            Properties:
              ResponseHeadersPolicyConfig:
                SecurityHeadersConfig:
                  ContentSecurityPolicy:
                    Override: true
                    ContentSecurityPolicy: {policy}
        """
    ).format(ref=behavior_ref, policy=policy_yaml)
    return csp.yaml.load(text, Loader=csp._CfnLoader)


class LoaderTest(unittest.TestCase):
    def test_cloudformation_tags_become_plain_data(self):
        data = csp.yaml.load(
            textwrap.dedent(
                """
                a: !Ref Thing
                b: !GetAtt Bucket.Arn
                c: !Sub "${AWS::StackName}-x"
                d: !Join ["; ", [x, y]]
                e: !If [Cond, !Ref A, !Ref AWS::NoValue]
                f: !Not [!Equals [!Ref P, ""]]
                """
            ),
            Loader=csp._CfnLoader,
        )
        self.assertEqual(data["a"], {"Ref": "Thing"})
        self.assertEqual(data["b"], {"Fn::GetAtt": ["Bucket", "Arn"]})
        self.assertEqual(data["c"], {"Fn::Sub": "${AWS::StackName}-x"})
        self.assertEqual(data["d"], {"Fn::Join": ["; ", ["x", "y"]]})
        self.assertEqual(data["e"], {"Fn::If": ["Cond", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]})
        self.assertEqual(data["f"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "P"}, ""]}]})

    def test_the_project_template_loads(self):
        template = csp.load_template()
        self.assertIn("Resources", template)


class ResolveTest(unittest.TestCase):
    def test_literal_join_and_sub(self):
        self.assertEqual(csp.resolve_string("a"), "a")
        self.assertEqual(csp.resolve_string({"Fn::Join": ["; ", ["a b", "c"]]}), "a b; c")
        self.assertEqual(csp.resolve_string({"Fn::Join": [" ", ["a", {"Fn::Sub": "b"}]]}), "a b")
        self.assertEqual(csp.resolve_string({"Fn::Sub": "x ${!Literal}"}), "x ${Literal}")

    def test_variables_and_other_intrinsics_are_refused(self):
        for value in ({"Fn::Sub": "https://${Distribution.DomainName}"}, {"Ref": "Param"}, 3, None):
            with self.subTest(value=value), self.assertRaises(csp.TemplateError):
                csp.resolve_string(value)


class TemplateCspTest(unittest.TestCase):
    def test_the_policy_of_the_default_behavior_is_read(self):
        template = template_with(
            "!Join ['; ', [\"default-src 'self'\", \"frame-src https://secure-fields.mercadopago.com\"]]"
        )
        self.assertEqual(
            csp.template_csp(template), "default-src 'self'; frame-src https://secure-fields.mercadopago.com"
        )

    def test_the_policy_follows_the_reference_not_the_first_policy(self):
        template = template_with("\"default-src 'self'\"", behavior_ref="Other")
        self.assertEqual(csp.template_csp(template), "default-src 'none'")

    def test_missing_pieces_are_errors_that_say_what_is_missing(self):
        template = template_with('"x"', behavior_ref="Nope")
        with self.assertRaisesRegex(csp.TemplateError, "Nope"):
            csp.template_csp(template)
        del template["Resources"]["Dist"]
        with self.assertRaisesRegex(csp.TemplateError, "Distribution"):
            csp.template_csp(template)
        with self.assertRaises(csp.TemplateError):
            csp.template_csp({})


class LocalizeTest(unittest.TestCase):
    POLICY = (
        "default-src 'self'; script-src 'self' https://sdk.mercadopago.com; "
        "connect-src 'self' https://api.mercadopago.com https://secure-fields.mercadopago.com https://example.com; "
        "frame-src https://secure-fields.mercadopago.com; img-src 'self' data: https://http2.mlstatic.com; "
        "frame-ancestors 'none'; upgrade-insecure-requests"
    )

    def test_mercado_pago_hosts_become_the_sandbox_once_and_the_rest_is_kept(self):
        local = dict(csp.parse(csp.localize(self.POLICY, SANDBOX + "/")))
        self.assertEqual(local["default-src"], ["'self'"])
        self.assertEqual(local["script-src"], ["'self'", SANDBOX])
        self.assertEqual(local["connect-src"], ["'self'", SANDBOX, "https://example.com"])
        self.assertEqual(local["frame-src"], [SANDBOX])
        self.assertEqual(local["img-src"], ["'self'", "data:", SANDBOX])
        self.assertEqual(local["frame-ancestors"], ["'none'"])

    def test_the_https_scheme_source_becomes_the_acs_origin_and_nothing_else_does(self):
        policy = (
            "script-src 'self' https://sdk.mercadopago.com https://www.mercadopago.com; "
            "frame-src https://secure-fields.mercadopago.com https:; form-action 'self' https:; "
            "img-src 'self' https://http2.mlstatic.com"
        )
        local = dict(csp.parse(csp.localize(policy, SANDBOX, ACS + "/")))
        self.assertEqual(local["script-src"], ["'self'", SANDBOX])  # security.js: the sandbox serves it
        self.assertEqual(local["frame-src"], [SANDBOX, ACS])
        self.assertEqual(local["form-action"], ["'self'", ACS])
        self.assertEqual(local["img-src"], ["'self'", SANDBOX])
        # Without --acs the scheme source is kept as it is (it allows no plain-http origin).
        self.assertEqual(dict(csp.parse(csp.localize(policy, SANDBOX)))["form-action"], ["'self'", "https:"])

    def test_only_the_bare_https_scheme_is_the_acs(self):
        policy = "frame-src HTTPS: https://example.com http: data:"
        self.assertEqual(
            csp.parse(csp.localize(policy, SANDBOX, ACS)),
            [("frame-src", [ACS, "https://example.com", "http:", "data:"])],
        )

    def test_https_only_directives_are_dropped_locally(self):
        self.assertNotIn("upgrade-insecure-requests", csp.localize(self.POLICY, SANDBOX))

    def test_directive_order_is_kept(self):
        names = [name for name, _ in csp.parse(csp.localize(self.POLICY, SANDBOX))]
        self.assertEqual(names, ["default-src", "script-src", "connect-src", "frame-src", "img-src", "frame-ancestors"])

    def test_which_sources_are_mercado_pago(self):
        yes = [
            "https://sdk.mercadopago.com",
            "sdk.mercadopago.com",
            "https://*.mercadopago.com",
            "https://www.mercadopago.com.br",
            "https://http2.mlstatic.com",
            "https://api.mercadolibre.com",
            "https://www.mercadolivre.com",
            "https://secure-fields.mercadopago.com:443/path",
        ]
        no = [
            "'self'",
            "'none'",
            "data:",
            "https:",
            "*",
            "https://example.com",
            "https://notmercadopago.com",
            "https://mercadopago.com.evil.example",
            "'sha256-abc'",
        ]
        for source in yes:
            self.assertTrue(csp.is_mercado_pago(source), source)
        for source in no:
            self.assertFalse(csp.is_mercado_pago(source), source)


class ShippedPolicyTest(unittest.TestCase):
    """What the deployed page gets (infra/template.yaml)."""

    @classmethod
    def setUpClass(cls):
        cls.policy = csp.template_csp(csp.load_template())
        cls.directives = dict(csp.parse(cls.policy))

    def test_the_policy_fits_cloudfront(self):
        self.assertLessEqual(len(self.policy), 1783)  # ResponseHeadersPolicy ContentSecurityPolicy limit

    def test_no_inline_script_no_eval_and_nothing_else_by_default(self):
        self.assertEqual(self.directives["default-src"], ["'self'"])
        for name in ("script-src", "style-src", "default-src"):
            sources = self.directives.get(name, [])
            for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", "*", "https:", "http:"):
                self.assertNotIn(unsafe, sources, name)
        self.assertEqual(self.directives["object-src"], ["'none'"])
        self.assertEqual(self.directives["base-uri"], ["'self'"])
        self.assertEqual(self.directives["frame-ancestors"], ["'none'"])

    def test_mercadopago_js_and_secure_fields_are_allowed(self):
        self.assertIn("https://sdk.mercadopago.com", self.directives["script-src"])
        self.assertIn("https://api.mercadopago.com", self.directives["connect-src"])
        # Secure Fields are iframes AND fetches to secure-fields.mercadopago.com (pitfall 5).
        self.assertIn("https://secure-fields.mercadopago.com", self.directives["frame-src"])
        self.assertIn("https://secure-fields.mercadopago.com", self.directives["connect-src"])
        self.assertIn("'self'", self.directives["connect-src"])  # config.json, catalog.json, /api/*

    def test_the_device_script_is_allowed(self):
        # www.mercadopago.com/v2/security.js (Device ID), loaded from an external file, no inline code.
        self.assertIn("https://www.mercadopago.com", self.directives["script-src"])

    def test_the_issuer_3ds_page_is_allowed_only_where_it_is_needed(self):
        # The issuer's ACS is framed and the page posts creq to it; its host is only known per
        # payment, so any https origin, in these two directives and no other.
        self.assertIn("https:", self.directives["frame-src"])
        self.assertEqual(self.directives["form-action"], ["'self'", "https:"])
        for name, sources in self.directives.items():
            self.assertNotIn("http:", sources, name)
            if name not in ("frame-src", "form-action"):
                self.assertNotIn("https:", sources, name)

    def test_every_external_source_is_an_https_mercado_pago_host(self):
        for name, sources in self.directives.items():
            if name in REPORTING_DIRECTIVES:
                continue  # a URL and an endpoint name, not sources (test_violations_are_reported_to_the_api)
            for source in sources:
                if csp.source_host(source) is None:
                    continue
                self.assertTrue(source.startswith("https://"), f"{name}: {source}")
                self.assertTrue(csp.is_mercado_pago(source), f"{name}: {source}")

    def test_locally_no_mercado_pago_host_is_left(self):
        local = csp.localize(self.policy, SANDBOX, ACS)
        self.assertNotIn("mercadopago", local)
        self.assertNotIn("mlstatic", local)
        self.assertNotIn("https:", local)
        directives = dict(csp.parse(local))
        self.assertEqual(directives["frame-src"], [SANDBOX, ACS])
        self.assertEqual(directives["form-action"], ["'self'", ACS])

    def test_violations_are_reported_to_the_api(self):
        # Both ways (functions/csp_report): report-uri for every browser, report-to where the
        # Reporting API is supported, its endpoint named by the Reporting-Endpoints header, which
        # the distribution and the local edge both send.
        self.assertEqual(self.directives["report-uri"], ["/api/csp-report"])
        self.assertEqual(self.directives["report-to"], ["csp-endpoint"])
        _, policy = csp.site_response_headers_policy(csp.load_template())
        items = policy["Properties"]["ResponseHeadersPolicyConfig"]["CustomHeadersConfig"]["Items"]
        (endpoints,) = [h for h in items if h["Header"].lower() == "reporting-endpoints"]
        self.assertEqual(endpoints["Value"], 'csp-endpoint="/api/csp-report"')
        self.assertIs(endpoints["Override"], True)
        with open(DEVSTACK_MAIN, encoding="utf-8") as f:
            devstack = f.read()
        self.assertIn('HeaderName::from_static("reporting-endpoints")', devstack)
        self.assertIn(f"HeaderValue::from_static({json.dumps(endpoints['Value'])})", devstack)
        # Locally the policy keeps them as they are.
        local = dict(csp.parse(csp.localize(self.policy, SANDBOX, ACS)))
        self.assertEqual(local["report-uri"], ["/api/csp-report"])
        self.assertEqual(local["report-to"], ["csp-endpoint"])


class CommandLineTest(unittest.TestCase):
    def run_main(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = csp.main(list(args))
        return code, out.getvalue(), err.getvalue()

    def test_prints_the_policy_and_its_local_form(self):
        code, out, _ = self.run_main()
        self.assertEqual(code, 0)
        self.assertIn("frame-ancestors 'none'", out)
        code, out, _ = self.run_main("--local", SANDBOX)
        self.assertEqual(code, 0)
        self.assertIn(f"script-src 'self' {SANDBOX}", out)

    def test_the_acs_origin_goes_with_local(self):
        code, out, _ = self.run_main("--local", SANDBOX, "--acs", ACS)
        self.assertEqual(code, 0)
        self.assertIn(f"form-action 'self' {ACS}", out)
        with contextlib.redirect_stderr(io.StringIO()) as err, self.assertRaises(SystemExit) as exit_:
            csp.main(["--acs", ACS])
        self.assertEqual(exit_.exception.code, 2)
        self.assertIn("--acs needs --local", err.getvalue())

    def test_a_template_without_a_policy_fails_with_a_message(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("Resources: {}\n")
        try:
            code, out, err = self.run_main("--template", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(code, 1)
        self.assertEqual(out, "")
        self.assertIn("Distribution", err)


if __name__ == "__main__":
    unittest.main()
