"""The scripting vocabulary: `respond_with_message`, `respond_with_tool_call`, … and `calls`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from typing_extensions import TypedDict, Unpack

from .._app.delivery import Delivery
from .._app.journal import CallList
from .._app.state import State
from .._app.views import RequestView
from .script import Answer, Fault, Match, Message, Scripted, ToolCall, as_answer, caller_origin

R = TypeVar("R", bound=RequestView)


class ScriptOptions(TypedDict, total=False):
    """Which requests an answer applies to, and how often it answers."""

    model: str
    """Only requests for this model."""
    user_message: str | re.Pattern[str]
    """Only requests whose last user message contains this text (or matches this regex)."""
    tool: str
    """Only requests that offer a tool of this name."""
    when: Callable[[Any], bool]
    """Only requests for which this predicate on the request view is true."""
    times: int
    """Answer this many matching requests (default 1), then step aside."""
    always: bool
    """Answer every matching request, for the whole test."""
    rate: float
    """Answer only this share of matching requests (0 < rate <= 1), chosen by a seeded die."""
    seed: int
    """Seed of the die `rate` throws (default 0), so a run repeats exactly."""
    delay: float
    """Seconds before the first byte of the answer."""
    event_delay: float
    """Seconds between stream events."""
    cut_after: int
    """Drop the connection after this many stream events (no `[DONE]`)."""
    stall_after: int
    """Stop a stream after this many events and hold the connection open (until `stall_for` or a reset)."""
    stall_for: float
    """How long a stall lasts before the connection drops (default 60 s)."""
    malformed_after: int
    """Send an event that is not valid JSON after this many stream events."""
    bytes_per_second: int
    """Send a non-streamed body this slowly."""


_DELIVERY_OPTIONS = (
    "delay",
    "event_delay",
    "cut_after",
    "stall_after",
    "stall_for",
    "malformed_after",
    "bytes_per_second",
)


def _delivery(options: Mapping[str, Any], drop: bool) -> Delivery | None:
    """The delivery the options ask for, or None for a plain, immediate answer."""
    chosen: dict[str, Any] = {name: options[name] for name in _DELIVERY_OPTIONS if name in options}
    if drop:
        chosen["drop"] = True
    return Delivery(**chosen) if chosen else None


class Scripting(Generic[R]):
    """Script the answers of some operations and read the calls made to them."""

    def __init__(self, state: State, operations: frozenset[str] | None) -> None:
        self._state = state
        self._operations = operations

    @property
    def calls(self) -> CallList[R]:
        """The calls made so far, oldest first."""
        return self._state.journal.of(self._operations)

    def respond_with(self, *answers: Answer | str | ToolCall, **options: Unpack[ScriptOptions]) -> None:
        """Queue answers, one per matching request, in order.

        A string is a message, a `ToolCall` a turn with that one call; `Message`
        and `Fault` give full control.
        """
        if not answers:
            raise TypeError("respond_with() needs at least one answer.")
        self._register(answers, options)

    def _register(
        self, answers: tuple[Answer | str | ToolCall, ...], options: ScriptOptions, drop: bool = False
    ) -> None:
        unknown = sorted(set(options) - set(ScriptOptions.__annotations__))
        if unknown:
            known = ", ".join(ScriptOptions.__annotations__)
            raise TypeError(f"Unknown script option(s): {', '.join(unknown)}. The options are: {known}.")
        origin = caller_origin()
        match = Match(
            model=options.get("model"),
            user_message=options.get("user_message"),
            tool=options.get("tool"),
            when=options.get("when"),
        )
        times = None if options.get("always") else options.get("times", 1)
        if times is not None and times < 1:
            raise ValueError("times must be at least 1; use always=True to answer every request.")
        delivery = _delivery(options, drop)
        for answer in answers:
            entry = Scripted(
                as_answer(answer),
                self._operations,
                match,
                times,
                origin,
                delivery=delivery,
                rate=options.get("rate"),
                seed=options.get("seed", 0),
            )
            self._state.scripts.add(entry)

    def respond_with_message(
        self,
        content: str,
        *,
        chunks: list[str] | None = None,
        finish_reason: str | None = None,
        **options: Unpack[ScriptOptions],
    ) -> None:
        """Answer with an assistant message; `chunks` chooses how a stream cuts it."""
        message = Message(
            content=content, chunks=tuple(chunks) if chunks is not None else None, finish_reason=finish_reason
        )
        self.respond_with(message, **options)

    def respond_with_tool_call(
        self,
        name: str,
        arguments: Mapping[str, Any] | str | None = None,
        *,
        id: str | None = None,  # noqa: A002
        **options: Unpack[ScriptOptions],
    ) -> None:
        """Answer with one call to the function tool `name`."""
        self.respond_with(
            Message(tool_calls=(ToolCall(name, arguments if arguments is not None else {}, id),)), **options
        )

    def respond_with_tool_calls(
        self, *calls: ToolCall | tuple[str, Mapping[str, Any]], **options: Unpack[ScriptOptions]
    ) -> None:
        """Answer with parallel tool calls: `ToolCall`s or `(name, arguments)` pairs."""
        resolved = tuple(call if isinstance(call, ToolCall) else ToolCall(call[0], call[1]) for call in calls)
        if not resolved:
            raise TypeError("respond_with_tool_calls() needs at least one call.")
        self.respond_with(Message(tool_calls=resolved), **options)

    def respond_with_json(self, value: Any, **options: Unpack[ScriptOptions]) -> None:
        """Answer with a structured output: `value` serialized as the message content."""
        self.respond_with(Message(content=json.dumps(value)), **options)

    def respond_with_refusal(self, text: str, **options: Unpack[ScriptOptions]) -> None:
        """Answer with a refusal, as a model declining a structured-output request does."""
        self.respond_with(Message(refusal=text), **options)

    def respond_with_dropped_connection(self, **options: Unpack[ScriptOptions]) -> None:
        """Close the connection without answering, as a failing proxy or network does."""
        self._register((Fault(502, "The connection was dropped."),), options, drop=True)

    def respond_with_error(
        self,
        status: int,
        message: str | None = None,
        *,
        type: str | None = None,  # noqa: A002
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
        **options: Unpack[ScriptOptions],
    ) -> None:
        """Answer with an HTTP error in the real API's shape (e.g. 429 with `Retry-After`)."""
        fault = Fault(status, message, type=type, code=code, param=param, headers=dict(headers or {}))
        self.respond_with(fault, **options)
