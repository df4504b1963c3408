"""Runs moto's server (Secrets Manager, DynamoDB, SNS... on one port) for tests and `make dev`.

Prints its base URL as the first line on stdout, then serves until its parent process dies,
its stdin closes (with --watch-stdin), or it gets SIGINT/SIGTERM. That way a test process that
crashes never leaves a server behind.

DynamoDB requests are served one at a time (see `SerializedDynamoDB`): DynamoDB checks a
ConditionExpression and applies the write as one atomic step, and our "exactly once" guarantees
(one order per Idempotency-Key, one "order paid" event) rest on that. moto does not lock.

    python scripts/moto_server.py [--port 0] [--parent PID] [--watch-stdin]
"""

import argparse
import copy
import os
import sys
import threading
import time

# Read the parent before the (slow) moto import: if it dies meanwhile, we still notice.
_ORIGINAL_PARENT = os.getppid()


class SerializedDynamoDB:
    """WSGI middleware that runs DynamoDB requests one at a time; other services pass through.

    DynamoDB applies each write atomically: a ConditionExpression is checked against the item and
    the write applied as one step, and a TransactWriteItems is all or nothing
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
    moto 5.2.5 checks the condition and then applies the update in separate Python steps with no
    lock, on a thread per request: two concurrent UpdateItem calls can both pass a condition only
    one should (measured: 10 of 50 rounds of 20 concurrent identical conditional updates had more
    than one winner). Locking around the request restores DynamoDB's semantics. Responses are
    built inside the call, so the lock covers the whole operation.
    """

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        # The AWS JSON protocol names the operation in X-Amz-Target: "DynamoDB_20120810.UpdateItem".
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with self.lock:
                return self.app(environ, start_response)
        return self.app(environ, start_response)


def patch_transactions() -> None:
    """Makes moto's TransactWriteItems cost what the items it touches cost, not the whole table.

    moto 5.2.5 backs up every table a transaction names with `copy.deepcopy(table)` before it
    applies the writes, once per item, so that it can roll back a cancelled transaction. Each
    order begins with a two-item transaction, so every payment deep-copied the whole orders table
    twice: CPU and memory grew with the table (measured: 4.8 GB RSS and 7 ms per request after
    about 1,300 orders, and process_payment slowing from 20 ms to 800 ms in a 30-minute soak).

    This wrapper keeps moto's own logic and error handling, but makes the table backup free
    (`Table.__deepcopy__` returns the table itself for the duration of the call) and takes its
    own backup of just the items the transaction names; if moto raises (a cancelled or invalid
    transaction), those items are put back as they were. Transactions are serialized by
    `SerializedDynamoDB`, so nothing else writes meanwhile.
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items

    def touched(backend, transact_items):
        """(table, hash, range) of every item the transaction names, with the item as it is now."""
        for entry in transact_items:
            for op in entry.values():
                table = backend.tables.get(op.get("TableName", ""))
                key = op.get("Key") or op.get("Item") or {}
                if table is None or table.hash_key_attr not in key:
                    continue
                hash_value = DynamoType(key[table.hash_key_attr])
                range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
                yield table, hash_value, range_value, table.get_item(hash_value, range_value)

    def transact_write_items(self, transact_items):
        backup = [(t, h, r, copy.deepcopy(item)) for t, h, r, item in touched(self, transact_items)]
        Table.__deepcopy__ = lambda table, memo: table
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(backup):
                if table.get_item(hash_value, range_value) is not None:
                    table.delete_item(hash_value, range_value)
                if item is not None:
                    if range_value is not None:
                        table.items[hash_value][range_value] = item
                    else:
                        table.items[hash_value] = item
            raise
        finally:
            del Table.__deepcopy__

    DynamoDBBackend.transact_write_items = transact_write_items


def make_server(host: str, port: int):
    """moto's server app (every service on one port, as ThreadedMotoServer builds it) behind
    `SerializedDynamoDB`, on a threaded werkzeug server. Call `serve_forever()`."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server as werkzeug_server

    patch_transactions()
    app = SerializedDynamoDB(DomainDispatcherApplication(create_backend_app))
    return werkzeug_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--parent", type=int, default=_ORIGINAL_PARENT, help="exit when this process is gone")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin reaches end of file")
    args = parser.parse_args()

    def parent_alive() -> bool:
        return args.parent > 1 and os.getppid() == args.parent

    if not parent_alive():
        return 0
    server = make_server(args.host, args.port)  # slow import, after the argument checks
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    print(f"http://{host}:{port}", flush=True)

    stop = threading.Event()
    if args.watch_stdin:

        def watch_stdin() -> None:
            while sys.stdin.read(4096):
                pass
            stop.set()

        threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        while parent_alive() and not stop.is_set():
            time.sleep(0.25)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
