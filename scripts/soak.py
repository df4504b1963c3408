"""Pays N times through a running local stack and reports how latency and memory hold up.

Each payment is what a buyer's page does: a card token from the sandbox (as MercadoPago.js makes
it), then `POST /api/process_payment` through the edge with a new Idempotency-Key. Only the
payment request is timed. Memory is the resident set size (VmRSS) of each stand-in's process
group, read from /proc at the start and at the end.

    python scripts/soak.py --site URL --sandbox URL --state-dir DIR [--payments 10000]

Prints a Markdown report and exits non-zero when the stack degraded: the median latency of the
last 100 payments above twice that of the first 100, a payment that was not approved, or a
stand-in whose memory grew by more than --max-growth-mib (default 384).
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse
import urllib.request
import uuid

CARD = {
    "card_number": "5031755734530604",
    "expiration_month": 11,
    "expiration_year": 2030,
    "security_code": "123",
    "cardholder": {"name": "APRO", "identification": {"type": "DNI", "number": "12345678"}},
}


class Client:
    """One keep-alive HTTP connection to a base URL (reopened if the server closes it)."""

    def __init__(self, base: str):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port or 80
        self.conn = None

    def post(self, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request("POST", path, data, {"content-type": "application/json", **(headers or {})})
                resp = self.conn.getresponse()
                raw = resp.read()
                if resp.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, json.loads(raw or b"null")
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def group_rss_mib(pid: int) -> float:
    """VmRSS summed over the processes of `pid`'s process group (a stand-in and its children)."""
    total_kib = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pid:  # field 5 of stat: the process group id
                continue
            with open(f"/proc/{entry}/status", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total_kib += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total_kib / 1024


def stand_ins(state_dir: str) -> dict[str, int]:
    """The process group of each process the stack started (its .pid files)."""
    groups = {}
    for name in ("moto", "sandbox", "functions", "edge"):
        try:
            with open(os.path.join(state_dir, f"{name}.pid"), encoding="utf-8") as f:
                groups[name] = int(f.read().strip())
        except (OSError, ValueError):
            pass
    return groups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", required=True, help="the edge, e.g. http://127.0.0.1:48080")
    parser.add_argument("--sandbox", required=True, help="mp-sandbox, e.g. http://127.0.0.1:48181")
    parser.add_argument("--state-dir", required=True, help="the stack's .dev/<name> folder (pid files)")
    parser.add_argument("--payments", type=int, default=10_000)
    parser.add_argument("--max-growth-mib", type=float, default=384)
    parser.add_argument("--report", help="also write the report to this file")
    args = parser.parse_args()

    site, sandbox = Client(args.site), Client(args.sandbox)
    with urllib.request.urlopen(f"{args.sandbox}/__sandbox/config", timeout=10) as resp:
        config = json.load(resp)
    token_path = f"/v1/card_tokens?public_key={urllib.parse.quote(config['public_key'])}"
    groups = stand_ins(args.state_dir)
    before = {name: group_rss_mib(pid) for name, pid in groups.items()}

    latencies, failures = [], []
    started = time.monotonic()
    for i in range(args.payments):
        status, token = sandbox.post(token_path, CARD)
        if status != 201:
            failures.append(f"payment {i}: card token HTTP {status}: {token}")
            continue
        body = {
            "items": [{"sku": "mate-calabaza", "quantity": 1}],
            "token": token["id"],
            "payment_method_id": "master",
            "issuer_id": "3",
            "installments": 1,
            "locale": "es-AR",
            "payer": {
                "email": "comprador@example.com",
                "identification": {"type": "DNI", "number": "12345678"},
                "first_name": "Ana",
                "last_name": "García",
                "phone": {"number": "+54 11 5555-0100"},
            },
            "shipping_address": {
                "street_name": "Av. Corrientes",
                "street_number": "1234",
                "zip_code": "C1043",
                "city_name": "Buenos Aires",
                "state_name": "CABA",
            },
        }
        t0 = time.perf_counter()
        status, answer = site.post(
            "/api/process_payment",
            body,
            {"idempotency-key": str(uuid.uuid4()), "x-meli-session-id": f"soak-device-{i}"},
        )
        latencies.append(time.perf_counter() - t0)
        if status != 201 or answer.get("status") != "approved":
            failures.append(f"payment {i}: HTTP {status}: {answer}")
        if (i + 1) % 1000 == 0:
            print(f"soak: {i + 1} payments, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.monotonic() - started
    after = {name: group_rss_mib(pid) for name, pid in groups.items()}

    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000 if values else float("nan")

    first, last = ms(latencies[:100]), ms(latencies[-100:])
    p99 = sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan")
    lines = [
        f"# Soak: {args.payments} payments through the local stack",
        "",
        f"{len(latencies)} payments in {elapsed:.0f} s; {len(failures)} not approved.",
        "",
        "| Latency of POST /api/process_payment | ms |",
        "|---|---|",
        f"| median, first 100 | {first:.1f} |",
        f"| median, last 100 | {last:.1f} |",
        f"| median, all | {ms(latencies):.1f} |",
        f"| p99, all | {p99:.1f} |",
        "",
        "| Process group | RSS at start (MiB) | RSS at end (MiB) |",
        "|---|---|---|",
        *[f"| {name} | {before[name]:.0f} | {after[name]:.0f} |" for name in groups],
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write(report)

    problems = failures[:5]
    if last > 2 * first:
        problems.append(f"the last 100 payments took {last:.1f} ms (median), over twice the first 100's {first:.1f} ms")
    for name in groups:
        if after[name] - before[name] > args.max_growth_mib:
            problems.append(f"{name} grew from {before[name]:.0f} to {after[name]:.0f} MiB")
    for p in problems:
        print(f"soak: {p}", file=sys.stderr)
    print(f"soak: {len(latencies)} payments, {len(failures)} not approved, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
