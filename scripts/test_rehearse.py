"""The deploy rehearsal (scripts/rehearse.py): the SAM-translated template created as a stack on
moto's CloudFormation in sa-east-1 and us-east-1, and what the emulator then reports.

Needs moto (.venv). Under an interpreter without it (`python -m unittest discover -s scripts` with
.venv-infra/bin/python) the rehearsal tests skip, unless REHEARSAL_REQUIRED=1: scripts/infra-check.sh
sets it and runs this file with .venv/bin/python, so in `make test` they never skip.
"""

import importlib.util
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rehearse

HAS_MOTO = importlib.util.find_spec("moto") is not None
REQUIRED = os.environ.get("REHEARSAL_REQUIRED") == "1"

FUNCTIONS = {
    # logical id: (its role, its log group, Timeout, environment beyond Globals')
    "ProcessPaymentFunction": ("ProcessPaymentRole", "process_payment", 30, {"THREE_D_SECURE_MODE": "optional"}),
    "NotificationsFunction": ("NotificationsRole", "notifications", 20, {}),
    "PaymentStatusFunction": (
        "PaymentStatusRole",
        "payment_status",
        20,
        {"MP_REQUEST_TIMEOUT_MS": "4000", "MP_MAX_RETRIES": "1"},
    ),
    "CspReportFunction": ("CspReportRole", "csp_report", 10, {}),
}
# The function that only logs CSP reports: its role reads the origin secret and nothing else.
LOGS_ONLY = {"CspReportFunction"}
OUTPUTS = {
    "SiteUrl",
    "WebhookUrl",
    "DistributionDomainName",
    "DistributionId",
    "SiteBucketName",
    "MercadoPagoSecretArn",
    "OrdersTableName",
    "OrderEventsTopicArn",
    "AlarmTopicArn",
    "ApiEndpoint",
    "MercadoPagoPublicKey",
}
# What moto's CloudFormation creates of this template, in every region (CloudFrontLogGroup: us-east-1).
CREATED_EVERYWHERE = {
    "OrdersTable": "AWS::DynamoDB::Table",
    "SiteBucket": "AWS::S3::Bucket",
    "OrderEventsTopic": "AWS::SNS::Topic",
    "AlarmTopic": "AWS::SNS::Topic",
    "AlarmTopicKey": "AWS::KMS::Key",
    "AlarmTopicKeyAlias": "AWS::KMS::Alias",
    "ApiAccessLogGroup": "AWS::Logs::LogGroup",
    "CodeDeployServiceRole": "AWS::IAM::Role",
    **{fn: "AWS::Lambda::Function" for fn in FUNCTIONS},
    **{role: "AWS::IAM::Role" for role, _, _, _ in FUNCTIONS.values()},
    **{f"{fn.removesuffix('Function')}LogGroup": "AWS::Logs::LogGroup" for fn in FUNCTIONS},
}
# Types the rehearsal must strip (moto has no CloudFormation model): if moto gains one, this
# test fails so the table in README.md ("Deploy rehearsal") is updated with it.
STRIPPED_TYPES = {
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::Budgets::Budget",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::OriginRequestPolicy",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::CodeDeploy::Application",
    "AWS::CodeDeploy::DeploymentGroup",
    "AWS::Lambda::Alias",
    "AWS::Lambda::Permission",
    "AWS::Logs::Delivery",
    "AWS::Logs::DeliveryDestination",
    "AWS::Logs::DeliverySource",
    "AWS::Logs::MetricFilter",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::SecretsManager::Secret",
    "AWS::WAFv2::WebACL",
}


@unittest.skipUnless(HAS_MOTO or REQUIRED, "moto is not installed here (.venv has it; infra-check runs this with it)")
class RehearsalTest(unittest.TestCase):
    result: dict

    @classmethod
    def setUpClass(cls):
        cls.result = rehearse.rehearse()

    def regions(self):
        return [(region, self.result["regions"][region]) for region in rehearse.REGIONS]

    def test_the_stack_is_created_in_both_regions(self):
        self.assertEqual(set(self.result["regions"]), {"sa-east-1", "us-east-1"})
        for _, r in self.regions():
            with self.subTest(region=r["region"]):
                self.assertEqual(r["status"], "CREATE_COMPLETE")
                self.assertEqual(r["parameters"]["MercadoPagoPublicKey"], rehearse.FAKE_PUBLIC_KEY)

    def test_created_resources(self):
        for region, r in self.regions():
            with self.subTest(region=region):
                types = {lid: t for lid, (t, _) in r["resources"].items()}
                for lid, rtype in CREATED_EVERYWHERE.items():
                    self.assertEqual(types.get(lid), rtype, lid)
                versions = [lid for lid, t in types.items() if t == "AWS::Lambda::Version"]
                self.assertEqual(len(versions), len(FUNCTIONS), versions)
                # IsUsEast1: CloudFront's log group only where CloudFront's log delivery can be made.
                if region == "us-east-1":
                    self.assertEqual(types.get("CloudFrontLogGroup"), "AWS::Logs::LogGroup")
                else:
                    self.assertNotIn("CloudFrontLogGroup", types)
                self.assertNotIn("WebAcl", types)  # EnableWaf defaults to false
                unexpected = set(types) - set(CREATED_EVERYWHERE) - set(versions) - {"CloudFrontLogGroup"}
                self.assertFalse(unexpected)

    def test_what_is_stripped_is_exactly_the_unsupported_types(self):
        for _, r in self.regions():
            with self.subTest(region=r["region"]):
                self.assertEqual({t for t, _ in r["stripped"].values()}, STRIPPED_TYPES)
                for lid in ("MercadoPagoSecret", "OriginVerifySecret", "Distribution", "HttpApi"):
                    self.assertIn(lid, r["stripped"])
                # Nothing created is of a stripped type, nothing stripped was created.
                self.assertFalse(set(r["stripped"]) & set(r["resources"]))
                self.assertFalse({t for t, _ in r["resources"].values()} & STRIPPED_TYPES)
        table = {rtype: how for rtype, _, how in rehearse.type_table(self.result)}
        for rtype in STRIPPED_TYPES:
            self.assertIn("static checks only", table[rtype])
        for rtype in set(CREATED_EVERYWHERE.values()):
            self.assertIn("created on moto", table[rtype])

    def test_orders_table(self):
        for _, r in self.regions():
            with self.subTest(region=r["region"]):
                table = r["facts"]["OrdersTable"]
                self.assertEqual(table["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"}])
                self.assertEqual(table["AttributeDefinitions"], [{"AttributeName": "pk", "AttributeType": "S"}])
                self.assertEqual(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
                self.assertIs(table["DeletionProtectionEnabled"], True)
                self.assertEqual(table["GlobalSecondaryIndexes"], [])
                self.assertEqual(table["TableName"], r["outputs"]["OrdersTableName"])

    def test_outputs(self):
        for region, r in self.regions():
            with self.subTest(region=region):
                out = r["outputs"]
                self.assertEqual(set(out), OUTPUTS)
                physical = {lid: p for lid, (_, p) in r["resources"].items()}
                self.assertEqual(out["SiteBucketName"], physical["SiteBucket"])
                self.assertEqual(out["OrdersTableName"], physical["OrdersTable"])
                self.assertEqual(out["OrderEventsTopicArn"], physical["OrderEventsTopic"])
                self.assertEqual(out["AlarmTopicArn"], physical["AlarmTopic"])
                self.assertEqual(out["MercadoPagoPublicKey"], rehearse.FAKE_PUBLIC_KEY)
                self.assertRegex(out["OrderEventsTopicArn"], rf"^arn:aws:sns:{region}:\d{{12}}:")
                # Outputs of stripped resources are there, as placeholders that say so.
                self.assertEqual(out["SiteUrl"], "https://rehearsal-stripped-Distribution-DomainName")
                self.assertEqual(out["WebhookUrl"], out["SiteUrl"] + "/api/notifications")
                self.assertEqual(out["DistributionDomainName"], "rehearsal-stripped-Distribution-DomainName")
                self.assertEqual(out["DistributionId"], "rehearsal-stripped-Distribution")
                self.assertEqual(
                    out["ApiEndpoint"], f"https://rehearsal-stripped-HttpApi.execute-api.{region}.amazonaws.com"
                )
                self.assertTrue(out["MercadoPagoSecretArn"].endswith(":stripped/MercadoPagoSecret"))

    def test_functions(self):
        for region, r in self.regions():
            with self.subTest(region=region):
                facts, physical = r["facts"], {lid: p for lid, (_, p) in r["resources"].items()}
                for fn, (role, binary, timeout, extra_env) in FUNCTIONS.items():
                    with self.subTest(function=fn):
                        config = facts[fn]
                        self.assertEqual(config["Runtime"], "provided.al2023")
                        self.assertEqual(config["Handler"], "bootstrap")
                        self.assertEqual(config["MemorySize"], 256)
                        self.assertEqual(config["Timeout"], timeout)
                        self.assertEqual(config["Role"], facts[role]["Arn"])
                        self.assertEqual(config["PublishedVersions"], ["1"])
                        self.assertEqual(
                            config["Environment"]["Variables"],
                            {
                                "MP_SECRET_ARN": rehearse.placeholder(
                                    "MercadoPagoSecret", "AWS::SecretsManager::Secret"
                                ).replace("{region}", region),
                                "ORIGIN_VERIFY_SECRET_ARN": rehearse.placeholder(
                                    "OriginVerifySecret", "AWS::SecretsManager::Secret"
                                ).replace("{region}", region),
                                "ORDERS_TABLE": physical["OrdersTable"],
                                "ORDER_EVENTS_TOPIC_ARN": physical["OrderEventsTopic"],
                                "CATALOG_BUCKET": physical["SiteBucket"],
                                **extra_env,
                            },
                        )
                        self.assertIsNone(config.get("ReservedConcurrentExecutions"))

    def test_function_roles(self):
        for region, r in self.regions():
            with self.subTest(region=region):
                facts, physical = r["facts"], {lid: p for lid, (_, p) in r["resources"].items()}
                table_arn = facts["OrdersTable"]["TableArn"]
                for fn, (role, binary, _, _) in FUNCTIONS.items():
                    with self.subTest(role=role):
                        facts_role = facts[role]
                        trust = facts_role["AssumeRolePolicyDocument"]["Statement"]
                        self.assertEqual([s["Principal"] for s in trust], [{"Service": "lambda.amazonaws.com"}])
                        self.assertEqual(list(facts_role["InlinePolicies"]), [binary])
                        statements = {s["Sid"]: s for s in facts_role["InlinePolicies"][binary]["Statement"]}
                        log_group = facts[f"{fn.removesuffix('Function')}LogGroup"]
                        self.assertEqual(log_group["logGroupName"], f"/aws/lambda/{rehearse.STACK_NAME}/{binary}")
                        self.assertEqual(statements["WriteItsLogs"]["Resource"], log_group["logGroupArn"])
                        if fn in LOGS_ONLY:
                            self.assertEqual(set(statements), {"WriteItsLogs", "SendTraces", "ReadOriginVerifyValue"})
                            self.assertTrue(
                                statements["ReadOriginVerifyValue"]["Resource"].endswith("/OriginVerifySecret")
                            )
                            continue
                        self.assertEqual(statements["ReadAndUpdateOrders"]["Resource"], table_arn)
                        self.assertEqual(statements["PublishOrderPaid"]["Resource"], physical["OrderEventsTopic"])
                        self.assertEqual(
                            statements["ReadTheCatalog"]["Resource"],
                            f"arn:aws:s3:::{physical['SiteBucket']}/catalog.json",
                        )
                        self.assertTrue(
                            statements["ReadMercadoPagoCredentials"]["Resource"].endswith("/MercadoPagoSecret")
                        )
                        self.assertEqual(
                            "CreateOrdersInTransaction" in statements, binary == "process_payment", sorted(statements)
                        )
                        for s in statements.values():
                            self.assertEqual(s["Effect"], "Allow")
                            if s["Resource"] == "*":
                                self.assertEqual(s["Sid"], "SendTraces")

    def test_topics_key_bucket_and_logs(self):
        for region, r in self.regions():
            with self.subTest(region=region):
                facts = r["facts"]
                key = facts["AlarmTopicKey"]
                self.assertIs(key["RotationEnabled"], True)
                sids = {s["Sid"]: s for s in key["Policy"]["Statement"]}
                self.assertEqual(set(sids), {"AccountAdministersTheKey", "AlarmsAndBudgetsEncryptMessages"})
                self.assertEqual(
                    sorted(sids["AlarmsAndBudgetsEncryptMessages"]["Principal"]["Service"]),
                    ["budgets.amazonaws.com", "cloudwatch.amazonaws.com"],
                )
                self.assertEqual(facts["AlarmTopicKeyAlias"]["AliasName"], f"alias/{rehearse.STACK_NAME}-alarms")
                self.assertEqual(facts["AlarmTopicKeyAlias"]["TargetKeyId"], key["KeyId"])
                self.assertEqual(facts["AlarmTopic"]["KmsMasterKeyId"], key["KeyId"])
                self.assertEqual(facts["AlarmTopic"]["DisplayName"], "Checkout alarms")
                self.assertEqual(facts["OrderEventsTopic"]["KmsMasterKeyId"], "alias/aws/sns")
                self.assertEqual(facts["OrderEventsTopic"]["DisplayName"], "Checkout orders")
                rules = facts["SiteBucket"]["Encryption"]["Rules"]
                self.assertEqual([x["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for x in rules], ["AES256"])
                groups = {lid: f for lid, f in facts.items() if r["resources"][lid][0] == "AWS::Logs::LogGroup"}
                # One per function, the API's access log, and CloudFront's (us-east-1 only).
                self.assertEqual(len(groups), len(FUNCTIONS) + (2 if region == "us-east-1" else 1))
                for lid, group in groups.items():
                    self.assertEqual(group["retentionInDays"], 30, lid)


class TranslatedTemplateTest(unittest.TestCase):
    """What moto's models drop (rehearse.PROPERTIES_MOTO_DROPS), in the translated template: what
    CloudFormation receives. Runs in either virtualenv (the translation needs samtranslator:
    in-process in .venv-infra, through .venv-infra's python from .venv)."""

    translated: dict

    @classmethod
    def setUpClass(cls):
        cls.translated, cls.version = rehearse.translate(rehearse.REGIONS, rehearse.TEMPLATE)

    def resources(self, rtype):
        """[(logical id, properties)] of the type, in every region's translation."""
        return [
            (lid, r["Properties"])
            for template in self.translated.values()
            for lid, r in template["Resources"].items()
            if r["Type"] == rtype
        ]

    def test_functions_are_arm64_traced_and_log_json(self):
        names = []
        for lid, props in self.resources("AWS::Lambda::Function"):
            names.append(lid)
            self.assertEqual(props["Architectures"], ["arm64"])
            self.assertEqual(props["TracingConfig"], {"Mode": "Active"})
            self.assertEqual(props["LoggingConfig"]["LogFormat"], "JSON")
            self.assertEqual(props["LoggingConfig"]["LogGroup"], {"Ref": lid.removesuffix("Function") + "LogGroup"})
            self.assertEqual(props["Code"], {"S3Bucket": rehearse.ARTIFACTS_BUCKET, "S3Key": f"{lid}.zip"})
        self.assertEqual(sorted(set(names)), sorted(FUNCTIONS))

    def test_orders_table_ttl_and_recovery(self):
        for _, props in self.resources("AWS::DynamoDB::Table"):
            self.assertEqual(props["TimeToLiveSpecification"], {"AttributeName": "expires_at", "Enabled": True})
            self.assertEqual(props["PointInTimeRecoverySpecification"], {"PointInTimeRecoveryEnabled": True})
            self.assertIs(props["DeletionProtectionEnabled"], True)
        for template in self.translated.values():
            self.assertEqual(template["Resources"]["OrdersTable"]["DeletionPolicy"], "Retain")

    def test_bucket_is_private(self):
        for _, props in self.resources("AWS::S3::Bucket"):
            self.assertEqual(props["OwnershipControls"], {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
            self.assertEqual(set(props["PublicAccessBlockConfiguration"].values()), {True})
            self.assertEqual(len(props["PublicAccessBlockConfiguration"]), 4)

    def test_canary_releases(self):
        groups = list(self.resources("AWS::CodeDeploy::DeploymentGroup"))
        self.assertEqual(len(groups), len(FUNCTIONS) * len(self.translated))
        for lid, props in self.resources("AWS::IAM::Role"):
            if lid == "CodeDeployServiceRole":
                self.assertEqual(
                    props["ManagedPolicyArns"], ["arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"]
                )
        aliases = [lid for lid, props in self.resources("AWS::Lambda::Alias") if props["Name"] == "live"]
        self.assertEqual(len(aliases), len(FUNCTIONS) * len(self.translated))


if __name__ == "__main__":
    unittest.main()
