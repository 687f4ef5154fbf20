"""Everything one fake server holds between requests, cleared by `reset()`."""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .._scripting.script import ScriptBook
from .journal import Journal

if TYPE_CHECKING:
    from .responses import Response

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_TO_ALPHABET = bytes(ord(_ALPHABET[byte % 62]) for byte in range(256))
"""A `bytes.translate` table mapping each byte to a letter or digit."""


@dataclass
class Settings:
    """How the fake behaves; fixed for the life of a server."""

    validate: bool = True
    """Check every request body against the API's schemas."""
    api_key: str | None = None
    """When set, any other bearer token is refused with 401 as the real API does."""
    max_body_bytes: int = 64 * 1024 * 1024
    """Bodies above this size are refused with 413."""


def _no_dispatch(method: str, path: str, body: Any) -> tuple[int, Any]:
    raise RuntimeError("This state is not attached to an app.")


class Tape(Protocol):
    """Answers from recorded sessions (a cassette), consulted after scripts and before the simulator."""

    @property
    def records(self) -> bool:
        """Whether a request may go on to a real upstream, so that answering it waits on the network."""

    def answer(self, ctx: Context) -> Response | None:
        """The recorded (or freshly recorded) answer, or None to let the simulator answer.

        To refuse the request instead (a cassette miss in `none` mode), return an
        `ApiError` and set `ctx.call.unmatched` to say why.
        """


class State:
    """Scripts, request log, resources and server-side errors of one fake."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.scripts = ScriptBook()
        self.journal = Journal()
        self.errors: list[BaseException] = []
        self.blocked: list[str] = []
        """Hosts of the real API the test process tried to reach, and was refused."""
        self.wake = threading.Event()
        """Set on reset, ending scripted delays and stalls early."""
        self.resources: dict[str, Any] = {}
        self.dispatch: Callable[[str, str, Any], tuple[int, Any]] = _no_dispatch
        """Run a request through the whole app in-process: `(method, path, json_body) -> (status, json)`."""
        self.tape: Tape | None = None
        """Where recorded answers come from, set per test; None for no cassette."""
        self.observers: list[Callable[[Any], None]] = []
        """Called with each journal entry once its answer is known (not cleared by `reset`)."""
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def now(self) -> int:
        """The current time as the API reports it (whole seconds)."""
        return int(self.clock())

    def new_id(self, prefix: str, seed: str = "", length: int = 24) -> str:
        """A fresh id like the API's (`chatcmpl-…`, `call_…`), reproducible after a reset."""
        with self._lock:
            number = next(self._counter)
        digest = hashlib.blake2b(f"{prefix}|{seed}|{number}".encode()).digest()
        return prefix + digest[:length].translate(_TO_ALPHABET).decode("ascii")

    def record_error(self, error: BaseException) -> None:
        """Keep an exception raised while answering, to re-raise in the test."""
        with self._lock:
            self.errors.append(error)

    def reset(self) -> None:
        """Forget scripts, calls, resources and errors; restart id sequences; end scripted stalls."""
        self.wake.set()
        self.wake = threading.Event()
        self.scripts.clear()
        self.journal.clear()
        self.tape = None
        with self._lock:
            self.errors.clear()
            self.blocked.clear()
            self.resources.clear()
            self._counter = itertools.count()


@dataclass(slots=True)
class Context:
    """What an endpoint needs to answer one request."""

    state: State
    operation: str
    request: Any
    """The request view (`ChatRequest`, …)."""
    path_args: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    call: Any = None
    """The journal entry of this request."""
    raw_body: bytes = b""
    """The body exactly as received."""
