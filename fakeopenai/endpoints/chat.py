"""Chat completions: `POST /v1/chat/completions`.

With nothing scripted, the simulator answers deterministically: the same
request always gets the same answer. It calls a tool when `tool_choice` forces
one (`required` or a named function), or when tools are offered with `auto`
and the last message is the user's; its arguments, and any `json_schema`
structured output, are generated to validate against their schema.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._app.responses import Response
from .._app.state import Context
from .._app.views import ChatRequest
from .._scripting.script import Fault, Message, ToolCall
from .._simulation.fabricate import fabricate_json, fabricate_text
from .._simulation.tokens import count_tokens, truncate_to_tokens
from ._chat_checks import check_chat_request, impossible_answer
from ._chat_wire import ChatRenderer
from ._route import Route

OPERATION = "chat.completions.create"


def _choices(request: ChatRequest) -> int:
    n = request.get("n")
    return n if isinstance(n, int) and n > 0 else 1


def scripted(ctx: Context) -> Response | None:
    """The scripted answer for this request, if one matches."""
    entry = ctx.state.scripts.take(OPERATION, ctx.request)
    if entry is None:
        return None
    answer = entry.answer
    if isinstance(answer, Fault):
        return answer.to_error()
    reasons = impossible_answer(ctx.request, answer)
    if reasons:
        ctx.call.notes += [f"{entry.origin}: {why}" for why in reasons]
    return ChatRenderer(ctx, ctx.request, [answer] * _choices(ctx.request)).response()


def simulated(ctx: Context) -> Response:
    """The simulator's deterministic answer."""
    request: ChatRequest = ctx.request
    seed = json.dumps({k: v for k, v in request.body.items() if k not in ("stream", "stream_options")}, sort_keys=True)
    turns = [simulate_turn(request, f"{seed}|{index}") for index in range(_choices(request))]
    return ChatRenderer(ctx, request, turns).response()


def simulate_turn(request: ChatRequest, seed: str) -> Message:
    """One deterministic assistant turn for `request`."""
    tool = _tool_to_call(request)
    if tool is not None:
        parameters = tool.get("parameters") or {"type": "object", "properties": {}}
        return Message(tool_calls=(ToolCall(str(tool.get("name")), fabricate_json(parameters, seed)),))
    response_format = request.response_format or {}
    kind = response_format.get("type")
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {"type": "object"}
        return Message(content=json.dumps(fabricate_json(schema, seed)))
    if kind == "json_object":
        return Message(content=json.dumps({"answer": fabricate_text(seed)}))
    limit = _max_tokens(request)
    text = fabricate_text(seed)
    if limit is not None and count_tokens(text) > limit:
        return Message(content=truncate_to_tokens(text, limit), finish_reason="length")
    return Message(content=text)


def _max_tokens(request: ChatRequest) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = request.get(key)
        if isinstance(value, int):
            return value
    return None


def _tool_to_call(request: ChatRequest) -> Mapping[str, Any] | None:
    functions: list[Mapping[str, Any]] = [
        t["function"] for t in request.tools if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)
    ]
    if not functions:
        return None
    choice = request.tool_choice
    if isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name")
        return next((f for f in functions if f.get("name") == name), None)
    if choice == "none":
        return None
    if choice == "required":
        return functions[0]
    last = request.last_message
    return functions[0] if last.get("role") == "user" else None


ROUTES = [
    Route(
        method="POST",
        rule="/v1/chat/completions",
        operation=OPERATION,
        simulate=simulated,
        script=scripted,
        check=check_chat_request,
        view=ChatRequest,
        model_turn=True,
    )
]
