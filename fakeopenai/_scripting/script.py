"""Scripted answers: what the test says the model answers, and which requests they match.

Answers speak in meaning (a message, tool calls, an error); each endpoint turns
them into its own wire format, so one script serves every endpoint that
generates a model turn.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._app.delivery import Delivery
from .._app.incoming import HEADER_NAME
from .._app.views import RequestView
from .._errors import ApiError, ConfigurationError, error_for_status

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # all of fakeopenai, not just this package


@dataclass(frozen=True)
class ToolCall:
    """A call the model makes to a function tool."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    """The arguments, as a mapping or as the exact JSON string the model emits."""
    id: str | None = None
    """The call id; generated (`call_…`) when None."""

    def arguments_json(self) -> str:
        """The arguments as the JSON string the API sends."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


@dataclass(frozen=True)
class Message:
    """An assistant turn: text, tool calls, or a refusal."""

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    refusal: str | None = None
    finish_reason: str | None = None
    """`stop`, `length`, `tool_calls` or `content_filter`; derived from the content when None."""
    chunks: tuple[str, ...] | None = None
    """How the content is cut into stream deltas; token-sized pieces when None."""

    def __post_init__(self) -> None:
        if self.chunks is not None and "".join(self.chunks) != (self.content or ""):
            raise ConfigurationError("The chunks of a scripted message must join to exactly its content.")

    @property
    def resolved_finish_reason(self) -> str:
        """The finish reason the API reports for this turn."""
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"


@dataclass(frozen=True)
class Fault:
    """An error answer: any status, with the real API's error body and optional headers."""

    status: int
    message: str | None = None
    type: str | None = None
    code: str | None = None
    param: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in self.headers.items():
            _check_header(name, value)

    def to_error(self) -> ApiError:
        """The `ApiError` this fault answers with."""
        return error_for_status(
            self.status, self.message, type=self.type, param=self.param, code=self.code, headers=self.headers
        )


Answer = Message | Fault

_FRAMING_HEADERS = frozenset(
    ("content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade")
)
_FORBIDDEN_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]")


def _check_header(name: object, value: object) -> None:
    """Refuse a scripted header the server could not send as it is: a bad name or value, or one that frames."""
    if not isinstance(name, str) or HEADER_NAME.fullmatch(name) is None:
        raise ConfigurationError(
            f"The scripted header name {name!r} is not a valid HTTP header name: use letters, digits and "
            "!#$%&'*+-.^_`|~ only, with no spaces, colons or line breaks."
        )
    if name.lower() in _FRAMING_HEADERS:
        raise ConfigurationError(
            f"The scripted header {name!r} cannot be set: the server writes the message framing and connection "
            "headers itself. Remove it from the script's headers."
        )
    if _FORBIDDEN_IN_VALUE.search(str(value)):
        raise ConfigurationError(
            f"The value of the scripted header {name!r} contains a line break, another control character or a "
            f"character beyond Latin-1, which an HTTP header cannot carry: {str(value)[:100]!r}. Remove it."
        )


@dataclass(frozen=True)
class Match:
    """Which requests a scripted answer applies to; every given condition must hold."""

    model: str | None = None
    user_message: str | re.Pattern[str] | None = None
    """A substring of (or a regex searched in) the last user message."""
    tool: str | None = None
    """The name of a tool the request offers."""
    when: Callable[[Any], bool] | None = None
    """Any predicate on the request view."""

    def __call__(self, request: RequestView) -> bool:
        if self.model is not None and request.model != self.model:
            return False
        if self.user_message is not None:
            text = request.last_user_message
            if isinstance(self.user_message, re.Pattern):
                if not self.user_message.search(text):
                    return False
            elif self.user_message not in text:
                return False
        if self.tool is not None and self.tool not in request.tool_names:
            return False
        return self.when is None or bool(self.when(request))

    def mismatches(self, request: RequestView) -> list[str]:
        """Each condition `request` fails, in words."""
        reasons = []
        if self.model is not None and request.model != self.model:
            reasons.append(f"model is {request.model!r}, not {self.model!r}")
        if self.user_message is not None and not Match(user_message=self.user_message)(request):
            reasons.append(f"last user message {request.last_user_message[:80]!r} does not match {self.user_message!r}")
        if self.tool is not None and self.tool not in request.tool_names:
            reasons.append(f"tools offered are {request.tool_names}, not {self.tool!r}")
        if self.when is not None:
            name = getattr(self.when, "__name__", "the predicate")
            try:
                matched = bool(self.when(request))
            except Exception as exc:  # noqa: BLE001 - a report must not fail on the test's own predicate
                reasons.append(f"{name} raised {type(exc).__name__}: {exc}")
            else:
                if not matched:
                    reasons.append(f"{name} returned False")
        return reasons

    def describe(self) -> str:
        """The conditions in words, e.g. `model='gpt-4o', tool='search'`."""
        parts = [
            f"{name}={value!r}"
            for name, value in (("model", self.model), ("user_message", self.user_message), ("tool", self.tool))
            if value is not None
        ]
        if self.when is not None:
            parts.append(f"when={getattr(self.when, '__name__', 'predicate')}")
        return ", ".join(parts) or "any request"


@dataclass
class Scripted:
    """A registered answer: what, for which requests, how many times."""

    answer: Answer
    operations: frozenset[str] | None
    match: Match
    times: int | None
    """How many requests it answers; None for every request."""
    origin: str
    """Where the test registered it, as `file:line`."""
    delivery: Delivery | None = None
    """Latency and connection faults applied when it answers."""
    rate: float | None = None
    """The share of matching requests it answers (the rest pass it by); None for all."""
    seed: int = 0
    """Seeds the choice of which requests `rate` picks, so runs repeat."""
    used: int = 0

    def __post_init__(self) -> None:
        if self.rate is not None and not 0.0 < self.rate <= 1.0:
            raise ValueError("rate must be above 0 and at most 1.")
        self._dice = random.Random(self.seed)

    def picks(self) -> bool:
        """Whether this request is one of the share `rate` selects (call under the book's lock)."""
        return self.rate is None or self._dice.random() < self.rate

    @property
    def exhausted(self) -> bool:
        """Whether it has answered as many times as it was allowed."""
        return self.times is not None and self.used >= self.times

    def describe(self) -> str:
        """One line for reports."""
        kind = type(self.answer).__name__
        answer = self.answer
        if isinstance(answer, Message):
            what = (
                f"tool calls {[c.name for c in answer.tool_calls]}"
                if answer.tool_calls
                else repr(answer.content or answer.refusal)
            )
        else:
            what = f"HTTP {answer.status}"
        if self.delivery is not None and self.delivery.drop:
            what = "a dropped connection"
        count = "always" if self.times is None else f"used {self.used}/{self.times}"
        where = ", ".join(sorted(self.operations)) if self.operations else "any model endpoint"
        return f"{kind} {what} for {where} where {self.match.describe()} ({count}; registered at {self.origin})"


class ScriptBook:
    """The registered answers, in order; thread-safe."""

    def __init__(self) -> None:
        self._entries: list[Scripted] = []
        self._candidates: tuple[Scripted, ...] = ()
        """The entries in the order `take` tries them, rebuilt on every change (takes far outnumber changes)."""
        self._lock = threading.Lock()
        self._taken = threading.local()

    def add(self, entry: Scripted) -> None:
        """Register an answer after the ones already registered."""
        with self._lock:
            self._entries.append(entry)
            self._reorder()

    def _reorder(self) -> None:
        limited = [e for e in self._entries if e.times is not None]
        self._candidates = (*limited, *(e for e in self._entries if e.times is None))

    def take(self, operation: str, request: RequestView, *, model_turn: bool = True) -> Scripted | None:
        """The first entry that still has uses and matches, counting this use; None if none.

        Entries scripted for no operation in particular answer only operations
        that generate a model turn (`model_turn`). Limited entries come before
        permanent ones. Predicates run outside the lock, so a slow predicate
        never holds up concurrent requests.
        """
        for entry in self._candidates:
            if entry.exhausted:
                continue
            if operation not in entry.operations if entry.operations is not None else not model_turn:
                continue
            if entry.match(request):
                with self._lock:
                    if not entry.exhausted and entry.picks():
                        entry.used += 1
                        self._taken.entry = entry
                        return entry
        return None

    def swap_taken(self, entry: Scripted | None) -> Scripted | None:
        """The entry this thread took last, replaced by `entry` (requests can nest, as batch lines do)."""
        previous: Scripted | None = getattr(self._taken, "entry", None)
        self._taken.entry = entry
        return previous

    def unused(self) -> list[Scripted]:
        """The limited entries that were not used up."""
        with self._lock:
            return [e for e in self._entries if e.times is not None and not e.exhausted]

    def entries(self) -> list[Scripted]:
        """A snapshot of every entry."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._reorder()


def caller_origin() -> str:
    """`file:line` of the first frame outside the fakeopenai package, for reports."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not frame.filename.startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno}"
    return "<unknown>"


def as_answer(value: Answer | str | ToolCall) -> Answer:
    """Accept the short forms: a string is a message, a `ToolCall` a one-call turn."""
    if isinstance(value, str):
        return Message(content=value)
    if isinstance(value, ToolCall):
        return Message(tool_calls=(value,))
    if isinstance(value, (Message, Fault)):
        return value
    raise ConfigurationError(f"Cannot script {value!r}: use a string, Message, ToolCall or Fault.")
