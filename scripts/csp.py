#!/usr/bin/env python3
"""The page's Content-Security-Policy, read from infra/template.yaml.

The deployed CloudFront distribution sends the policy of the response-headers policy attached to
its default (page) behavior. This script parses that policy out of the template, so the local
stack (scripts/lib/stack.sh) and the browser tests run the page under the very policy the
template ships, never a copy:

    scripts/csp.py                               the policy as deployed
    scripts/csp.py --local http://127.0.0.1:8181 the same policy with every Mercado Pago host
                                                 (mercadopago, mercadolibre, mercadolivre,
                                                 mlstatic) replaced by the local sandbox origin
        [--acs http://localhost:8181]            and the `https:` scheme source (the card
                                                 issuer's 3-D Secure page, whose host is only
                                                 known per payment) by the sandbox's ACS origin

Only the standard library and PyYAML (in the project's virtualenvs) are needed. The template's
CloudFormation tags (!Ref, !Sub, !Join...) are read as plain {"Ref": ...}/{"Fn::...": ...} maps.
"""

import argparse
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TEMPLATE = os.path.join(ROOT, "infra", "template.yaml")

# Hosts of Mercado Pago and its Mercado Libre family: what --local maps to the sandbox.
MERCADO_PAGO_HOST = re.compile(
    r"(^|\.)(mercadopago|mercadolibre|mercadolivre|mlstatic)\.com(\.[a-z]{2})?$", re.IGNORECASE
)
# Directives that make no sense on the plain-http local stack.
HTTPS_ONLY_DIRECTIVES = {"upgrade-insecure-requests", "block-all-mixed-content"}


class TemplateError(Exception):
    """The template does not have what we look for, or in a shape we cannot read."""


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that accepts CloudFormation's short-form tags."""


def _construct_tag(loader, tag_suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Fn::" + tag_suffix: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path=DEFAULT_TEMPLATE):
    """The template as plain data (tags become {"Ref": x} / {"Fn::Name": x})."""
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=_CfnLoader)


def resolve_string(value):
    """A string value, resolving the intrinsics a literal policy may use (Join, Sub without variables)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return resolve_string(arg[0]).join(resolve_string(part) for part in arg[1])
        if key == "Fn::Sub" and isinstance(arg, str):
            if "${" in arg.replace("${!", ""):
                raise TemplateError(f"the policy uses a variable ({arg!r}): it must be literal")
            return arg.replace("${!", "${")
    raise TemplateError(f"cannot resolve {value!r} to a literal string")


def _resources(template):
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        raise TemplateError("the template has no Resources")
    return resources


def site_response_headers_policy(template):
    """(logical id, resource) of the response-headers policy on the distribution's default behavior."""
    resources = _resources(template)
    distributions = [(k, r) for k, r in resources.items() if r.get("Type") == "AWS::CloudFront::Distribution"]
    if len(distributions) != 1:
        raise TemplateError(f"expected one AWS::CloudFront::Distribution, found {len(distributions)}")
    name, distribution = distributions[0]
    behavior = distribution.get("Properties", {}).get("DistributionConfig", {}).get("DefaultCacheBehavior", {})
    ref = behavior.get("ResponseHeadersPolicyId")
    if not (isinstance(ref, dict) and isinstance(ref.get("Ref"), str)):
        raise TemplateError(
            f"{name}'s DefaultCacheBehavior has no ResponseHeadersPolicyId: !Ref <policy in this template>"
        )
    policy = resources.get(ref["Ref"])
    if not policy or policy.get("Type") != "AWS::CloudFront::ResponseHeadersPolicy":
        raise TemplateError(f"{ref['Ref']} is not an AWS::CloudFront::ResponseHeadersPolicy of this template")
    return ref["Ref"], policy


def template_csp(template):
    """The Content-Security-Policy string the distribution sends on the page."""
    name, policy = site_response_headers_policy(template)
    config = policy.get("Properties", {}).get("ResponseHeadersPolicyConfig", {})
    csp = config.get("SecurityHeadersConfig", {}).get("ContentSecurityPolicy", {})
    if "ContentSecurityPolicy" not in csp:
        raise TemplateError(f"{name} sets no SecurityHeadersConfig.ContentSecurityPolicy")
    return resolve_string(csp["ContentSecurityPolicy"])


def parse(policy):
    """[(directive, [sources...])] in order; directive names lower-cased."""
    directives = []
    for part in policy.split(";"):
        tokens = part.split()
        if tokens:
            directives.append((tokens[0].lower(), tokens[1:]))
    return directives


def render(directives):
    return "; ".join(" ".join([name, *sources]) for name, sources in directives)


def source_host(source):
    """The host of a host-source (scheme and port optional), or None for keywords, schemes..."""
    if source.startswith("'") or source.endswith(":") or source == "*":
        return None
    match = re.match(r"^(?:[a-z][a-z0-9+.-]*://)?(\*\.)?([^/:]+)", source, re.IGNORECASE)
    return match.group(2) if match else None


def is_mercado_pago(source):
    host = source_host(source)
    return bool(host and MERCADO_PAGO_HOST.search(host))


def localize(policy, origin, acs=None):
    """The policy with every Mercado Pago host replaced by `origin` and, given `acs`, the `https:`
    scheme source replaced by `acs` (deduplicated), everything else kept, minus the https-only
    directives that would break a plain-http local stack.

    `https:` stands for any card issuer's 3-D Secure page (ACS) in production; locally the only
    ACS is the sandbox's stand-in, on its own origin, so the local policy allows exactly that one.
    """
    origin = origin.rstrip("/")
    acs = acs and acs.rstrip("/")
    local = []
    for name, sources in parse(policy):
        if name in HTTPS_ONLY_DIRECTIVES:
            continue
        mapped = []
        for source in sources:
            if acs and source.lower() == "https:":
                value = acs
            else:
                value = origin if is_mercado_pago(source) else source
            if value not in mapped:
                mapped.append(value)
        local.append((name, mapped))
    return render(local)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--template", default=DEFAULT_TEMPLATE, help="SAM/CloudFormation template (default: infra/template.yaml)"
    )
    parser.add_argument("--local", metavar="ORIGIN", help="map Mercado Pago's hosts to this origin (the local sandbox)")
    parser.add_argument(
        "--acs", metavar="ORIGIN", help="with --local: map the https: scheme source to this origin (the sandbox's ACS)"
    )
    args = parser.parse_args(argv)
    if args.acs and not args.local:
        parser.error("--acs needs --local")
    try:
        policy = template_csp(load_template(args.template))
    except (OSError, yaml.YAMLError, TemplateError) as e:
        print(f"csp.py: {e}", file=sys.stderr)
        return 1
    print(localize(policy, args.local, args.acs) if args.local else policy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
