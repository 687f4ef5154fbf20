"""`fakeopenai serve`: the fake server on its own, for other languages and manual exploration."""

from __future__ import annotations

import argparse
import ipaddress
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from ._fake import FakeOpenAI
from ._journal import Call


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakeopenai", description="A fake OpenAI API for tests.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the fake API until interrupted",
        description="Serve the fake OpenAI API. The first line printed is the base URL to give clients; "
        "then one line per request. Stop with Ctrl-C.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=int, default=0, help="port to listen on (default: 0, a free port)")
    serve.add_argument("--api-key", default=None, help="accept only this bearer token (default: accept any)")
    serve.add_argument("--no-validate", action="store_true", help="do not check requests against the API's schemas")
    serve.add_argument("--quiet", action="store_true", help="print only the base URL, not each request")
    return parser


def _log_line(call: Call[Any]) -> str:
    outcome = call.answered_by or "-"
    problem = f"  {call.problems[0].message}" if call.problems else ""
    model = f" {call.request.model}" if call.request.model else ""
    stream = " stream" if call.request.stream else ""
    return f"{call.status} {call.method} {call.path}{model}{stream} [{outcome}]{problem}"


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT or SIGTERM."""
    fake = FakeOpenAI(host=args.host, port=args.port, validate=not args.no_validate, api_key=args.api_key)
    if not args.quiet:
        fake.state.observers.append(lambda call: print(_log_line(call), flush=True))
    fake.start()
    print(fake.base_url, flush=True)
    if not _is_loopback(args.host):
        print(
            f"warning: listening on {args.host}, beyond loopback: other machines can reach this server.",
            file=sys.stderr,
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    print(json.dumps({"stopped": True, "requests": len(fake.calls)}), file=sys.stderr)
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    """The `fakeopenai` command."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
