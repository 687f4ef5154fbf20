"""One simulated model turn, from what a request asks of it, whatever the endpoint.

Nothing here knows a wire format: an endpoint describes its request as a
`TurnAsk` and renders the `Message` it gets back. Chat completions could
share it by building a `TurnAsk` from its messages, tools and
`response_format`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._scripting.script import Message, ToolCall
from .._simulation.fabricate import fabricate_json, fabricate_text
from .._simulation.tokens import count_tokens, truncate_to_tokens


@dataclass(frozen=True)
class TurnAsk:
    """What a request asks of the model's next turn."""

    functions: tuple[Mapping[str, Any], ...] = ()
    """The function tools offered, each with a `name` and its `parameters` schema."""
    choice: str = "auto"
    """`auto`, `none` or `required`."""
    forced: str | None = None
    """The name of the one function the request forces, if any."""
    user_turn: bool = True
    """Whether the model answers the user rather than a tool result: with `auto`, it calls a tool only then."""
    json_schema: Mapping[str, Any] | None = None
    """The schema a structured output must follow, if one is asked for."""
    json_object: bool = False
    """Whether any JSON object is asked for."""
    max_tokens: int | None = None
    """How many tokens the text may take; longer text is cut, and the turn ends with `length`."""


def simulate_turn(ask: TurnAsk, seed: str) -> Message:
    """One deterministic turn for `ask`: the same ask and seed always give the same turn.

    A forced function is called, and with `auto` the first function when the
    model answers the user; arguments and structured outputs are generated to
    validate against their schemas.
    """
    function = _function_to_call(ask)
    if function is not None:
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        return Message(tool_calls=(ToolCall(str(function.get("name")), fabricate_json(parameters, seed)),))
    if ask.json_schema is not None:
        return Message(content=json.dumps(fabricate_json(ask.json_schema, seed)))
    if ask.json_object:
        return Message(content=json.dumps({"answer": fabricate_text(seed)}))
    text = fabricate_text(seed)
    if ask.max_tokens is not None and count_tokens(text) > ask.max_tokens:
        return Message(content=truncate_to_tokens(text, ask.max_tokens), finish_reason="length")
    return Message(content=text)


def _function_to_call(ask: TurnAsk) -> Mapping[str, Any] | None:
    if not ask.functions:
        return None
    if ask.forced is not None:
        return next((f for f in ask.functions if f.get("name") == ask.forced), None)
    if ask.choice == "none":
        return None
    if ask.choice == "required" or ask.user_turn:
        return ask.functions[0]
    return None
