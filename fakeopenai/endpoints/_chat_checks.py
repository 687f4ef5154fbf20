"""The checks the real chat completions API makes beyond its JSON schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._app.views import ChatRequest, RequestView
from .._scripting.script import Message
from .._validation.bodies import Problem
from ._strict_schemas import schema_errors, strict_violation


def _problem(message: str, param: str | None, code: str | None = None) -> Problem:
    json_path = "$" if param is None else "$." + param.replace(".[", "[")
    return Problem(message=message, param=param, code=code, json_path=json_path)


_OPTIONS = frozenset({"stream_options", "tools", "tool_choice", "parallel_tool_calls", "response_format"})
"""The parameters `_check_options` and `_check_strict_schemas` read: a request with none of them passes both."""


def check_chat_request(view: RequestView) -> list[Problem]:
    """Every semantic problem of a chat completions request, in the order the API reports them."""
    assert isinstance(view, ChatRequest)
    problems = _check_tool_messages(view.messages)
    if _OPTIONS.isdisjoint(view.body):
        return problems
    problems += _check_options(view)
    problems += _check_strict_schemas(view)
    return problems


def _check_tool_messages(messages: list[Any]) -> list[Problem]:
    asked: set[str] = set()
    pending: dict[str, None] = {}
    asked_at = -1
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role != "tool" and not pending and (role != "assistant" or not message.get("tool_calls")):
            asked_at = -1  # a message that neither answers nor asks: any earlier calls were answered
            continue
        if role == "tool":
            call_id = message.get("tool_call_id")
            if asked_at < 0:
                return [
                    _problem(
                        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
                        f"messages.[{index}].role",
                    )
                ]
            if call_id not in asked:
                return [
                    _problem(
                        f"Invalid parameter: 'tool_call_id' of '{call_id}' not found in 'tool_calls' of previous message.",
                        f"messages.[{index}].tool_call_id",
                    )
                ]
            pending.pop(str(call_id), None)
            continue
        if pending:
            return [_unanswered(asked_at, pending)]
        calls = message.get("tool_calls") if role == "assistant" else None
        ids = [str(c.get("id")) for c in calls or [] if isinstance(c, dict)]
        asked, pending, asked_at = set(ids), dict.fromkeys(ids), index if ids else -1
    if pending:
        return [_unanswered(asked_at, pending)]
    return []


def _unanswered(index: int, pending: Mapping[str, None]) -> Problem:
    return _problem(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "
        f"The following tool_call_ids did not have response messages: {', '.join(pending)}",
        f"messages.[{index}].role",
    )


def _check_options(view: ChatRequest) -> list[Problem]:
    body = view.body
    if "stream_options" in body and body.get("stream_options") is not None and not view.stream:
        return [_problem("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options")]
    if not view.tools:
        for name in ("tool_choice", "parallel_tool_calls"):
            if body.get(name) is not None:
                return [
                    _problem(f"Invalid value for '{name}': '{name}' is only allowed when 'tools' are specified.", name)
                ]
    choice = view.tool_choice
    if isinstance(choice, dict) and choice.get("type") == "function":
        chosen = (choice.get("function") or {}).get("name")
        if chosen not in view.tool_names:
            return [
                _problem(
                    f"Invalid value for 'tool_choice': function '{chosen}' is not one of the 'tools'.", "tool_choice"
                )
            ]
    response_format = view.response_format or {}
    if response_format.get("type") == "json_object":
        text = " ".join(str(m.get("content", "")) for m in view.messages if isinstance(m, dict))
        if "json" not in text.lower():
            return [
                _problem(
                    "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
                    "messages",
                )
            ]
    return []


def _check_strict_schemas(view: ChatRequest) -> list[Problem]:
    response_format = view.response_format or {}
    json_schema = response_format.get("json_schema")
    if response_format.get("type") == "json_schema" and isinstance(json_schema, dict) and json_schema.get("strict"):
        reason = strict_violation(json_schema.get("schema") or {})
        if reason is not None:
            return [
                _problem(
                    f"Invalid schema for response_format '{json_schema.get('name')}': {reason}",
                    "response_format",
                    "invalid_json_schema",
                )
            ]
    for index, tool in enumerate(view.tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and function.get("strict"):
            reason = strict_violation(function.get("parameters") or {})
            if reason is not None:
                return [
                    _problem(
                        f"Invalid schema for function '{function.get('name')}': {reason}",
                        f"tools[{index}].function.parameters",
                        "invalid_function_parameters",
                    )
                ]
    return []


def impossible_answer(view: ChatRequest, turn: Message) -> list[str]:
    """Why the real API could not have given this scripted turn for this request; [] if it could."""
    reasons = []
    if turn.tool_calls and view.tool_choice == "none":
        reasons.append("it calls a tool although the request says tool_choice='none'")
    functions = (
        {
            t["function"].get("name"): t["function"]
            for t in view.tools
            if isinstance(t, dict) and isinstance(t.get("function"), dict)
        }
        if turn.tool_calls
        else {}
    )
    for call in turn.tool_calls:
        function = functions.get(call.name)
        if function is None:
            offered = ", ".join(repr(name) for name in functions) or "none"
            reasons.append(f"it calls {call.name!r}, but the request offers no such tool (offered: {offered})")
        elif function.get("strict"):
            reasons += [
                f"the arguments of {call.name!r} {why}" for why in schema_errors(call.arguments_json(), function)
            ]
    response_format = view.response_format or {}
    json_schema = response_format.get("json_schema")
    if turn.content is not None and isinstance(json_schema, dict) and json_schema.get("strict"):
        reasons += [
            f"its content {why}" for why in schema_errors(turn.content, {"parameters": json_schema.get("schema")})
        ]
    return reasons
