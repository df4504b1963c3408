#!/usr/bin/env python3
"""Deploy rehearsal, offline: infra/template.yaml through the SAM transform into plain
CloudFormation, then created as a stack on moto's CloudFormation (in-process, `moto.mock_aws`),
as far as moto supports the resource types.

    .venv/bin/python scripts/rehearse.py     prints what was created, what was checked and what
                                             only the static checks cover; exits 1 if a stack
                                             fails to create

scripts/test_rehearse.py runs it and asserts on the result (`rehearse()`); scripts/infra-check.sh
(so `make test`) runs both.

1. Translate. The SAM transform (samtranslator, the library behind `sam validate` and `sam
   deploy`'s transform) turns the template into what CloudFormation deploys: the functions with
   Globals merged in, their versions, `live` aliases and invoke permissions, the HTTP API and its
   stage, the CodeDeploy application, deployment groups and role. CodeUri becomes an S3 location,
   as `sam package` does. samtranslator lives in .venv-infra (the SAM CLI's dependency) and moto
   in .venv, which pin different boto versions; when this interpreter cannot import samtranslator,
   the translation runs in .venv-infra's python (this file, --translate) and comes back as JSON.
2. Strip. moto's CloudFormation creates only the resource types it has a model for
   (`moto.cloudformation.parsing.get_model_map()`); for any other type it logs a warning and
   leaves the resource out, so a reference to it would resolve to nothing. Every resource of an
   unsupported type is removed before create-stack and LISTED, as is a supported resource that
   only makes sense with one of them (a Lambda permission on an alias). References to a removed
   resource (Ref, GetAtt, ${...} in Sub, DependsOn) become placeholders: `arn:aws:rehearsal:...
   :stripped/<LogicalId>` where an ARN is expected, `rehearsal-stripped-<LogicalId>-<Attr>`
   otherwise, so the outputs that name them are still there and say so.
3. Create. The stack is created once per region of REGIONS: sa-east-1 (samconfig.toml's default)
   and us-east-1, where the IsUsEast1 resources exist (CloudFront's log group). Parameters: the
   template's defaults plus a fake public key (FAKE_PUBLIC_KEY). The functions' code is a small
   zip uploaded first to a rehearsal bucket (ARTIFACTS_BUCKET), the stand-in for `sam package`'s
   upload; it is not part of the stack.
4. Read back. The result holds the stack (status, resources, outputs) and what the AWS APIs of
   the emulator report for each created resource: the table's key schema and deletion
   protection, the roles' inline policies, the functions' configuration, the topics' attributes,
   the bucket's encryption, the log groups' retention, the KMS key and alias.

moto's models also drop some properties of the types they do create (e.g. a function's
Architectures, an orders table's TTL): PROPERTIES_MOTO_DROPS lists the ones this template uses,
and the test checks those in the translated template (what CloudFormation would receive).
"""

import argparse
import ast
import copy
import functools
import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "infra", "template.yaml")
INFRA_PYTHON = os.path.join(ROOT, ".venv-infra", "bin", "python")

STACK_NAME = "mp-checkout"
REGIONS = ("sa-east-1", "us-east-1")
ACCOUNT_ID = "123456789012"  # moto's default account
FAKE_PUBLIC_KEY = "TEST-00000000-0000-0000-0000-000000000000"
ARTIFACTS_BUCKET = "rehearsal-artifacts"

# A supported resource that is stripped anyway when this property references a stripped one:
# it would be created on a placeholder. A Lambda permission lets the HTTP API invoke the
# function's `live` alias (AWS::Lambda::Alias, which moto's CloudFormation cannot create).
DEPENDENT_PROPERTIES = {"AWS::Lambda::Permission": "FunctionName"}

# Properties of the template that moto's CloudFormation models accept but do not keep: the
# rehearsal cannot see them on the created resources, so scripts/test_rehearse.py checks them in
# the translated template instead. (Type -> properties.)
PROPERTIES_MOTO_DROPS = {
    "AWS::Lambda::Function": ["Architectures", "TracingConfig", "LoggingConfig"],
    "AWS::IAM::Role": ["ManagedPolicyArns"],
    "AWS::DynamoDB::Table": ["TimeToLiveSpecification", "PointInTimeRecoverySpecification"],
    "AWS::S3::Bucket": [
        "OwnershipControls",
        "PublicAccessBlockConfiguration",
        "LifecycleConfiguration",
    ],
}

# What the rehearsal reads back from the emulator for each created type (for the printed table).
CHECKED = {
    "AWS::DynamoDB::Table": "key schema, attributes, billing mode, deletion protection",
    "AWS::IAM::Role": "trust policy, inline policies (actions, resources)",
    "AWS::KMS::Key": "key policy, rotation",
    "AWS::KMS::Alias": "alias name -> key",
    "AWS::Lambda::Function": "runtime, handler, memory, timeout, role, environment",
    "AWS::Lambda::Version": "a published version of each function",
    "AWS::Logs::LogGroup": "names, retention",
    "AWS::S3::Bucket": "exists, default encryption",
    "AWS::SNS::Topic": "display name, KMS key",
}

# Why a type is stripped, beyond "moto has no CloudFormation model for it".
STRIP_NOTES = {
    "AWS::Lambda::Permission": "invokes the `live` alias (stripped)",
}


# ------------------------------------------------------------------------------------------------
# 1. Translate
# ------------------------------------------------------------------------------------------------


def sam_template(path=TEMPLATE):
    """The template (infra/template.yaml) as data, with each function's CodeUri an S3 location (sam package)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import csp

    template = csp.load_template(path)
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{ARTIFACTS_BUCKET}/{logical_id}.zip"
    return template


def translate_here(regions, path=TEMPLATE):
    """{region: the template translated by samtranslator} (samtranslator must be importable)."""
    import logging

    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    # samtranslator warns about a feature toggle it looks up and does not find: not ours.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    out = {}
    for region in regions:
        session = boto3.session.Session(region_name=region)
        translator = Translator({}, Parser(), boto_session=session)
        out[region] = translator.translate(sam_template(path), {"MercadoPagoPublicKey": FAKE_PUBLIC_KEY})
    return json.loads(json.dumps(out, default=str))


def samtranslator_version_here():
    from importlib.metadata import version

    return version("aws-sam-translator")


@functools.cache
def translate(regions=REGIONS, path=TEMPLATE):
    """({region: translated template}, samtranslator version), in-process or through .venv-infra.
    Cached: treat the result as read-only."""
    try:
        return translate_here(regions, path), samtranslator_version_here()
    except ImportError:
        pass
    if not os.path.exists(INFRA_PYTHON):
        raise SystemExit("samtranslator is not importable here and .venv-infra is missing: scripts/bootstrap.sh infra")
    proc = subprocess.run(
        [INFRA_PYTHON, os.path.abspath(__file__), "--template", path, "--translate", *regions],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise SystemExit(f"the SAM transform failed (.venv-infra):\n{proc.stderr}")
    data = json.loads(proc.stdout)
    return data["templates"], data["version"]


# ------------------------------------------------------------------------------------------------
# 2. Strip
# ------------------------------------------------------------------------------------------------


def moto_supported_types():
    """The resource types moto's CloudFormation creates."""
    from moto.cloudformation.parsing import get_model_map

    return set(get_model_map())


def _references(value):
    """Logical ids a value references (Ref, GetAtt, ${...} in Sub)."""
    found = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg.split(".", 1)[0] if isinstance(arg, str) else arg[0])
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                found |= {m.split(".", 1)[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
            found |= _references(arg)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


# Stripped types whose Ref is an ARN (the others' Ref is an id or a name).
REF_IS_ARN = {"AWS::SecretsManager::Secret", "AWS::Lambda::Alias", "AWS::SNS::Subscription"}


def placeholder(logical_id, rtype, attribute=None):
    """What a reference to a stripped resource becomes (see the module's docstring)."""
    if (attribute is None and rtype in REF_IS_ARN) or (attribute or "").endswith("Arn"):
        suffix = f".{attribute}" if attribute else ""
        return f"arn:aws:rehearsal:{{region}}:{ACCOUNT_ID}:stripped/{logical_id}{suffix}"
    return f"rehearsal-stripped-{logical_id}" + (f"-{attribute}" if attribute else "")


def _replace(value, stripped, region):
    def ph(logical_id, attribute=None):
        return placeholder(logical_id, stripped[logical_id], attribute).replace("{region}", region)

    if isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and arg in stripped:
                return ph(arg)
            if key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                if parts[0] in stripped:
                    return ph(parts[0], parts[1])
            if key == "Fn::Sub":

                def sub(match):
                    name, _, attribute = match.group(1).partition(".")
                    return ph(name, attribute or None) if name in stripped else match.group(0)

                if isinstance(arg, str):
                    return {key: re.sub(r"\$\{([^!}][^}]*)\}", sub, arg)}
                return {
                    key: [
                        re.sub(r"\$\{([^!}][^}]*)\}", sub, arg[0]),
                        _replace(arg[1], stripped, region),
                    ]
                }
        return {k: _replace(v, stripped, region) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, stripped, region) for v in value]
    return value


def strip(template, supported, region):
    """(the template moto can create, {logical id: (type, why)} of what was taken out)."""
    template = copy.deepcopy(template)
    resources = template["Resources"]
    stripped = {
        lid: (r["Type"], "no moto CloudFormation model") for lid, r in resources.items() if r["Type"] not in supported
    }
    changed = True
    while changed:
        changed = False
        for lid, r in resources.items():
            prop = DEPENDENT_PROPERTIES.get(r["Type"])
            if lid in stripped or not prop:
                continue
            refs = _references(r.get("Properties", {}).get(prop)) & set(stripped)
            if refs:
                stripped[lid] = (r["Type"], f"its {prop} is {', '.join(sorted(refs))} (stripped)")
                changed = True
    for lid in stripped:
        del resources[lid]
    for r in resources.values():
        depends = r.get("DependsOn")
        if depends is not None:
            depends = [depends] if isinstance(depends, str) else depends
            kept = [d for d in depends if d not in stripped]
            if kept:
                r["DependsOn"] = kept
            else:
                del r["DependsOn"]
    types = {lid: rtype for lid, (rtype, _) in stripped.items()}
    template["Resources"] = _replace(resources, types, region)
    template["Outputs"] = _replace(template.get("Outputs", {}), types, region)
    return template, stripped


# ------------------------------------------------------------------------------------------------
# 3. Create, 4. read back
# ------------------------------------------------------------------------------------------------


def _code_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\necho rehearsal stand-in for the Rust binary\n")
    return buf.getvalue()


def _create_stack(session, region, template):
    """Creates the stack on the (already mocked) emulator; returns its description."""
    s3 = session.client("s3", region_name=region)
    bucket = ARTIFACTS_BUCKET
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    for lid, r in template["Resources"].items():
        if r["Type"] == "AWS::Lambda::Function":
            s3.put_object(Bucket=bucket, Key=f"{lid}.zip", Body=_code_zip())
    cfn = session.client("cloudformation", region_name=region)
    cfn.create_stack(
        StackName=STACK_NAME,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "MercadoPagoPublicKey", "ParameterValue": FAKE_PUBLIC_KEY}],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    return cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0]


def _document(value):
    """A policy document as data. moto's CloudFormation model of a role stores an inline policy
    as Python's repr of the dict, which GetRolePolicy then returns as text."""
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return ast.literal_eval(value)


def _read_back(session, region, resources):
    """What the emulator's APIs report for each created resource, by logical id."""
    c = {n: session.client(n, region_name=region) for n in ("dynamodb", "iam", "lambda", "logs", "s3", "sns", "kms")}
    facts = {}
    for lid, (rtype, physical) in resources.items():
        if rtype == "AWS::DynamoDB::Table":
            facts[lid] = c["dynamodb"].describe_table(TableName=physical)["Table"]
        elif rtype == "AWS::IAM::Role":
            role = c["iam"].get_role(RoleName=physical)["Role"]
            names = c["iam"].list_role_policies(RoleName=physical)["PolicyNames"]
            role["InlinePolicies"] = {
                n: _document(c["iam"].get_role_policy(RoleName=physical, PolicyName=n)["PolicyDocument"]) for n in names
            }
            role["AttachedPolicies"] = c["iam"].list_attached_role_policies(RoleName=physical)["AttachedPolicies"]
            facts[lid] = role
        elif rtype == "AWS::Lambda::Function":
            facts[lid] = c["lambda"].get_function_configuration(FunctionName=physical)
            versions = c["lambda"].list_versions_by_function(FunctionName=physical)["Versions"]
            facts[lid]["PublishedVersions"] = [v["Version"] for v in versions if v["Version"] != "$LATEST"]
        elif rtype == "AWS::Lambda::Version":
            facts[lid] = {"Arn": physical}
        elif rtype == "AWS::Logs::LogGroup":
            groups = c["logs"].describe_log_groups(logGroupNamePrefix=physical)["logGroups"]
            facts[lid] = next(g for g in groups if g["logGroupName"] == physical)
        elif rtype == "AWS::S3::Bucket":
            encryption = c["s3"].get_bucket_encryption(Bucket=physical)
            facts[lid] = {"Name": physical, "Encryption": encryption["ServerSideEncryptionConfiguration"]}
        elif rtype == "AWS::SNS::Topic":
            facts[lid] = c["sns"].get_topic_attributes(TopicArn=physical)["Attributes"]
        elif rtype == "AWS::KMS::Key":
            # From moto's backend: its CloudFormation model stores KeyPolicy as a dict where its
            # API expects JSON text, so DescribeKey (which evaluates the policy) fails on it.
            from moto.kms.models import kms_backends

            key = kms_backends[ACCOUNT_ID][region].keys[physical]
            policy = key.policy if isinstance(key.policy, dict) else json.loads(key.policy)
            facts[lid] = {
                "KeyId": key.id,
                "Description": key.description,
                "Policy": policy,
                "RotationEnabled": key.key_rotation_status,
            }
        elif rtype == "AWS::KMS::Alias":
            aliases = c["kms"].list_aliases()["Aliases"]
            facts[lid] = next(a for a in aliases if a["AliasName"] == physical)
    return facts


def rehearse_region(translated, supported, region):
    """Strips, creates and reads back the stack in one region (inside moto's mock)."""
    import boto3

    template, stripped = strip(translated, supported, region)
    session = boto3.session.Session(
        aws_access_key_id="rehearsal", aws_secret_access_key="rehearsal", region_name=region
    )
    stack = _create_stack(session, region, template)
    cfn = session.client("cloudformation", region_name=region)
    summaries = cfn.list_stack_resources(StackName=STACK_NAME)["StackResourceSummaries"]
    # (moto lists a resource whose Condition is false as an entry with empty ids: left out.)
    resources = {
        s["LogicalResourceId"]: (s["ResourceType"], s["PhysicalResourceId"])
        for s in summaries
        if s["LogicalResourceId"]
    }
    return {
        "region": region,
        "status": stack["StackStatus"],
        "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        "parameters": {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])},
        "resources": resources,
        "stripped": stripped,
        "facts": _read_back(session, region, resources),
        "template": template,
    }


def rehearse(regions=REGIONS, path=TEMPLATE):
    """The whole rehearsal; returns {"translated": {region: template}, "regions": {region: ...},
    "samtranslator": version, "seconds": elapsed}."""
    import warnings

    from moto import mock_aws

    started = time.monotonic()
    translated, version = translate(tuple(regions), path)
    supported = moto_supported_types()
    result = {"translated": translated, "samtranslator": version, "regions": {}}
    os.environ.setdefault("AWS_DEFAULT_REGION", regions[0])
    with warnings.catch_warnings():
        # moto warns about what it does not model; everything it cannot create is stripped first.
        warnings.simplefilter("ignore")
        for region in regions:
            with mock_aws():
                result["regions"][region] = rehearse_region(translated[region], supported, region)
    result["seconds"] = time.monotonic() - started
    return result


# ------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------


def type_table(result):
    """[(type, count in the translated template, how it is covered)] over every region."""
    rows = {}
    for region, r in result["regions"].items():
        for lid, resource in result["translated"][region]["Resources"].items():
            rtype = resource["Type"]
            row = rows.setdefault(rtype, {"ids": set(), "created": set(), "stripped": {}})
            row["ids"].add(lid)
            if lid in r["resources"]:
                row["created"].add(region)
            if lid in r["stripped"]:
                row["stripped"][lid] = r["stripped"][lid][1]
    table = []
    for rtype in sorted(rows):
        row = rows[rtype]
        if row["created"]:
            how = "created on moto, read back: " + CHECKED.get(rtype, "exists")
            dropped = PROPERTIES_MOTO_DROPS.get(rtype)
            if dropped:
                how += f" ({', '.join(dropped)}: dropped by moto, checked in the translated template)"
        else:
            why = STRIP_NOTES.get(rtype) or next(iter(row["stripped"].values()), "condition false")
            how = f"stripped ({why}): static checks only"
        table.append((rtype, len(row["ids"]), how))
    return table


def report(result):
    lines = [f"SAM transform: samtranslator {result['samtranslator']}; emulator: moto (CloudFormation, in-process)"]
    lines.append("")
    lines.append(f"{'Resource type':42} {'#':>2}  Covered by")
    for rtype, count, how in type_table(result):
        lines.append(f"{rtype:42} {count:>2}  {how}")
    for region, r in result["regions"].items():
        lines.append("")
        lines.append(
            f"{region}: stack {STACK_NAME} {r['status']}: {len(r['resources'])} resources created, "
            f"{len(r['stripped'])} stripped, {len(r['outputs'])} outputs"
        )
        for key, value in sorted(r["outputs"].items()):
            lines.append(f"  output {key} = {value}")
    lines.append("")
    lines.append(f"Rehearsal took {result['seconds']:.1f}s")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", default=TEMPLATE, help="the SAM template (default: infra/template.yaml)")
    parser.add_argument("--translate", nargs="+", metavar="REGION", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.translate:  # the .venv-infra half (see translate())
        json.dump(
            {"templates": translate_here(args.translate, args.template), "version": samtranslator_version_here()},
            sys.stdout,
        )
        return 0
    result = rehearse(path=os.path.abspath(args.template))
    print(report(result))
    failed = [region for region, r in result["regions"].items() if r["status"] != "CREATE_COMPLETE"]
    if failed:
        print(f"stack creation failed in {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
