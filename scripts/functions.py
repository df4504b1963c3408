#!/usr/bin/env python3
"""The functions this checkout deploys and their HTTP API routes, read from infra/template.yaml.

The template is the one list of functions: every script, the local edge, the bench and the
tests ask this reader rather than naming them. A function is an AWS::Serverless::Function
resource; its folder under functions/ (which is also its Cargo package and binary) is the
resource's `Metadata: BuildProperties: Binary` (SAM's own key for a Rust function's binary), and
its routes are its `HttpApi` events (`Method`, `Path`).

    scripts/functions.py [--names]       one function a line:       process_payment
    scripts/functions.py --routes        one route a line:          POST /api/process_payment process_payment
    scripts/functions.py --resources     one function a line:       ProcessPaymentFunction process_payment
    scripts/functions.py --of LOGICAL_ID the function a resource deploys (infra/build/Makefile asks this)

Functions and routes come in the template's order. A function resource without a binary, an
HttpApi event without a method or path, or one route given to two functions is an error that
names the template. Only PyYAML is needed (scripts/csp.py reads the CloudFormation tags).
"""

import argparse
import os
import re
import sys
from typing import NamedTuple

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import csp

ROOT = csp.ROOT
DEFAULT_TEMPLATE = csp.DEFAULT_TEMPLATE
FUNCTIONS_DIR = os.path.join(ROOT, "functions")
# A Cargo package name that is also a folder name and a binary name.
BINARY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Route(NamedTuple):
    method: str  # GET, POST, OPTIONS... or ANY
    path: str  # /api/payment_status/{order_id}
    function: str


class Function(NamedTuple):
    name: str  # the folder under functions/, the Cargo package and binary
    logical_id: str  # the template's resource
    routes: list  # [Route]


def relative(path):
    """The path as the developer sees it (relative to the repository when inside it)."""
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    return path if rel.startswith("..") else rel


def functions(template_path=DEFAULT_TEMPLATE):
    """[Function] of the template, in its order. Raises csp.TemplateError naming the template."""
    where = relative(template_path)
    template = csp.load_template(template_path)
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        raise csp.TemplateError(f"{where} has no Resources")
    found, owner = [], {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        metadata = resource.get("Metadata") or {}
        name = (metadata.get("BuildProperties") or {}).get("Binary")
        if not isinstance(name, str) or not BINARY_NAME.match(name):
            raise csp.TemplateError(
                f"{where}: {logical_id} needs `Metadata: BuildProperties: Binary: <folder>`, the folder under "
                f"functions/ it deploys (lower-case letters, digits, _), got {name!r}"
            )
        if any(f.name == name for f in found):
            raise csp.TemplateError(f"{where}: two functions deploy functions/{name}")
        routes = []
        events = (resource.get("Properties") or {}).get("Events") or {}
        for event_name, event in events.items():
            if not isinstance(event, dict) or event.get("Type") != "HttpApi":
                continue
            props = event.get("Properties") or {}
            method, path = props.get("Method"), props.get("Path")
            if not (isinstance(method, str) and isinstance(path, str) and path.startswith("/")):
                raise csp.TemplateError(f"{where}: {logical_id}'s HttpApi event {event_name} needs a Method and a Path")
            route = Route(method.upper(), path, name)
            key = (route.method, route.path)
            if key in owner:
                raise csp.TemplateError(f"{where}: {route.method} {route.path} is routed to {owner[key]} and {name}")
            owner[key] = name
            routes.append(route)
        found.append(Function(name, logical_id, routes))
    if not found:
        raise csp.TemplateError(f"{where} has no AWS::Serverless::Function")
    return found


def function_folders(root=FUNCTIONS_DIR):
    """The folders under functions/ that hold a Cargo package, sorted."""
    return sorted(
        entry.name
        for entry in os.scandir(root)
        if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "Cargo.toml"))
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", default=DEFAULT_TEMPLATE, help="SAM template (default: infra/template.yaml)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--names", action="store_true", help="print the functions' names (the default)")
    mode.add_argument("--routes", action="store_true", help="print METHOD PATH FUNCTION lines")
    mode.add_argument("--resources", action="store_true", help="print LOGICAL_ID FUNCTION lines")
    mode.add_argument("--of", metavar="LOGICAL_ID", help="print the function this resource deploys")
    args = parser.parse_args(argv)
    try:
        found = functions(args.template)
    except (OSError, yaml.YAMLError, csp.TemplateError) as e:
        print(f"functions.py: {e}", file=sys.stderr)
        return 1
    if args.of:
        match = [f.name for f in found if f.logical_id == args.of]
        if not match:
            print(f"functions.py: {relative(args.template)} has no function {args.of}", file=sys.stderr)
            return 1
        print(match[0])
    elif args.routes:
        for f in found:
            for route in f.routes:
                print(route.method, route.path, route.function)
    elif args.resources:
        for f in found:
            print(f.logical_id, f.name)
    else:
        for f in found:
            print(f.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
