"""`fakeopenai serve`: the fake server on its own, for other languages and manual exploration."""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._errors import FakeOpenAIError
from ._fake import FakeOpenAI
from ._journal import Call
from ._recording import (
    DEFAULT_UPSTREAM,
    RECORD_MODES,
    UPSTREAM_KEY_VARIABLE,
    Cassette,
    check_record_mode,
    upstream_key_from,
)
from ._script_file import ANSWER_KEYS, ENDPOINTS, OPTIONS, ScriptEntry, load_script_file, register
from ._state import State, Tape
from .endpoints._control_reset import set_reset_hook

_CONTROL_OPERATIONS = "fakeopenai.control."


def _wrapped(text: str) -> str:
    return textwrap.fill(text, width=86, initial_indent="  ", subsequent_indent="    ")


_EPILOG = f"""\
script files (--script): a list of entries, each one answer and its options, e.g.
  - {{endpoint: chat, message: "Hi", times: 2, model: gpt-4o}}
  - {{tool_call: {{name: get_weather, arguments: {{city: Paris}}}}}}
  - {{error: {{status: 429, headers: {{Retry-After: "1"}}}}}}
{_wrapped("answers: " + ", ".join(ANSWER_KEYS) + ".")}
{_wrapped("endpoint: " + ", ".join(ENDPOINTS) + " (default: any that answers with a model turn).")}
{_wrapped("options: " + ", ".join(OPTIONS) + ".")}

control API (no API key needed; never in the request log):
  POST /_fakeopenai/scripts   add entries: one entry, or {{"scripts": [entries]}}
  GET  /_fakeopenai/scripts   the scripts and how often each was used
  GET  /_fakeopenai/calls     the request log as JSON
  POST /_fakeopenai/reset     forget scripts, calls and state; reload --script and --cassette
  GET  /_fakeopenai/report    what went wrong so far (text), or null
  GET  /_fakeopenai/health    {{"status": "ok"}}

recording (--record-mode once, new_episodes or all) sends requests to --upstream with
the key in {UPSTREAM_KEY_VARIABLE} (else OPENAI_API_KEY); cassettes are saved on
each reset and when the server stops.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakeopenai", description="A fake OpenAI API for tests.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the fake API until interrupted",
        description="Serve the fake OpenAI API. The first line printed is the base URL to give clients;\n"
        "then one line per request. Stop with Ctrl-C or SIGTERM.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    server = serve.add_argument_group("server")
    server.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, loopback only; warns when beyond loopback)",
    )
    server.add_argument("--port", type=int, default=0, help="port to listen on (default: 0, a free port)")
    server.add_argument("--api-key", metavar="KEY", default=None, help="accept only this bearer token (default: any)")
    server.add_argument(
        "--no-validate",
        action="store_true",
        help="do not check requests against the API's schemas (default: every request is checked)",
    )
    server.add_argument(
        "--quiet", action="store_true", help="print only the base URL, not each request (default: one line each)"
    )
    answers = serve.add_argument_group("answers")
    answers.add_argument(
        "--script",
        metavar="FILE",
        action="append",
        default=None,
        help="answers to script, from a YAML file (JSON if it ends in .json); repeatable; "
        "reloaded on each reset (default: none, the simulator answers)",
    )
    recording = serve.add_argument_group("cassette")
    recording.add_argument(
        "--cassette",
        metavar="PATH",
        default=None,
        help="answer from this vcrpy-format cassette after the scripts (default: none)",
    )
    recording.add_argument(
        "--record-mode",
        choices=RECORD_MODES,
        default=None,
        help="when the cassette records: none (replay only), once, new_episodes or all (default: none)",
    )
    recording.add_argument(
        "--upstream",
        metavar="URL",
        default=None,
        help=f"the real API that recordings are made against (default: {DEFAULT_UPSTREAM})",
    )
    recording.add_argument(
        "--allow-playback-repeats",
        action="store_true",
        help="let a recording answer again once played (default: each plays once per reset)",
    )
    return parser


def _log_line(call: Call[Any]) -> str:
    if call.operation is not None and call.operation.startswith(_CONTROL_OPERATIONS):
        return f"{call.status} {call.method} {call.path} [control]"
    outcome = call.answered_by or "-"
    problem = f"  {call.problems[0].message}" if call.problems else ""
    if not problem and call.unmatched:
        problem = "  " + call.unmatched.splitlines()[0]
    model = f" {call.request.model}" if call.request.model else ""
    stream = " stream" if call.request.stream else ""
    return f"{call.status} {call.method} {call.path}{model}{stream} [{outcome}]{problem}"


def beyond_loopback_warning(host: str) -> str | None:
    """The warning to print when `host` lets other machines reach the server; None on loopback."""
    if _is_loopback(host):
        return None
    return f"warning: listening on {host}, beyond loopback: other machines can reach this server."


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Session:
    """What the server starts with, and restores on each control-API reset: the script files and the cassette."""

    def __init__(self, args: argparse.Namespace, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.scripts: list[ScriptEntry] = []
        for path in args.script or ():
            self.scripts += load_script_file(path)
        self.cassette_path: Path | None = Path(args.cassette) if args.cassette else None
        self.record_mode = check_record_mode(args.record_mode or "none", "--record-mode")
        self.upstream = args.upstream or DEFAULT_UPSTREAM
        self.repeats = bool(args.allow_playback_repeats)
        self.fresh = self.cassette_path is not None and not self.cassette_path.exists()
        self.upstream_key = upstream_key_from(os.environ, fake.api_key)

    def begin(self, state: State, previous: Tape | None = None) -> None:
        """Register the script files and open the cassette (saving the previous one)."""
        if isinstance(previous, Cassette):
            previous.save()
        register(self.scripts, state)
        if self.cassette_path is not None:
            state.tape = Cassette(
                self.cassette_path,
                record_mode=self.record_mode,
                upstream=self.upstream,
                upstream_api_key=self.upstream_key,
                allow_playback_repeats=self.repeats,
                fresh=self.fresh,
            )

    def end(self) -> str | None:
        """Save the cassette; what it wrote, if anything."""
        cassette = self.fake.cassette
        if cassette is not None and cassette.save():
            return f"fakeopenai: saved the recordings in {cassette.path}"
        return None


def _check(args: argparse.Namespace) -> str | None:
    """An error in the combination of options, if any."""
    if args.cassette is None:
        for given, option in ((args.record_mode, "--record-mode"), (args.upstream, "--upstream")):
            if given is not None:
                return f"{option} needs --cassette PATH."
        if args.allow_playback_repeats:
            return "--allow-playback-repeats needs --cassette PATH."
    if not 0 <= args.port <= 65535:
        return f"--port {args.port} is not a port number (0-65535; 0 picks a free port)."
    return None


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT or SIGTERM; 0 after a clean stop, 2 for bad options or script files."""
    problem = _check(args)
    if problem is not None:
        print(f"fakeopenai serve: error: {problem}", file=sys.stderr)
        return 2
    fake = FakeOpenAI(host=args.host, port=args.port, validate=not args.no_validate, api_key=args.api_key)
    try:
        session = _Session(args, fake)
        session.begin(fake.state)
        fake.start()
    except FakeOpenAIError as error:
        print(f"fakeopenai serve: error: {error}", file=sys.stderr)
        return 2
    set_reset_hook(fake.state, session.begin)
    if not args.quiet:
        fake.state.observers.append(lambda call: print(_log_line(call), flush=True))
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(fake.base_url, flush=True)
    warning = beyond_loopback_warning(args.host)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        fake.stop()
        set_reset_hook(fake.state, None)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    saved = session.end()
    if saved is not None:
        print(saved, file=sys.stderr)
    report = fake.report() if fake.calls else None  # with no request since the last reset, all is noise
    if report is not None:
        print(report, file=sys.stderr)
    print(f"fakeopenai: stopped after {len(fake.calls)} request(s).", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The `fakeopenai` command."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
