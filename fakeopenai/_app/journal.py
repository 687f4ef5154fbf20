"""The log of every request the fake received, with `unittest.mock`-style assertions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, overload

from .._validation.bodies import Problem
from .delivery import Delivery
from .responses import SseEvent
from .views import RequestView

R = TypeVar("R", bound=RequestView)

AnsweredBy = Literal["script", "cassette", "simulator", "error"]


@dataclass(slots=True)
class Call(Generic[R]):
    """One request the fake received, and what it answered."""

    index: int
    """Position of this call in the whole log, from 0."""
    method: str
    path: str
    """The URL path, e.g. `/v1/chat/completions`."""
    operation: str | None
    """The SDK-style name of the operation, e.g. `chat.completions.create`; None for an unknown path."""
    headers: Mapping[str, str]
    query: Mapping[str, str]
    request: R
    """The parsed body as a typed view (`call.request.messages`, `call.request.body`)."""
    problems: tuple[Problem, ...] = ()
    """Why the request was invalid; empty for a valid request."""
    status: int | None = None
    """The HTTP status answered."""
    response: Any = None
    """The JSON body answered; for a stream, the list of `data` payloads of its events."""
    answered_by: AnsweredBy | None = None
    """Who produced the answer: a script, a cassette, the simulator, or an error."""
    unmatched: str | None = None
    """Why nothing could answer this request (a cassette miss, an unknown path), if so."""
    delivery: Delivery | None = None
    """The latency and connection faults scripted for this answer, if any."""
    notes: list[str] = field(default_factory=list)
    """Why the scripted answer is one the real API could not have given, if so."""

    @property
    def body(self) -> Any:
        """The parsed request body."""
        return self.request.body

    @property
    def valid(self) -> bool:
        """Whether the request passed validation."""
        return not self.problems

    def describe(self) -> str:
        """A one-line summary: method, path, model and outcome."""
        model = self.request.model
        extra = f" model={model!r}" if model else ""
        return f"#{self.index} {self.method} {self.path}{extra} -> {self.status}"


class EventLog(Sequence[Any]):
    """The events of a streamed answer as they were sent: each `data` payload, parsed as JSON when it is JSON.

    Events are kept raw while they stream and parsed when first read, so logging costs the stream nothing.
    """

    def __init__(self) -> None:
        self._raw: list[str] = []
        self._parsed: dict[int, Any] = {}

    def add(self, event: SseEvent) -> None:
        """Log one event (called as it is sent)."""
        self._raw.append(event.data)

    def __len__(self) -> int:
        return len(self._raw)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._raw)))]
        position = index + len(self._raw) if index < 0 else index
        if position not in self._parsed:
            data = self._raw[position]
            try:
                self._parsed[position] = json.loads(data)
            except ValueError:
                self._parsed[position] = data
        return self._parsed[position]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


class CallList(list[Call[R]]):
    """A list of calls with the assertion vocabulary of `unittest.mock`."""

    @property
    def last(self) -> Call[R]:
        """The most recent call; fails clearly if there is none."""
        if not self:
            raise AssertionError("Expected at least one call, but there were none.")
        return self[-1]

    @property
    def call_count(self) -> int:
        """How many calls there were."""
        return len(self)

    @property
    def called(self) -> bool:
        """Whether there was at least one call."""
        return bool(self)

    @property
    def requests(self) -> list[R]:
        """The request views of every call, in order."""
        return [call.request for call in self]

    def assert_called(self) -> None:
        """Fail unless there was at least one call."""
        if not self:
            raise AssertionError("Expected a call, but there were none.")

    def assert_called_once(self) -> None:
        """Fail unless there was exactly one call."""
        if len(self) != 1:
            raise AssertionError(f"Expected exactly one call, but there were {len(self)}.{_summary(self)}")

    def assert_not_called(self) -> None:
        """Fail if there was any call."""
        if self:
            raise AssertionError(f"Expected no call, but there were {len(self)}.{_summary(self)}")

    def assert_called_with(self, **fields: Any) -> None:
        """Fail unless the last call's body has these top-level fields with these values."""
        call = self.last
        differences = _differences(call.body, fields)
        if differences:
            raise AssertionError(
                f"The last call ({call.describe()}) differs from what was expected:\n" + "\n".join(differences)
            )

    def assert_called_once_with(self, **fields: Any) -> None:
        """Fail unless there was exactly one call and its body has these fields with these values."""
        self.assert_called_once()
        self.assert_called_with(**fields)

    def assert_any_call(self, **fields: Any) -> None:
        """Fail unless some call's body has these top-level fields with these values."""
        if not any(not _differences(call.body, fields) for call in self):
            raise AssertionError(f"No call has {fields!r}.{_summary(self)}")


def _differences(body: Any, fields: Mapping[str, Any]) -> list[str]:
    if not isinstance(body, Mapping):
        return [f"  the body is not a JSON object: {body!r}"]
    missing = object()
    lines = []
    for key, expected in fields.items():
        actual = body.get(key, missing)
        if actual is missing:
            lines.append(f"  {key}: expected {expected!r}, but it was not sent")
        elif actual != expected:
            lines.append(f"  {key}: expected {expected!r}, got {actual!r}")
    return lines


def _summary(calls: Iterable[Call[Any]]) -> str:
    lines = [f"\n  {call.describe()}" for call in calls]
    return "".join(lines[:20])


class Journal:
    """Every call the fake received since the last reset; safe to use from any thread."""

    def __init__(self) -> None:
        self._calls: list[Call[Any]] = []
        self._lock = threading.Lock()

    def add(self, call: Call[Any]) -> Call[Any]:
        """Append a call, giving it its index."""
        with self._lock:
            call.index = len(self._calls)
            self._calls.append(call)
        return call

    def next_index(self) -> int:
        """The index the next call will get."""
        return len(self._calls)

    def all(self) -> CallList[Any]:
        """A snapshot of every call, in order."""
        with self._lock:
            return CallList(self._calls)

    def of(self, operations: frozenset[str] | None) -> CallList[Any]:
        """A snapshot of the calls to these operations (all calls for None)."""
        with self._lock:
            if operations is None:
                return CallList(self._calls)
            return CallList(c for c in self._calls if c.operation in operations)

    def clear(self) -> None:
        """Forget every call."""
        with self._lock:
            self._calls.clear()
