"""`fakeopenai serve`: the fake server on its own, for other languages and manual exploration."""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import secrets
import signal
import socket
import sys
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._app.hosts import HostCheck
from ._app.journal import Call
from ._app.state import State, Tape
from ._errors import ConfigurationError, FakeOpenAIError
from ._fake import FakeOpenAI
from ._recording.cassette import CassetteError, RecordingsLeftOut, Redactor
from ._recording.credentials import redact_json_keys, redact_pattern
from ._recording.tape import (
    DEFAULT_UPSTREAM,
    RECORD_MODES,
    UPSTREAM_KEY_VARIABLE,
    Cassette,
    check_record_mode,
    upstream_key_from,
)
from ._scripting.files import ANSWER_KEYS, ENDPOINTS, OPTIONS, ScriptEntry, load_script_file, register
from .endpoints._control_reset import set_reset_hook

_CONTROL_OPERATIONS = "fakeopenai.control."
CONTROL_TOKEN_VARIABLE = "FAKEOPENAI_CONTROL_TOKEN"
"""The environment variable `fakeopenai serve` takes the control API's token from."""


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

control API (never in the request log; with --api-key it needs the key, beyond loopback
the control token; /health needs neither):
  POST /_fakeopenai/scripts   add entries: one entry, or {{"scripts": [entries]}}
  GET  /_fakeopenai/scripts   the scripts and how often each was used
  GET  /_fakeopenai/calls     the request log as JSON
  POST /_fakeopenai/reset     forget scripts, calls and state; reload --script and --cassette
  GET  /_fakeopenai/report    what went wrong so far (text), or null
  GET  /_fakeopenai/health    {{"status": "ok"}}

recording (--record-mode once, new_episodes or all) sends requests to --upstream with
the key in {UPSTREAM_KEY_VARIABLE} (else OPENAI_API_KEY); cassettes are saved on
each reset and when the server stops. A recording holding what looks like a key is
left out (one line on stderr, and in the reset's answer under "left_out"); the others
are saved. Redact what prompts and answers carry before it is written, e.g.
  --redact 'ghp_[A-Za-z0-9]+' --redact-json-key user --match-ignore metadata
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
        help="address to listen on (default: 127.0.0.1, loopback only; beyond loopback, --api-key is required "
        "and the control API needs a control token)",
    )
    server.add_argument("--port", type=int, default=0, help="port to listen on (default: 0, a free port)")
    server.add_argument(
        "--api-key",
        metavar="KEY",
        default=None,
        help="accept only this bearer token, on the API and the control API (default: any, on loopback only)",
    )
    server.add_argument(
        "--control-token",
        metavar="TOKEN",
        default=None,
        help=f"the bearer token the control API needs (default: ${CONTROL_TOKEN_VARIABLE}; else beyond loopback "
        "one is made up and printed on the second line, on loopback the --api-key)",
    )
    server.add_argument(
        "--allowed-host",
        metavar="NAME",
        action="append",
        default=None,
        help="a name clients reach the server by, for the Host header check against DNS rebinding; "
        ".example.com for a domain, * for any; repeatable (default: localhost, IP addresses, names without a "
        "dot, and --host)",
    )
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
    recording.add_argument(
        "--redact",
        metavar="REGEX",
        action="append",
        default=None,
        help="replace what matches REGEX in every string of a recorded JSON body or event with REDACTED; "
        "repeatable (default: none)",
    )
    recording.add_argument(
        "--redact-json-key",
        metavar="NAME",
        action="append",
        default=None,
        help="replace the value of every JSON field NAME, at any depth, with REDACTED; repeatable (default: none)",
    )
    recording.add_argument(
        "--match-ignore",
        metavar="FIELD",
        action="append",
        default=None,
        help="leave this request body field out of cassette matching, e.g. user or metadata.trace_id; "
        "repeatable (default: none)",
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
    return (
        f"warning: listening on {host}, beyond loopback: other machines can reach this server. "
        "Its API needs the --api-key, its control API the control token, and it answers only to "
        "the host names it knows (--allowed-host)."
    )


def _is_loopback(host: str) -> bool:
    """Whether only this machine can reach a server bound to `host` (a name counts only if it is localhost)."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return (mapped or address).is_loopback


def base_urls(host: str, port: int) -> tuple[str, list[str]]:
    """The base URL to print first, one this machine can reach; and, for a wildcard address, the machine's others.

    A server on 0.0.0.0 (or ::) is reached at 127.0.0.1 (or [::1]) here, and at the machine's own address elsewhere.
    """
    from werkzeug.serving import get_interface_ip  # finds the address without sending a packet

    def url(address: str) -> str:
        return f"http://[{address}]:{port}/v1" if ":" in address else f"http://{address}:{port}/v1"

    address = host.strip("[]")
    wildcard = {"0.0.0.0": ("127.0.0.1", socket.AF_INET), "::": ("::1", socket.AF_INET6)}.get(address)
    if wildcard is None:
        return url(address), []
    local, family = wildcard
    other = get_interface_ip(family)
    return url(local), [] if _is_loopback(other) else [url(other)]


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
        self.match_ignore: list[str] = list(args.match_ignore or ())
        self.redactors: list[Redactor] = []
        for pattern in args.redact or ():
            try:
                self.redactors.append(redact_pattern(pattern))
            except re.error as exc:
                raise ConfigurationError(f"--redact {pattern!r} is not a regular expression: {exc}.") from None
        if args.redact_json_key:
            self.redactors.append(redact_json_keys(args.redact_json_key))

    def begin(self, state: State, previous: Tape | None = None) -> list[str]:
        """Register the script files and open the cassette, saving the previous one; what its save left out."""
        left_out = self._save(previous)[1] if isinstance(previous, Cassette) else []
        register(self.scripts, state)
        if self.cassette_path is not None:
            state.tape = Cassette(
                self.cassette_path,
                record_mode=self.record_mode,
                upstream=self.upstream,
                upstream_api_key=self.upstream_key,
                match_ignore=self.match_ignore,
                allow_playback_repeats=self.repeats,
                redact=self.redactors,
                fresh=self.fresh,
            )
        return left_out

    def _save(self, cassette: Cassette) -> tuple[bool, list[str]]:
        """Save `cassette`, printing on stderr each recording left out; whether it wrote, and what it left out."""
        try:
            return cassette.save(), []
        except RecordingsLeftOut as refused:
            print("\n".join(refused.lines), file=sys.stderr, flush=True)
            return cassette.path.exists(), list(refused.lines)
        except CassetteError as error:
            line = f"fakeopenai serve: error: the recordings could not be saved in {cassette.path}: {error}"
            print(line, file=sys.stderr, flush=True)
            return False, [line]

    def end(self) -> str | None:
        """Save the cassette; what it wrote, if anything."""
        cassette = self.fake.cassette
        if cassette is not None and self._save(cassette)[0]:
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
    if not _is_loopback(args.host) and not args.api_key:
        return (
            f"--host {args.host} lets other machines reach the server, so its API needs a key: pass --api-key KEY "
            "too (any string; clients send it as their OpenAI API key)."
        )
    for name in args.allowed_host or ():
        if not name.strip() or "/" in name:
            return f"--allowed-host {name!r} is not a host name: give one as clients write it, e.g. fakeopenai."
    return None


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT or SIGTERM; 0 after a clean stop, 2 for bad options or script files."""
    problem = _check(args)
    if problem is not None:
        print(f"fakeopenai serve: error: {problem}", file=sys.stderr)
        return 2
    fake = FakeOpenAI(host=args.host, port=args.port, validate=not args.no_validate, api_key=args.api_key)
    fake.app.hosts = HostCheck([args.host, *(args.allowed_host or ())])
    token = args.control_token or os.environ.get(CONTROL_TOKEN_VARIABLE) or None
    made_up = token is None and not _is_loopback(args.host)
    fake.app.control_token = secrets.token_urlsafe(24) if made_up else token
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
    first, others = base_urls(args.host, int(fake.url.rsplit(":", 1)[1]))
    print(first, flush=True)
    if made_up:
        print(f"control token: {fake.app.control_token}", flush=True)
    warning = beyond_loopback_warning(args.host)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    for url in others:
        print(f"other machines: {url}", file=sys.stderr, flush=True)
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
