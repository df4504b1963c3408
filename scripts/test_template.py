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
- no credential in the template; the bucket, CloudFront and build settings the deploy relies on;
- production-grade deployment: requests reach the functions only through CloudFront (the
  X-Origin-Verify origin header from a generated secret), throttling per route, the optional
  WAF, canary releases with rollback alarms, the alarms, budget and their encrypted topic,
  CloudFront's logs, the orders table's deletion protection and the stack's tags.
"""

import logging
import os
import re
import subprocess
import sys
import tomllib
import unittest
from unittest import mock

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
SAMCONFIG = os.path.join(ROOT, "samconfig.toml")
DEPLOY_SH = os.path.join(ROOT, "scripts", "deploy.sh")

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
# Functions that build no `Services` and call only these (instead of BASE_ACTIONS): csp_report
# builds only the origin check (checkout::origin::OriginVerifier), which reads OriginVerifySecret.
OWN_ACTIONS = {
    "csp_report": {"secretsmanager:GetSecretValue"},
}


def expected_actions(function):
    return OWN_ACTIONS.get(function, BASE_ACTIONS) | EXTRA_ACTIONS.get(function, set())


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

    def variables(self, package):
        """The function's environment: Globals' variables with its own on top (as SAM merges them)."""
        merged = dict(self.globals.get("Environment", {}).get("Variables", {}))
        merged.update(self.function(package)["Properties"].get("Environment", {}).get("Variables", {}))
        return merged

    def of_type(self, kind):
        return {name: r for name, r in self.resources.items() if r["Type"] == kind}


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
        # DynamoDB itself refuses DeleteTable until someone turns this off.
        self.assertIs(table["Properties"]["DeletionProtectionEnabled"], True)
        self.assertNotIn("Condition", table)
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
        self.assertLessEqual(timeout("csp_report"), 30)
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
    # The one resource a statement of each service may name (a list: any one of them).
    ALLOWED_RESOURCES: ClassVar[dict] = {
        # The credentials, and the value CloudFront sends as X-Origin-Verify.
        "secretsmanager": [{"Ref": "MercadoPagoSecret"}, {"Ref": "OriginVerifySecret"}],
        "dynamodb": [{"Fn::GetAtt": ["OrdersTable", "Arn"]}],
        "sns": [{"Ref": "OrderEventsTopic"}],
        "s3": [{"Fn::Sub": "${SiteBucket.Arn}/catalog.json"}],  # the catalog, not the rest of the site
        "xray": ["*"],  # X-Ray has no resource-level permissions
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
        self.assertLessEqual(set(OWN_ACTIONS), set(self.functions), "OWN_ACTIONS names a function the template lacks")
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
                        [{"Fn::GetAtt": [log_group, "Arn"]}] if service == "logs" else self.ALLOWED_RESOURCES[service]
                    )
                    self.assertIn(statement["Resource"], expected, f"{package}: {action}")

    # Functions that read only the origin-verify value (no Mercado Pago credentials).
    ORIGIN_SECRET_ONLY: ClassVar[set] = {"csp_report"}

    def test_each_secret_has_its_own_statement(self):
        # Both secrets are read, each named alone (never a wildcard or a list mixing them); the
        # functions that never call Mercado Pago read only the origin-verify value.
        self.assertLessEqual(self.ORIGIN_SECRET_ONLY, set(self.functions))
        for package in self.functions:
            read = [
                s["Resource"] for s in self.statements(package) if "secretsmanager:GetSecretValue" in self.actions(s)
            ]
            expected = (
                [{"Ref": "OriginVerifySecret"}]
                if package in self.ORIGIN_SECRET_ONLY
                else self.ALLOWED_RESOURCES["secretsmanager"]
            )
            self.assertCountEqual(read, expected, package)

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

    # The routes with their own limits, and the parameters that set them.
    LIMITED_ROUTES: ClassVar[dict] = {
        "POST /api/process_payment": "ProcessPayment",
        "POST /api/notifications": "Notifications",
        "GET /api/payment_status/{order_id}": "PaymentStatus",
        "POST /api/csp-report": "CspReport",
    }

    def test_each_public_route_has_its_own_limits(self):
        settings = self.resources["HttpApi"]["Properties"]["RouteSettings"]
        self.assertEqual(set(settings), set(self.LIMITED_ROUTES))
        # The keys must be routes of the API exactly (API Gateway rejects a stage naming a route
        # that does not exist).
        routed = {f"{r.method} {r.path}" for f in self.listed for r in f.routes}
        self.assertLessEqual(set(settings), routed)
        parameters = self.template["Parameters"]
        for route, prefix in self.LIMITED_ROUTES.items():
            rate, burst = f"{prefix}RateLimit", f"{prefix}BurstLimit"
            self.assertEqual(
                settings[route], {"ThrottlingRateLimit": {"Ref": rate}, "ThrottlingBurstLimit": {"Ref": burst}}
            )
            for name in (rate, burst):
                self.assertEqual(parameters[name]["Type"], "Number", name)
                self.assertGreaterEqual(parameters[name]["MinValue"], 1, name)
            # A burst below the steady rate would cap the rate at the burst.
            self.assertGreaterEqual(parameters[burst]["Default"], parameters[rate]["Default"], route)
        # Each route's own limit is within the default the other routes get.
        for prefix in self.LIMITED_ROUTES.values():
            self.assertLessEqual(
                parameters[f"{prefix}RateLimit"]["Default"], parameters["ApiRateLimit"]["Default"], prefix
            )

    def test_reserved_concurrency_is_optional(self):
        # New accounts (10 concurrent executions in all) cannot reserve any: off by default.
        self.assertEqual(self.template["Parameters"]["FunctionConcurrencyLimit"]["Default"], 0)
        self.assertEqual(
            self.globals["ReservedConcurrentExecutions"],
            {"Fn::If": ["HasConcurrencyLimit", {"Ref": "FunctionConcurrencyLimit"}, {"Ref": "AWS::NoValue"}]},
        )
        self.assertEqual(
            self.template["Conditions"]["HasConcurrencyLimit"],
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "FunctionConcurrencyLimit"}, 0]}]},
        )
        for name, resource in self.functions.values():
            self.assertNotIn("ReservedConcurrentExecutions", resource["Properties"], name)


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


def walk(node):
    """Every value in a parsed template, depth first (dicts, lists and scalars)."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


class OriginVerifyTest(TemplateTestCase):
    """Requests reach the functions only through CloudFront: it sends a generated secret as
    X-Origin-Verify, and the functions (crates/checkout/src/origin.rs) refuse requests without it."""

    def api_origin(self):
        origins = self.resources["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
        (api,) = [o for o in origins if o["Id"] == "api"]
        return api

    def test_the_secret_is_generated_letters_and_digits(self):
        secret = self.resources["OriginVerifySecret"]
        self.assertEqual(secret["Type"], "AWS::SecretsManager::Secret")
        self.assertNotIn("Condition", secret)
        props = secret["Properties"]
        self.assertNotIn("SecretString", props)  # generated by Secrets Manager, never in the template
        generate = props["GenerateSecretString"]
        # No key template: the SecretString is the value itself (what the header carries).
        self.assertNotIn("SecretStringTemplate", generate)
        self.assertNotIn("GenerateStringKey", generate)
        self.assertEqual(generate["PasswordLength"], 48)
        self.assertIs(generate["ExcludePunctuation"], True)  # header-safe: letters and digits

    def test_cloudfront_sends_it_to_the_api_origin(self):
        headers = self.api_origin()["OriginCustomHeaders"]
        self.assertEqual(len(headers), 1)
        self.assertEqual(headers[0]["HeaderName"], "X-Origin-Verify")
        value = headers[0]["HeaderValue"]
        # A CloudFormation dynamic reference to the whole SecretString of that secret, by ARN (Ref).
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            self.assertEqual(separator, "")
            self.assertEqual(parts, ["{{resolve:secretsmanager:", {"Ref": "OriginVerifySecret"}, ":SecretString}}"])
        else:
            self.assertEqual(value, {"Fn::Sub": "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}"})

    def test_the_header_is_nowhere_else(self):
        # Not a viewer header: not forwarded from viewers (CloudFront sets it), not on the site
        # origin, not in any response; the only mention as a value is the api origin's HeaderName.
        exact = [v for v in walk(self.resources) if isinstance(v, str) and v.lower() == "x-origin-verify"]
        self.assertEqual(exact, ["X-Origin-Verify"])
        origins = self.resources["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
        for origin in origins:
            if origin["Id"] != "api":
                self.assertNotIn("OriginCustomHeaders", origin)
        forwarded = self.resources["ApiOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
        self.assertNotIn("x-origin-verify", {h.lower() for h in forwarded["HeadersConfig"]["Headers"]})

    def test_every_function_knows_the_secret_and_may_read_it_only(self):
        for package in self.functions:
            self.assertEqual(
                self.variables(package)["ORIGIN_VERIFY_SECRET_ARN"], {"Ref": "OriginVerifySecret"}, package
            )
            role = self.function(package)["Properties"]["Role"]["Fn::GetAtt"][0]
            statements = self.resources[role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            reading = [s for s in statements if s["Resource"] == {"Ref": "OriginVerifySecret"}]
            self.assertEqual(len(reading), 1, package)
            self.assertEqual(reading[0]["Effect"], "Allow")
            self.assertEqual(reading[0]["Action"], "secretsmanager:GetSecretValue")
        # Nobody else is granted it (no other role, no resource policy).
        grants = [
            name
            for name, r in self.resources.items()
            if r["Type"] in ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::SecretsManager::ResourcePolicy")
            and {"Ref": "OriginVerifySecret"} in list(walk(r))
        ]
        self.assertCountEqual(
            grants, [self.functions[p][1]["Properties"]["Role"]["Fn::GetAtt"][0] for p in self.functions]
        )

    def test_rotation_updates_the_distribution(self):
        # A dynamic reference is resolved only when its resource is created or updated: raising
        # OriginVerifyRotation changes the distribution, so CloudFormation reads the new value.
        self.assertEqual(self.template["Parameters"]["OriginVerifyRotation"]["Default"], 0)
        comment = self.resources["Distribution"]["Properties"]["DistributionConfig"]["Comment"]
        self.assertIn("${OriginVerifyRotation}", comment["Fn::Sub"])


class CustomDomainTest(TemplateTestCase):
    """The merchant's own domain on CloudFront, with its ACM certificate and a modern TLS policy."""

    def test_the_domain_and_certificate_parameters(self):
        params = self.template["Parameters"]
        domain = re.compile(params["DomainName"]["AllowedPattern"])
        for ok in ("", "pagar.example.com", "shop.mi-tienda.com.ar"):
            self.assertTrue(domain.fullmatch(ok), ok)
        for bad in ("https://pagar.example.com", "Pagar.Example.com", "example", "-a.example.com"):
            self.assertFalse(domain.fullmatch(bad), bad)
        certificate = re.compile(params["CertificateArn"]["AllowedPattern"])
        self.assertTrue(certificate.fullmatch("arn:aws:acm:us-east-1:123456789012:certificate/0b5e1c8e-8a3a-4b6a"))
        # CloudFront only takes certificates from us-east-1.
        self.assertFalse(certificate.fullmatch("arn:aws:acm:sa-east-1:123456789012:certificate/0b5e1c8e"))

    def test_one_without_the_other_is_refused_before_anything_is_created(self):
        rule = self.template["Rules"]["CustomDomainNeedsBoth"]["Assertions"][0]["Assert"]
        both_empty, both_set = rule["Fn::Or"]
        self.assertEqual(
            both_empty["Fn::And"],
            [{"Fn::Equals": [{"Ref": "DomainName"}, ""]}, {"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}],
        )
        self.assertEqual(
            both_set["Fn::And"],
            [
                {"Fn::Not": [{"Fn::Equals": [{"Ref": "DomainName"}, ""]}]},
                {"Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]},
            ],
        )

    def test_the_distribution_serves_the_domain_with_sni_and_tls_1_2_2021(self):
        config = self.resources["Distribution"]["Properties"]["DistributionConfig"]
        self.assertEqual(
            config["Aliases"], {"Fn::If": ["HasCustomDomain", [{"Ref": "DomainName"}], {"Ref": "AWS::NoValue"}]}
        )
        condition, custom, default = config["ViewerCertificate"]["Fn::If"]
        self.assertEqual(condition, "HasCustomDomain")
        self.assertEqual(
            custom,
            {
                "AcmCertificateArn": {"Ref": "CertificateArn"},
                "SslSupportMethod": "sni-only",
                "MinimumProtocolVersion": "TLSv1.2_2021",
            },
        )
        self.assertEqual(default, {"CloudFrontDefaultCertificate": True})
        # The URLs make deploy prints (and the webhook URL) use the domain when there is one.
        for name in ("SiteUrl", "WebhookUrl"):
            output = self.template["Outputs"][name]["Value"]["Fn::If"]
            self.assertEqual(output[0], "HasCustomDomain", name)
            self.assertIn("${DomainName}", output[1]["Fn::Sub"], name)


class WafTest(TemplateTestCase):
    def test_waf_is_optional_and_off_by_default(self):
        parameter = self.template["Parameters"]["EnableWaf"]
        self.assertEqual(parameter["Default"], "false")
        self.assertEqual(sorted(parameter["AllowedValues"]), ["false", "true"])
        self.assertIn("$5", parameter["Description"])  # the monthly cost is stated

    def test_only_in_us_east_1(self):
        conditions = self.template["Conditions"]
        self.assertEqual(conditions["IsUsEast1"], {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]})
        self.assertEqual(
            conditions["CreateWaf"],
            {"Fn::And": [{"Fn::Equals": [{"Ref": "EnableWaf"}, "true"]}, {"Condition": "IsUsEast1"}]},
        )
        acls = self.of_type("AWS::WAFv2::WebACL")
        self.assertEqual(list(acls), ["WebAcl"])
        self.assertEqual(acls["WebAcl"]["Condition"], "CreateWaf")
        self.assertEqual(acls["WebAcl"]["Properties"]["Scope"], "CLOUDFRONT")

    def test_rules(self):
        acl = self.resources["WebAcl"]["Properties"]
        self.assertEqual(acl["DefaultAction"], {"Allow": {}})
        rules = {r["Name"]: r for r in acl["Rules"]}
        self.assertEqual(len({r["Priority"] for r in acl["Rules"]}), len(acl["Rules"]))
        managed = {
            r["Statement"]["ManagedRuleGroupStatement"]["Name"]
            for r in acl["Rules"]
            if "ManagedRuleGroupStatement" in r["Statement"]
        }
        self.assertEqual(managed, {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"})
        for rule in acl["Rules"]:
            if "ManagedRuleGroupStatement" in rule["Statement"]:
                self.assertEqual(rule["Statement"]["ManagedRuleGroupStatement"]["VendorName"], "AWS")
                self.assertEqual(rule["OverrideAction"], {"None": {}})  # the groups block, not just count
        (rate,) = [r for r in rules.values() if "RateBasedStatement" in r["Statement"]]
        statement = rate["Statement"]["RateBasedStatement"]
        self.assertEqual(statement["AggregateKeyType"], "IP")
        self.assertEqual(statement["Limit"], {"Ref": "WafPaymentRateLimit"})
        self.assertEqual(statement["EvaluationWindowSec"], 300)
        self.assertEqual(self.template["Parameters"]["WafPaymentRateLimit"]["Default"], 100)
        match = statement["ScopeDownStatement"]["ByteMatchStatement"]
        self.assertEqual(match["FieldToMatch"], {"UriPath": {}})
        self.assertEqual(match["SearchString"], "/api/process_payment")
        self.assertIn("Block", rate["Action"])

    def test_attached_to_the_distribution_when_created(self):
        config = self.resources["Distribution"]["Properties"]["DistributionConfig"]
        self.assertEqual(
            config["WebACLId"], {"Fn::If": ["CreateWaf", {"Fn::GetAtt": ["WebAcl", "Arn"]}, {"Ref": "AWS::NoValue"}]}
        )


class SafeReleasesTest(TemplateTestCase):
    def test_every_function_is_released_through_codedeploy_with_its_error_alarm(self):
        self.assertNotIn("AutoPublishAlias", self.globals)
        parameter = self.template["Parameters"]["DeploymentType"]
        self.assertEqual(parameter["Default"], "Canary10Percent5Minutes")
        self.assertIn("AllAtOnce", parameter["AllowedValues"])
        for package, (logical_id, resource) in self.functions.items():
            props = resource["Properties"]
            self.assertEqual(props["AutoPublishAlias"], "live", package)
            preference = props["DeploymentPreference"]
            self.assertEqual(preference["Type"], {"Ref": "DeploymentType"}, package)
            self.assertNotIn("Enabled", preference)  # never switched off
            alarms = preference["Alarms"]
            self.assertTrue(alarms, package)
            for alarm in alarms:
                alarm = self.resources[alarm["Ref"]]
                self.assertEqual(alarm["Type"], "AWS::CloudWatch::Alarm")
                props = alarm["Properties"]
                self.assertEqual((props["Namespace"], props["MetricName"]), ("AWS/Lambda", "Errors"), package)
                self.assertEqual(props["Dimensions"], [{"Name": "FunctionName", "Value": {"Ref": logical_id}}])

    def test_the_api_invokes_the_alias(self):
        # What SAM makes of it, by SAM's own transform run offline (samtranslator, which the SAM
        # CLI in .venv-infra brings): the API's integrations and Lambda permissions name the alias
        # `live`, and CodeDeploy gets one deployment group per function with its alarm.
        try:
            from samtranslator.translator.transform import transform
        except ImportError:
            self.skipTest("samtranslator is not installed (scripts/bootstrap.sh infra installs it)")

        class NoManagedPolicies:
            def load(self):
                return {}

        template = csp.load_template()
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Serverless::Function":
                resource["Properties"]["CodeUri"] = "s3://bucket/key"  # what sam package does
        logging.getLogger("samtranslator").setLevel(logging.ERROR)
        with mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": "us-east-1"}):
            resources = transform(template, {}, NoManagedPolicies())["Resources"]
        paths = resources["HttpApi"]["Properties"]["Body"]["paths"]
        for package, (logical_id, resource) in self.functions.items():
            alias = f"{logical_id}Aliaslive"
            self.assertEqual(resources[alias]["Type"], "AWS::Lambda::Alias")
            self.assertIn("CodeDeployLambdaAliasUpdate", resources[alias]["UpdatePolicy"])
            for name, event in resource["Properties"]["Events"].items():
                props = event["Properties"]
                operation = paths[props["Path"]][props["Method"].lower()]["x-amazon-apigateway-integration"]
                self.assertIn(f"${{{alias}}}", operation["uri"]["Fn::Sub"], f"{package} {name}")
                permission = resources[f"{logical_id}{name}Permission"]["Properties"]
                self.assertEqual(permission["FunctionName"], {"Ref": alias}, f"{package} {name}")
            group = resources[f"{logical_id}DeploymentGroup"]["Properties"]
            self.assertEqual(
                group["AlarmConfiguration"]["Alarms"],
                [{"Name": {"Ref": f"{logical_id[: -len('Function')]}ErrorsAlarm"}}],
            )
            self.assertIn("DEPLOYMENT_STOP_ON_ALARM", group["AutoRollbackConfiguration"]["Events"])
        self.assertEqual(resources["CodeDeployServiceRole"]["Type"], "AWS::IAM::Role")
        self.assertEqual(resources["ServerlessDeploymentApplication"]["Properties"], {"ComputePlatform": "Lambda"})
        # The per-route limits reach the stage.
        stage = resources["HttpApiApiGatewayDefaultStage"]["Properties"]
        self.assertEqual(set(stage["RouteSettings"]), set(RoutesTest.LIMITED_ROUTES))


class SignalsTest(TemplateTestCase):
    def alarms(self):
        return self.of_type("AWS::CloudWatch::Alarm")

    def lambda_alarm(self, metric, logical_id):
        found = [
            (name, a["Properties"])
            for name, a in self.alarms().items()
            if a["Properties"].get("Namespace") == "AWS/Lambda"
            and a["Properties"].get("MetricName") == metric
            and a["Properties"].get("Dimensions") == [{"Name": "FunctionName", "Value": {"Ref": logical_id}}]
        ]
        self.assertEqual(len(found), 1, f"{metric} alarm of {logical_id}")
        return found[0][1]

    def test_every_alarm_notifies_the_alarm_topic(self):
        # API 5xx and 429, per function Errors, Throttles and p99 Duration, DynamoDB throttles.
        self.assertGreaterEqual(len(self.alarms()), 2 + 3 * len(self.functions) + 1)
        for name, alarm in self.alarms().items():
            props = alarm["Properties"]
            self.assertEqual(props["AlarmActions"], [{"Ref": "AlarmTopic"}], name)
            self.assertEqual(props.get("OKActions", [{"Ref": "AlarmTopic"}]), [{"Ref": "AlarmTopic"}], name)
            self.assertEqual(props["TreatMissingData"], "notBreaching", name)  # no traffic is not an alarm

    def test_api_5xx_and_429(self):
        (server,) = [
            a["Properties"]
            for a in self.alarms().values()
            if a["Properties"].get("Namespace") == "AWS/ApiGateway" and a["Properties"]["MetricName"] == "5xx"
        ]
        self.assertEqual(server["Dimensions"], [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}])
        # HTTP APIs publish 4xx, not 429: the access log's status is counted instead.
        filters = self.of_type("AWS::Logs::MetricFilter")
        (throttled,) = [f["Properties"] for f in filters.values() if '"429"' in f["Properties"]["FilterPattern"]]
        self.assertEqual(throttled["LogGroupName"], {"Ref": "ApiAccessLogGroup"})
        self.assertIn(
            '"status":"$context.status"', self.resources["HttpApi"]["Properties"]["AccessLogSettings"]["Format"]
        )
        metric = throttled["MetricTransformations"][0]
        (alarm,) = [
            a["Properties"]
            for a in self.alarms().values()
            if a["Properties"].get("MetricName") == metric["MetricName"]
            and a["Properties"].get("Namespace") == metric["MetricNamespace"]
        ]
        self.assertEqual(alarm["Statistic"], "Sum")

    def test_each_function_errors_throttles_and_p99_duration(self):
        for package, (logical_id, resource) in self.functions.items():
            self.lambda_alarm("Errors", logical_id)
            self.lambda_alarm("Throttles", logical_id)
            duration = self.lambda_alarm("Duration", logical_id)
            self.assertEqual(duration["ExtendedStatistic"], "p99", package)
            # Alarms before the function times out: slow, not yet failing.
            self.assertLess(duration["Threshold"], resource["Properties"]["Timeout"] * 1000, package)

    def test_dynamodb_throttles(self):
        metrics = set()
        for alarm in self.alarms().values():
            for query in alarm["Properties"].get("Metrics", []):
                stat = query.get("MetricStat", {}).get("Metric", {})
                if stat.get("Namespace") == "AWS/DynamoDB":
                    self.assertIn({"Name": "TableName", "Value": {"Ref": "OrdersTable"}}, stat["Dimensions"])
                    metrics.add(stat["MetricName"])
        self.assertEqual(metrics, {"ReadThrottleEvents", "WriteThrottleEvents"})

    def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_and_budgets_may_use(self):
        topic = self.resources["AlarmTopic"]["Properties"]
        # Not alias/aws/sns: CloudWatch alarms cannot use the AWS-managed key.
        self.assertEqual(topic["KmsMasterKeyId"], {"Ref": "AlarmTopicKey"})
        key = self.resources["AlarmTopicKey"]["Properties"]
        self.assertIs(key["EnableKeyRotation"], True)
        statements = key["KeyPolicy"]["Statement"]
        services = set()
        for statement in statements:
            principal = statement["Principal"]
            if "Service" in principal:
                listed = principal["Service"] if isinstance(principal["Service"], list) else [principal["Service"]]
                services |= set(listed)
                self.assertEqual(sorted(statement["Action"]), ["kms:Decrypt", "kms:GenerateDataKey*"])
            else:
                self.assertEqual(principal, {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}})
        self.assertEqual(services, {"cloudwatch.amazonaws.com", "budgets.amazonaws.com"})
        # The topic policy lets both services publish, for this account only.
        (policy,) = [
            p
            for p in self.of_type("AWS::SNS::TopicPolicy").values()
            if p["Properties"]["Topics"] == [{"Ref": "AlarmTopic"}]
        ]
        publishers = {}
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            self.assertEqual(statement["Action"], "sns:Publish")
            self.assertEqual(statement["Condition"]["StringEquals"], {"aws:SourceAccount": {"Ref": "AWS::AccountId"}})
            publishers[statement["Principal"]["Service"]] = statement
        self.assertEqual(set(publishers), {"cloudwatch.amazonaws.com", "budgets.amazonaws.com"})
        # E-mail subscription, optional.
        (email,) = [
            s
            for s in self.of_type("AWS::SNS::Subscription").values()
            if s["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}
        ]
        self.assertEqual(email["Condition"], "HasNotificationEmail")
        self.assertEqual(email["Properties"]["Endpoint"], {"Ref": "NotificationEmail"})

    def test_monthly_budget_notifies_the_alarm_topic_at_80_percent(self):
        parameter = self.template["Parameters"]["MonthlyBudgetUsd"]
        self.assertEqual(parameter["Type"], "Number")
        self.assertEqual(parameter["Default"], 20)
        (budget,) = self.of_type("AWS::Budgets::Budget").values()
        self.assertEqual(budget["Condition"], "HasBudget")
        self.assertIn("AlarmTopicPolicy", budget["DependsOn"])
        props = budget["Properties"]
        self.assertEqual(props["Budget"]["BudgetType"], "COST")
        self.assertEqual(props["Budget"]["TimeUnit"], "MONTHLY")
        self.assertEqual(props["Budget"]["BudgetLimit"], {"Amount": {"Ref": "MonthlyBudgetUsd"}, "Unit": "USD"})
        actual = [
            n
            for n in props["NotificationsWithSubscribers"]
            if n["Notification"]
            == {
                "NotificationType": "ACTUAL",
                "ComparisonOperator": "GREATER_THAN",
                "Threshold": 80,
                "ThresholdType": "PERCENTAGE",
            }
        ]
        self.assertEqual(len(actual), 1)
        for notification in props["NotificationsWithSubscribers"]:
            self.assertEqual(
                notification["Subscribers"], [{"SubscriptionType": "SNS", "Address": {"Ref": "AlarmTopic"}}]
            )

    def test_cloudfront_logs_to_cloudwatch_logs_from_us_east_1(self):
        kinds = {
            "AWS::Logs::DeliverySource": "CloudFrontLogsSource",
            "AWS::Logs::DeliveryDestination": "CloudFrontLogsDestination",
            "AWS::Logs::Delivery": "CloudFrontLogsDelivery",
        }
        for kind, name in kinds.items():
            self.assertEqual(list(self.of_type(kind)), [name])
            self.assertEqual(self.resources[name]["Condition"], "IsUsEast1", name)
        source = self.resources["CloudFrontLogsSource"]["Properties"]
        self.assertEqual(source["LogType"], "ACCESS_LOGS")
        self.assertIn("distribution/${Distribution}", source["ResourceArn"]["Fn::Sub"])
        destination = self.resources["CloudFrontLogsDestination"]["Properties"]
        self.assertIn("log-group:${CloudFrontLogGroup}", destination["DestinationResourceArn"]["Fn::Sub"])
        group = self.resources["CloudFrontLogGroup"]
        self.assertEqual(group["Condition"], "IsUsEast1")
        self.assertEqual(group["Properties"]["RetentionInDays"], {"Ref": "LogRetentionDays"})
        delivery = self.resources["CloudFrontLogsDelivery"]["Properties"]
        self.assertEqual(delivery["DeliverySourceName"], {"Ref": "CloudFrontLogsSource"})
        self.assertEqual(delivery["DeliveryDestinationArn"], {"Fn::GetAtt": ["CloudFrontLogsDestination", "Arn"]})
        # As the API's access log: no client IPs, cookies or query strings.
        fields = set(delivery["RecordFields"])
        self.assertLessEqual({"date", "time", "cs-method", "cs-uri-stem", "sc-status"}, fields)
        self.assertEqual(fields & {"c-ip", "x-forwarded-for", "c-port", "cs(Cookie)", "cs-uri-query"}, set())


class TagsTest(unittest.TestCase):
    def test_the_stack_is_tagged_with_project_and_environment(self):
        with open(SAMCONFIG, "rb") as f:
            deploy = tomllib.load(f)["default"]["deploy"]["parameters"]
        tags = dict(pair.split("=", 1) for pair in deploy["tags"].split())
        self.assertEqual(set(tags), {"project", "environment"})
        self.assertEqual(tags["project"], "mp-checkout")
        self.assertTrue(tags["environment"])

    def test_make_deploy_uses_the_config_file_and_its_tags(self):
        # Stack tags come from samconfig.toml only if sam deploy reads it and no --tags replaces them.
        deploy = read(DEPLOY_SH)
        (command,) = re.findall(r"deploy --config-file \"\$SAMCONFIG\"", deploy)
        self.assertTrue(command)
        self.assertNotIn("--tags", deploy)


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
