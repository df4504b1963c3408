"""Runs moto's server (Secrets Manager, DynamoDB, SNS... on one port) for tests and `make dev`.

Prints its base URL as the first line on stdout, then serves until its parent process dies,
its stdin closes (with --watch-stdin), or it gets SIGINT/SIGTERM. That way a test process that
crashes never leaves a server behind.

    python scripts/moto_server.py [--port 0] [--parent PID] [--watch-stdin]
"""

import argparse
import os
import sys
import threading
import time

# Read the parent before the (slow) moto import: if it dies meanwhile, we still notice.
_ORIGINAL_PARENT = os.getppid()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--parent", type=int, default=_ORIGINAL_PARENT, help="exit when this process is gone")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin reaches end of file")
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer  # noqa: PLC0415 (slow import, after argument checks)

    def parent_alive() -> bool:
        return args.parent > 1 and os.getppid() == args.parent

    if not parent_alive():
        return 0
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
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
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
