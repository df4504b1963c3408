"""schemathesis hooks for scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

Sends the CSP report media types (`application/csp-report`, `application/reports+json`) as the
JSON they are.

Signs some webhook deliveries, so that schemathesis gets past the signature check of
`POST /api/notifications` and reaches what follows it (topics, `data.id`, the payment lookup).
Active only when SCHEMATHESIS_WEBHOOK_SECRET holds the stack's webhook secret
(`sandbox-webhook-secret` for a stack started by scripts/lib/stack.sh).

Which deliveries: those whose generated `x-request-id` header is present. They get a valid
`x-signature` for their own `data.id` (or `id`), `x-request-id` and the current time, computed as
Mercado Pago does (crates/mercadopago/src/webhook.rs). The others keep the generated signature
(missing or wrong), so the 401s stay covered. No network: the hook only edits headers.
"""

import hashlib
import hmac
import os
import time

import schemathesis

_SECRET = os.environ.get("SCHEMATHESIS_WEBHOOK_SECRET", "")

# The CSP report bodies (POST /api/csp-report) are JSON under the browsers' own media types.
schemathesis.serializer.alias("application/csp-report", "application/json")
schemathesis.serializer.alias("application/reports+json", "application/json")


def _as_delivered(value):
    """A query value as the function reads it (the first one), or None when not sent."""
    if isinstance(value, (list, tuple)):
        value = next((v for v in value if v is not None), None)
    # requests sends str() of what it is given (`True`, `1.5`...).
    return None if value is None else str(value)


def _header_as_read(value):
    """A header value as `http::HeaderValue::to_str` lets the function read it, or None."""
    if value is None:
        return None
    text = str(value).strip(" \t")
    if not text or not all(c == "\t" or " " <= c <= "~" for c in text):
        return None
    return text


@schemathesis.hook
def before_call(context, case, kwargs):
    if not _SECRET or case.method.upper() != "POST" or case.path != "/api/notifications":
        return
    headers = case.headers if case.headers is not None else {}
    lower = {name.lower(): name for name in headers}
    if "x-request-id" not in lower:
        return
    query = case.query or {}
    data_id = _as_delivered(query.get("data.id"))
    if data_id is None:
        data_id = _as_delivered(query.get("id"))
    request_id = _header_as_read(headers[lower["x-request-id"]])
    ts = str(int(time.time()))
    manifest = ""
    if data_id:
        manifest += f"id:{data_id};"
    if request_id:
        manifest += f"request-id:{request_id};"
    manifest += f"ts:{ts};"
    digest = hmac.new(_SECRET.encode(), manifest.encode(), hashlib.sha256).hexdigest()
    if "x-signature" in lower:
        del headers[lower["x-signature"]]
    headers["x-signature"] = f"ts={ts},v1={digest}"
    case.headers = headers
