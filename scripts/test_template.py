"""Consistency checks of infra/template.yaml against the code it deploys (run by
scripts/infra-check.sh, so by `make test`):

- the template is the one list of functions (scripts/functions.py reads it for every script, the
  local edge and the bench): each folder under functions/ has its function in the template and
  each function of the template its folder, and the HTTP API routes are exactly the operations of
  docs/openapi.yaml;
- the orders table matches `OrderStore::create_table` (crates/checkout/src/store.rs), which
  creates the local stack's table;
- every environment variable is one the functions document (crates/checkout/src/config.rs);
- the functions read the catalog from the site bucket, the object the page is served, and may
  read that one object only;
- each function's IAM permissions are exactly what its code calls, on this stack's resources only;
- no credential in the template; the bucket, CloudFront and build settings the deploy relies on.
"""

import os
import re
import subprocess
import sys
import tomllib
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from typing import ClassVar

import csp

import functions as template_functions

ROOT = csp.ROOT
STORE_RS = os.path.join(ROOT, "crates", "checkout", "src", "store.rs")
CONFIG_RS = os.path.join(ROOT, "crates", "checkout", "src", "config.rs")
CATALOG_RS = os.path.join(ROOT, "crates", "checkout", "src", "catalog.rs")
BUILD_DIR = os.path.join(ROOT, "infra", "build")
OPENAPI = os.path.join(ROOT, "docs", "openapi.yaml")
TEMPLATE = "infra/template.yaml"

# What every function's code calls: each builds `checkout::services::Services` (crates/checkout:
# secrets.rs, store.rs, events.rs, catalog.rs), which reads the secret, reads and updates orders,
# publishes "order paid" and reads catalog.json from the site bucket.
BASE_ACTIONS = {
    "secretsmanager:GetSecretValue",
    "dynamodb:GetItem",
    "dynamodb:UpdateItem",
    "sns:Publish",
    "s3:GetObject",
}
# What some functions' code calls beyond that (a function not named here gets BASE_ACTIONS only).
EXTRA_ACTIONS = {
    "process_payment": {"dynamodb:PutItem"},  # a new order and its idempotency record, in one transaction
}


def expected_actions(function):
    return BASE_ACTIONS | EXTRA_ACTIONS.get(function, set())


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def rust_fn_body(source, name):
    """The text of `fn name` up to its closing brace at the same indentation."""
    match = re.search(rf"^( *)pub async fn {name}\b.*?^\1\}}", source, re.MULTILINE | re.DOTALL)
    if not match:
        raise AssertionError(f"fn {name} not found")
    return match.group(0)


def store_table_definition():
    """The table `OrderStore::create_table` creates, in CloudFormation's terms."""
    body = rust_fn_body(read(STORE_RS), "create_table")
    attributes = re.findall(
        r'AttributeDefinition::builder\(\)\s*\.attribute_name\("(\w+)"\)\s*\.attribute_type\(ScalarAttributeType::(\w+)\)',
        body,
    )
    keys = re.findall(
        r'KeySchemaElement::builder\(\)\s*\.attribute_name\("(\w+)"\)\s*\.key_type\(KeyType::(\w+)\)', body
    )
    billing = re.findall(r"BillingMode::(\w+)", body)
    ttl = re.findall(r'TimeToLiveSpecification::builder\(\)\s*\.attribute_name\("(\w+)"\)\s*\.enabled\(true\)', body)
    if not (attributes and keys and billing):
        raise AssertionError("could not read the table definition from store.rs create_table: update this test")
    camel_to_upper = lambda s: re.sub(r"(?<!^)(?=[A-Z])", "_", s).upper()
    return {
        "AttributeDefinitions": sorted((name, kind.upper()) for name, kind in attributes),
        "KeySchema": [(name, kind.upper()) for name, kind in keys],
        "BillingMode": camel_to_upper(billing[0]),
        "TimeToLive": ttl[0] if ttl else None,
        "GlobalSecondaryIndexes": "global_secondary_index" in body,
        "LocalSecondaryIndexes": "local_secondary_index" in body,
    }


class TemplateTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.template = csp.load_template()
        cls.resources = cls.template["Resources"]
        cls.globals = cls.template.get("Globals", {}).get("Function", {})
        # Function (its folder under functions/) -> (logical id, resource), as scripts/functions.py reads them.
        cls.listed = template_functions.functions()
        cls.functions = {f.name: (f.logical_id, cls.resources[f.logical_id]) for f in cls.listed}

    def function(self, package):
        return self.functions[package][1]


class OrdersTableTest(TemplateTestCase):
    def test_the_table_is_the_one_the_store_creates(self):
        table = self.resources["OrdersTable"]["Properties"]
        expected = store_table_definition()
        self.assertEqual(
            sorted((a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]),
            expected["AttributeDefinitions"],
        )
        self.assertEqual([(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]], expected["KeySchema"])
        self.assertEqual(table["BillingMode"], expected["BillingMode"])
        ttl = table.get("TimeToLiveSpecification", {})
        self.assertEqual(ttl.get("AttributeName") if ttl.get("Enabled") else None, expected["TimeToLive"])
        self.assertEqual("GlobalSecondaryIndexes" in table, expected["GlobalSecondaryIndexes"])
        self.assertEqual("LocalSecondaryIndexes" in table, expected["LocalSecondaryIndexes"])

    def test_the_store_definition_is_read(self):
        expected = store_table_definition()
        self.assertEqual(expected["KeySchema"], [("pk", "HASH")])
        self.assertEqual(expected["BillingMode"], "PAY_PER_REQUEST")

    def test_orders_are_on_demand_recoverable_and_kept(self):
        table = self.resources["OrdersTable"]
        self.assertTrue(table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
        self.assertEqual(table["DeletionPolicy"], "Retain")
        self.assertEqual(table["UpdateReplacePolicy"], "Retain")
        self.assertNotIn("TableName", table["Properties"])  # a redeploy after make destroy gets a new one


class OneListOfFunctionsTest(TemplateTestCase):
    """infra/template.yaml is the one list of functions: the folders, the routes and the API document agree with it."""

    def test_every_function_folder_is_deployed_by_the_template(self):
        folders = set(template_functions.function_folders())
        deployed = {f.name: f.logical_id for f in self.listed}
        problems = [
            f"{TEMPLATE} has no function for functions/{name}: add an AWS::Serverless::Function with "
            f"`Metadata: BuildProperties: Binary: {name}` and its HttpApi events (copy an existing one: "
            "function, role, log group, alarm)"
            for name in sorted(folders - set(deployed))
        ] + [
            f"{TEMPLATE} deploys {deployed[name]} (Binary: {name}), but there is no functions/{name} "
            "with a Cargo.toml: fix its Binary or remove it from the template"
            for name in sorted(set(deployed) - folders)
        ]
        if problems:
            self.fail("\n".join(problems))

    def test_each_folder_is_the_package_and_binary_of_its_name(self):
        # cargo lambda build -p NAME, cargo build --bin NAME and <target>/lambda/NAME/bootstrap rely on it.
        for name in template_functions.function_folders():
            with open(os.path.join(template_functions.FUNCTIONS_DIR, name, "Cargo.toml"), "rb") as f:
                manifest = tomllib.load(f)
            self.assertEqual(manifest["package"]["name"], name, f"functions/{name}/Cargo.toml: package name")
            for binary in manifest.get("bin", []):
                self.assertEqual(binary.get("name"), name, f"functions/{name}/Cargo.toml: [[bin]] name")

    def test_the_routes_are_the_operations_of_the_api_document(self):
        document = csp.load_template(OPENAPI)
        methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
        documented = {
            (method.upper(), path) for path, item in document["paths"].items() for method in item if method in methods
        }
        routed = {(r.method, r.path) for f in self.listed for r in f.routes}
        problems = [
            f"{TEMPLATE} routes {method} {path}, which docs/openapi.yaml does not document: add the operation"
            for method, path in sorted(routed - documented)
        ] + [
            f"docs/openapi.yaml documents {method} {path}, which no function of {TEMPLATE} routes: "
            "add the HttpApi event"
            for method, path in sorted(documented - routed)
        ]
        if problems:
            self.fail("\n".join(problems))

    def test_the_build_makefile_builds_every_function(self):
        # What sam build runs: `make build-<LogicalId>` must have a rule for every function (a dry
        # run prints the commands, and resolves nothing).
        for name, (logical_id, _) in self.functions.items():
            run = subprocess.run(
                [
                    "make",
                    "--no-print-directory",
                    "-n",
                    "-C",
                    BUILD_DIR,
                    f"build-{logical_id}",
                    "ARTIFACTS_DIR=/nonexistent",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            self.assertEqual(run.returncode, 0, f"infra/build/Makefile cannot build {logical_id}: {run.stderr}")
            self.assertIn(f"--bootstrap {logical_id}", run.stdout, name)


class FunctionsTest(TemplateTestCase):
    def test_arm64_functions_built_by_the_makefile(self):
        self.assertEqual(self.globals["Runtime"], "provided.al2023")
        self.assertEqual(self.globals["Architectures"], ["arm64"])
        self.assertEqual(self.globals["Handler"], "bootstrap")
        for name, resource in self.functions.values():
            self.assertEqual(resource["Metadata"]["BuildMethod"], "makefile", name)
            self.assertEqual(resource["Properties"]["CodeUri"], "build/", name)
            self.assertNotIn("Runtime", resource["Properties"], name)
            self.assertNotIn("Architectures", resource["Properties"], name)

    def test_timeouts_fit_the_callers_deadlines(self):
        timeout = lambda p: self.function(p)["Properties"]["Timeout"]
        # The HTTP API ends integrations at 30 s; Mercado Pago waits 22 s for a webhook answer.
        self.assertLessEqual(timeout("process_payment"), 30)
        self.assertGreaterEqual(timeout("process_payment"), 28)  # the client's worst case (20 s budget + 8 s attempt)
        self.assertLess(timeout("notifications"), 22)
        self.assertGreaterEqual(timeout("notifications"), 15)  # 10 s budget + 4 s attempt + AWS calls
        self.assertLessEqual(timeout("payment_status"), 30)
        self.assertEqual(
            self.resources["Distribution"]["Properties"]["DistributionConfig"]["Origins"][1]["CustomOriginConfig"][
                "OriginReadTimeout"
            ],
            30,
        )

    def test_logs_are_json_with_retention(self):
        for name, resource in self.functions.values():
            logging = resource["Properties"]["LoggingConfig"]
            self.assertEqual(logging["LogFormat"], "JSON", name)
            group = self.resources[logging["LogGroup"]["Ref"]]
            self.assertEqual(group["Properties"]["RetentionInDays"], {"Ref": "LogRetentionDays"})
        self.assertEqual(self.globals["Tracing"], "Active")

    def test_environment_variables_are_documented_by_the_functions(self):
        documented = set(re.findall(r"^//! \| `([A-Z0-9_]+)` \|", read(CONFIG_RS), re.MULTILINE))
        self.assertIn("MP_SECRET_ARN", documented)
        used = set(self.globals["Environment"]["Variables"])
        for _, resource in self.functions.values():
            used |= set(resource["Properties"].get("Environment", {}).get("Variables", {}))
        self.assertEqual(used - documented, set())
        self.assertLessEqual(
            {"MP_SECRET_ARN", "ORDERS_TABLE", "ORDER_EVENTS_TOPIC_ARN"}, set(self.globals["Environment"]["Variables"])
        )

    def test_notification_url_is_optional_and_points_at_the_webhook(self):
        value = self.function("process_payment")["Properties"]["Environment"]["Variables"]["NOTIFICATION_URL"]
        self.assertEqual(value["Fn::If"][0], "HasPublicUrl")
        self.assertEqual(value["Fn::If"][1], {"Fn::Sub": "${PublicUrl}/api/notifications?source_news=webhooks"})
        self.assertEqual(value["Fn::If"][2], {"Ref": "AWS::NoValue"})

    def test_the_functions_read_the_catalog_the_page_is_served(self):
        # The page reads /catalog.json from the site bucket (CloudFront's default origin); the
        # functions read the same object: CATALOG_BUCKET is that bucket, the key is CATALOG_KEY.
        self.assertEqual(self.globals["Environment"]["Variables"]["CATALOG_BUCKET"], {"Ref": "SiteBucket"})
        for _, resource in self.functions.values():
            self.assertNotIn("CATALOG_BUCKET", resource["Properties"].get("Environment", {}).get("Variables", {}))
        key = re.search(r'^pub const CATALOG_KEY: &str = "([^"]+)";', read(CATALOG_RS), re.MULTILINE)
        self.assertIsNotNone(key, "CATALOG_KEY not found in crates/checkout/src/catalog.rs")
        self.assertEqual(key.group(1), "catalog.json")
        self.assertTrue(os.path.isfile(os.path.join(ROOT, "site", key.group(1))), "site/catalog.json is published")
        origins = self.resources["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
        site = next(o for o in origins if o["Id"] == "site")
        self.assertEqual(site["DomainName"], {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]})

    def test_no_credential_in_the_template(self):
        secret = self.resources["MercadoPagoSecret"]["Properties"]["SecretString"]
        self.assertEqual(secret.replace(" ", ""), '{"access_token":"","webhook_secret":""}')
        text = read(os.path.join(ROOT, "infra", "template.yaml"))
        self.assertIsNone(re.search(r"(APP_USR|TEST)-[0-9a-f]{6,}", text), "a Mercado Pago credential in the template")
        for _, resource in self.functions.values():
            for name in resource["Properties"].get("Environment", {}).get("Variables", {}):
                self.assertNotRegex(name, "TOKEN|PASSWORD|WEBHOOK_SECRET", "a credential in the environment")


class LeastPrivilegeTest(TemplateTestCase):
    ALLOWED_RESOURCES: ClassVar[dict] = {
        "secretsmanager": {"Ref": "MercadoPagoSecret"},
        "dynamodb": {"Fn::GetAtt": ["OrdersTable", "Arn"]},
        "sns": {"Ref": "OrderEventsTopic"},
        "s3": {"Fn::Sub": "${SiteBucket.Arn}/catalog.json"},  # the catalog, not the rest of the site
        "xray": "*",  # X-Ray has no resource-level permissions
    }
    # Every function also writes its own logs and traces.
    COMMON_ACTIONS: ClassVar[set] = {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }

    def role(self, package):
        function = self.function(package)["Properties"]
        self.assertNotIn("Policies", function, "permissions belong in the function's own role")
        role = self.resources[function["Role"]["Fn::GetAtt"][0]]
        self.assertEqual(role["Type"], "AWS::IAM::Role")
        return role["Properties"]

    def statements(self, package):
        role = self.role(package)
        self.assertNotIn("ManagedPolicyArns", role, "no managed policies: they grant more than the code needs")
        self.assertEqual(len(role["Policies"]), 1)
        return role["Policies"][0]["PolicyDocument"]["Statement"]

    @staticmethod
    def actions(statement):
        return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]

    def test_only_lambda_assumes_the_roles(self):
        for package in self.functions:
            trust = self.role(package)["AssumeRolePolicyDocument"]["Statement"]
            self.assertEqual(
                trust,
                [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
            )

    def test_each_function_gets_exactly_what_its_code_calls(self):
        self.assertLessEqual(
            set(EXTRA_ACTIONS), set(self.functions), "EXTRA_ACTIONS names a function the template lacks"
        )
        for package in self.functions:
            expected = expected_actions(package)
            actions = set()
            for statement in self.statements(package):
                self.assertEqual(statement["Effect"], "Allow")
                actions |= set(self.actions(statement))
            self.assertEqual(actions, expected | self.COMMON_ACTIONS, package)

    def test_only_this_stack_resources(self):
        for package in self.functions:
            log_group = self.function(package)["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
            for statement in self.statements(package):
                for action in self.actions(statement):
                    self.assertNotIn("*", action)
                    service = action.split(":")[0]
                    expected = (
                        {"Fn::GetAtt": [log_group, "Arn"]} if service == "logs" else self.ALLOWED_RESOURCES[service]
                    )
                    self.assertEqual(statement["Resource"], expected, f"{package}: {action}")

    def test_put_item_only_inside_the_order_transaction(self):
        found = False
        for statement in self.statements("process_payment"):
            if "dynamodb:PutItem" in self.actions(statement):
                found = True
                self.assertEqual(statement["Action"], "dynamodb:PutItem")
                condition = statement["Condition"]["ForAnyValue:StringEquals"]["dynamodb:EnclosingOperation"]
                self.assertEqual(condition, ["TransactWriteItems"])
        self.assertTrue(found)


class RoutesTest(TemplateTestCase):
    def test_every_event_is_a_payload_2_route_of_the_api(self):
        # The local edge (crates/devstack) routes these events, and the functions parse payload 2.0.
        for name, resource in self.functions.values():
            events = resource["Properties"].get("Events", {})
            self.assertTrue(events, f"{name} has no HttpApi event")
            for event in events.values():
                self.assertEqual(event["Type"], "HttpApi", name)
                props = event["Properties"]
                self.assertEqual(props["ApiId"], {"Ref": "HttpApi"})
                self.assertEqual(props["PayloadFormatVersion"], "2.0")

    def test_the_api_is_throttled_and_logged(self):
        api = self.resources["HttpApi"]["Properties"]
        self.assertEqual(api["DefaultRouteSettings"]["ThrottlingRateLimit"], {"Ref": "ApiRateLimit"})
        self.assertEqual(api["DefaultRouteSettings"]["ThrottlingBurstLimit"], {"Ref": "ApiBurstLimit"})
        self.assertNotIn("$context.identity.sourceIp", api["AccessLogSettings"]["Format"])


class EdgeTest(TemplateTestCase):
    def test_the_bucket_is_private_owner_enforced_encrypted_and_tls_only(self):
        bucket = self.resources["SiteBucket"]["Properties"]
        self.assertEqual(bucket["OwnershipControls"]["Rules"], [{"ObjectOwnership": "BucketOwnerEnforced"}])
        self.assertTrue(all(bucket["PublicAccessBlockConfiguration"].values()))
        self.assertEqual(len(bucket["PublicAccessBlockConfiguration"]), 4)
        self.assertIn(
            "ServerSideEncryptionByDefault", bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        )
        statements = self.resources["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        deny = [s for s in statements if s["Effect"] == "Deny"]
        self.assertEqual(deny[0]["Condition"], {"Bool": {"aws:SecureTransport": "false"}})
        allow = [s for s in statements if s["Effect"] == "Allow"]
        self.assertEqual(len(allow), 1)
        self.assertEqual(allow[0]["Principal"], {"Service": "cloudfront.amazonaws.com"})
        self.assertEqual(allow[0]["Action"], "s3:GetObject")
        self.assertIn("AWS:SourceArn", allow[0]["Condition"]["StringEquals"])

    def test_cloudfront_routes_api_uncached_with_the_signature_headers(self):
        config = self.resources["Distribution"]["Properties"]["DistributionConfig"]
        origins = {o["Id"]: o for o in config["Origins"]}
        self.assertEqual(origins["site"]["OriginAccessControlId"], {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]})
        self.assertEqual(config["DefaultCacheBehavior"]["TargetOriginId"], "site")
        self.assertEqual(config["DefaultCacheBehavior"]["ViewerProtocolPolicy"], "redirect-to-https")
        (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
        self.assertEqual(api["TargetOriginId"], "api")
        self.assertEqual(api["CachePolicyId"], "4135ea2d-6df8-44a3-9df3-4b5a84be39ad")  # Managed-CachingDisabled
        self.assertEqual(len(api["AllowedMethods"]), 7)
        policy = self.resources[api["OriginRequestPolicyId"]["Ref"]]["Properties"]["OriginRequestPolicyConfig"]
        self.assertEqual(policy["QueryStringsConfig"], {"QueryStringBehavior": "all"})
        headers = {h.lower() for h in policy["HeadersConfig"]["Headers"]}
        self.assertLessEqual({"x-signature", "x-request-id", "idempotency-key", "content-type"}, headers)
        self.assertNotIn("host", headers)  # the HTTP API must see its own host name

    def test_security_headers_on_page_and_api(self):
        config = self.resources["Distribution"]["Properties"]["DistributionConfig"]
        name, policy = csp.site_response_headers_policy(self.template)
        for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
            self.assertEqual(behavior["ResponseHeadersPolicyId"], {"Ref": name})
        headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
        self.assertGreaterEqual(headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"], 31536000)
        self.assertTrue(headers["ContentTypeOptions"]["Override"])
        self.assertEqual(headers["FrameOptions"]["FrameOption"], "DENY")
        self.assertIn(
            headers["ReferrerPolicy"]["ReferrerPolicy"],
            {"strict-origin-when-cross-origin", "no-referrer", "same-origin"},
        )

    def test_outputs_the_deploy_and_the_merchant_need(self):
        outputs = self.template["Outputs"]
        for key in (
            "SiteUrl",
            "WebhookUrl",
            "MercadoPagoSecretArn",
            "SiteBucketName",
            "DistributionId",
            "MercadoPagoPublicKey",
        ):
            self.assertIn(key, outputs)
        self.assertIn("/api/notifications", str(outputs["WebhookUrl"]["Value"]))


class CheckovSkipsTest(TemplateTestCase):
    def test_every_skipped_check_is_justified(self):
        skips = 0
        for name, resource in self.resources.items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                skips += 1
                self.assertRegex(skip["id"], r"^CKV2?_AWS_\d+$", name)
                self.assertGreater(len(skip.get("comment", "")), 30, f"{name} {skip['id']} needs a real justification")
        self.assertGreater(skips, 0)


if __name__ == "__main__":
    unittest.main()
