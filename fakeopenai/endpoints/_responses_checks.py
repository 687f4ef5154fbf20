"""The checks the real Responses API makes beyond its JSON schema, and the answers it could not give."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .._app.views import RequestView
from .._scripting.script import Message
from .._validation.bodies import Problem
from ._responses_reasoning import is_reasoning_model
from ._responses_request import ResponsesRequest, content_text, item_type
from ._strict_schemas import schema_errors, strict_violation

_CHOICE_TYPES_WITH_NAMES = ("function", "custom")


def problem(message: str, param: str | None, code: str | None = None) -> Problem:
    """A `Problem` whose JSON path follows its param."""
    json_path = "$" if param is None else "$." + param
    return Problem(message=message, param=param, code=code, json_path=json_path)


def check_responses_request(view: RequestView) -> list[Problem]:
    """Every semantic problem of a Responses request body, in the order the API reports them."""
    assert isinstance(view, ResponsesRequest)
    for check in (_check_model, _check_tool_choice, _check_reasoning, _check_strict_schemas, _check_json_word):
        found = check(view)
        if found:
            return [found]
    return []


def _check_model(view: ResponsesRequest) -> Problem | None:
    if view.get("model") is None and view.get("prompt") is None:
        return problem("Missing required parameter: 'model'.", "model", "missing_required_parameter")
    return None


def _check_tool_choice(view: ResponsesRequest) -> Problem | None:
    choice = view.tool_choice
    if not isinstance(choice, dict):
        return None
    kind = choice.get("type")
    if kind in _CHOICE_TYPES_WITH_NAMES:
        found = any(t.get("type") == kind and t.get("name") == choice.get("name") for t in view.tools)
    elif kind in ("allowed_tools", "mcp", "programmatic_tool_calling"):
        return None
    else:
        found = any(t.get("type") == kind for t in view.tools)
    if found:
        return None
    return problem(f"Tool choice '{kind}' not found in 'tools' parameter.", "tool_choice")


def _check_reasoning(view: ResponsesRequest) -> Problem | None:
    if (view.reasoning or {}).get("effort") is not None and not is_reasoning_model(view.model):
        return problem(
            "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
            "reasoning.effort",
            "unsupported_parameter",
        )
    return None


def _check_strict_schemas(view: ResponsesRequest) -> Problem | None:
    text_format = view.text_format or {}
    if text_format.get("type") == "json_schema" and text_format.get("strict") is True:
        reason = strict_violation(text_format.get("schema") or {})
        if reason is not None:
            return problem(
                f"Invalid schema for response_format '{text_format.get('name')}': {reason}",
                "text.format.schema",
                "invalid_json_schema",
            )
    for index, tool in enumerate(view.tools):
        if tool.get("type") == "function" and tool.get("strict") is True:
            reason = strict_violation(tool.get("parameters") or {})
            if reason is not None:
                return problem(
                    f"Invalid schema for function '{tool.get('name')}': {reason}",
                    f"tools[{index}].parameters",
                    "invalid_function_parameters",
                )
    return None


def _check_json_word(view: ResponsesRequest) -> Problem | None:
    if (view.text_format or {}).get("type") != "json_object" or view.previous_response_id is not None:
        return None
    text = " ".join(
        content_text(item.get("content")) for item in view.input_items if item_type(item) == "message"
    ).lower()
    if "json" in text:
        return None
    return problem(
        "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.",
        "input",
    )


def check_conversation(items: Sequence[Mapping[str, Any]]) -> Problem | None:
    """Whether every tool output answers an earlier call, and every call has its output."""
    answered: dict[str, bool] = {}
    for item in items:
        kind = item_type(item)
        call_id = str(item.get("call_id"))
        if kind == "function_call":
            answered.setdefault(call_id, False)
        elif kind == "function_call_output":
            if call_id not in answered:
                return problem(f"No tool call found for function call output with call_id {call_id}.", "input")
            answered[call_id] = True
    for call_id, done in answered.items():
        if not done:
            return problem(f"No tool output found for function call {call_id}.", "input")
    return None


def impossible_answer(view: ResponsesRequest, turn: Message) -> list[str]:
    """Why the real API could not have given this scripted turn for this request; [] if it could."""
    return list(_impossibilities(view, turn))


def _forces_a_call(choice: Any) -> bool:
    if choice == "required":
        return True
    if not isinstance(choice, dict):
        return False
    return choice.get("type") in _CHOICE_TYPES_WITH_NAMES or (
        choice.get("type") == "allowed_tools" and choice.get("mode") == "required"
    )


def _impossibilities(view: ResponsesRequest, turn: Message) -> Iterator[str]:
    functions = {tool["name"]: tool for tool in view.functions}
    choice = view.tool_choice
    if turn.tool_calls and choice == "none":
        yield "it calls a tool although the request says tool_choice='none'"
    if not turn.tool_calls and _forces_a_call(choice):
        yield f"it calls no tool although the request says tool_choice={json.dumps(choice)}"
    if isinstance(choice, dict) and choice.get("type") == "function":
        for call in turn.tool_calls:
            if call.name != choice.get("name"):
                yield f"it calls {call.name!r} although tool_choice forces {choice.get('name')!r}"
    if len(turn.tool_calls) > 1 and view.get("parallel_tool_calls") is False:
        yield "it calls several tools although the request says parallel_tool_calls=false"
    for call in turn.tool_calls:
        function = functions.get(call.name)
        if function is None:
            offered = ", ".join(repr(name) for name in functions) or "none"
            yield f"it calls {call.name!r}, but the request offers no such function (offered: {offered})"
        elif function.get("strict") is True:
            for why in schema_errors(call.arguments_json(), function):
                yield f"the arguments of {call.name!r} {why}"
    text_format = view.text_format or {}
    if turn.content is not None and text_format.get("type") == "json_schema" and text_format.get("strict") is True:
        for why in schema_errors(turn.content, {"parameters": text_format.get("schema")}):
            yield f"its text {why}"
