"""Responses on the wire: the `response` object, its output items and its usage."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._app.state import State
from .._scripting.script import Message, ToolCall
from .._simulation.fabricate import fabricate_text
from .._simulation.tokens import count_tokens, split_into_chunks
from ._chat_wire import token_logprob
from ._responses_reasoning import effort, reasoning_echo, reasoning_tokens, summary_asked
from ._responses_request import ResponsesRequest, content_text, item_type

Piece = tuple[str, list[dict[str, Any]]]
"""A streamed piece of text, with the logprobs of its tokens."""

_LOGPROBS = "message.output_text.logprobs"
_ENCRYPTED_REASONING = "reasoning.encrypted_content"
_INCOMPLETE_REASONS = {"length": "max_output_tokens", "content_filter": "content_filter"}


def hex_id(state: State, prefix: str, seed: str = "") -> str:
    """An id of the API's shape for responses and their items: `resp_` and 48 hex digits."""
    return prefix + hashlib.sha256(state.new_id(prefix, seed).encode()).hexdigest()[:48]


@dataclass
class Rendered:
    """A finished response and how its text is cut when streamed."""

    body: dict[str, Any]
    """The `response` object."""
    pieces: dict[tuple[int, int], list[Piece]] = field(default_factory=dict)
    """The stream deltas of each text part, by (output_index, content_index)."""


def render(
    state: State,
    request: ResponsesRequest,
    turn: Message,
    *,
    response_id: str,
    created_at: int,
) -> Rendered:
    """The finished response to `request` whose model turn is `turn`."""
    rendered = Rendered({})
    incomplete = _INCOMPLETE_REASONS.get(turn.finish_reason or "")
    output: list[dict[str, Any]] = []
    if effort(request) not in (None, "none"):
        output.append(_reasoning_item(state, request, response_id))
    if turn.content or turn.refusal is not None or not (incomplete or turn.tool_calls):
        output.append(_message_item(state, request, turn, len(output), rendered, incomplete=incomplete is not None))
    output += [_function_call_item(state, call) for call in turn.tool_calls]
    rendered.body = response_object(
        request,
        response_id=response_id,
        created_at=created_at,
        status="incomplete" if incomplete else "completed",
        output=output,
        usage=usage(request, output),
        incomplete_details={"reason": incomplete} if incomplete else None,
        completed_at=None if incomplete else created_at,
    )
    return rendered


def failed(request: ResponsesRequest, *, response_id: str, created_at: int, code: str, message: str) -> Rendered:
    """A response that failed before the model produced anything."""
    body = response_object(
        request,
        response_id=response_id,
        created_at=created_at,
        status="failed",
        output=[],
        usage=None,
        error={"code": code, "message": message},
    )
    return Rendered(body)


def response_object(
    request: ResponsesRequest,
    *,
    response_id: str,
    created_at: int,
    status: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None,
    error: dict[str, Any] | None = None,
    incomplete_details: dict[str, Any] | None = None,
    completed_at: int | None = None,
) -> dict[str, Any]:
    """The `response` object, echoing the request's settings as the API does."""
    body = request.body

    def given(name: str, default: Any = None) -> Any:
        value = body.get(name)
        return default if value is None else value

    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": request.background,
        "completed_at": completed_at,
        "error": error,
        "incomplete_details": incomplete_details,
        "instructions": given("instructions"),
        "max_output_tokens": given("max_output_tokens"),
        "max_tool_calls": given("max_tool_calls"),
        "model": request.model or "gpt-4o",
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
        "previous_response_id": request.previous_response_id,
        "prompt_cache_key": given("prompt_cache_key"),
        "reasoning": reasoning_echo(request),
        "safety_identifier": given("safety_identifier"),
        "service_tier": _service_tier(given("service_tier", "auto")),
        "store": request.store,
        "temperature": given("temperature", 1.0),
        "text": _text_echo(request),
        "tool_choice": given("tool_choice", "auto"),
        "tools": [_tool_echo(tool) for tool in request.tools],
        "top_logprobs": given("top_logprobs", 0),
        "top_p": given("top_p", 1.0),
        "truncation": given("truncation", "disabled"),
        "usage": usage,
        "user": given("user"),
        "metadata": given("metadata", {}),
    }


def _service_tier(asked: str) -> str:
    return {"auto": "default", "fast": "priority"}.get(asked, asked)


def _text_echo(request: ResponsesRequest) -> dict[str, Any]:
    text = request.get("text")
    verbosity = text.get("verbosity") if isinstance(text, Mapping) else None
    text_format = request.text_format or {"type": "text"}
    if text_format.get("type") == "json_schema":
        text_format = {
            "type": "json_schema",
            "description": text_format.get("description"),
            "name": text_format.get("name"),
            "schema": text_format.get("schema"),
            "strict": text_format.get("strict") is True,
        }
    return {"format": text_format, "verbosity": verbosity or "medium"}


def _tool_echo(tool: dict[str, Any]) -> dict[str, Any]:
    if tool.get("type") != "function":
        return tool
    return {
        "type": "function",
        "description": None,
        "parameters": None,
        **tool,
        "strict": tool.get("strict") is not False,
    }


def usage(request: ResponsesRequest, output: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The `usage` object: what the conversation, the tools and the output cost."""
    prompt = input_tokens(request)
    reasoning = reasoning_tokens(request) if any(item["type"] == "reasoning" for item in output) else 0
    limit = request.get("max_output_tokens")
    if isinstance(limit, int):
        reasoning = min(reasoning, limit)
    completion = reasoning + sum(_item_tokens(item) for item in output if item["type"] != "reasoning")
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": prompt + completion,
    }


def input_tokens(request: ResponsesRequest) -> int:
    """Tokens the input costs: instructions, every item of the conversation, and the tool definitions."""
    total = count_tokens(request.instructions) + sum(3 + _item_tokens(item) for item in request.conversation)
    if request.tools:
        total += count_tokens(json.dumps(request.tools))
    return total


def _item_tokens(item: Mapping[str, Any]) -> int:
    kind = item_type(item)
    if kind == "message":
        content = item.get("content")
        refusals = (
            [p.get("refusal", "") for p in content if isinstance(p, Mapping)] if isinstance(content, list) else []
        )
        return count_tokens(content_text(content)) + sum(count_tokens(str(r)) for r in refusals)
    if kind == "function_call":
        return count_tokens(str(item.get("name"))) + count_tokens(str(item.get("arguments"))) + 3
    if kind == "function_call_output":
        return count_tokens(content_text(item.get("output")))
    return count_tokens(json.dumps(item))


def _reasoning_item(state: State, request: ResponsesRequest, response_id: str) -> dict[str, Any]:
    item: dict[str, Any] = {"id": hex_id(state, "rs_", response_id), "type": "reasoning", "summary": []}
    if summary_asked(request):
        item["summary"] = [{"type": "summary_text", "text": fabricate_text(f"{response_id}|summary")}]
    if _ENCRYPTED_REASONING in (request.get("include") or []):
        digest = hashlib.sha256(item["id"].encode()).digest()
        item["encrypted_content"] = "gAAAAA" + base64.urlsafe_b64encode(digest * 2).decode()
    return item


def _message_item(
    state: State, request: ResponsesRequest, turn: Message, index: int, rendered: Rendered, *, incomplete: bool
) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if turn.content is not None or turn.refusal is None:
        text = turn.content or ""
        logprobs: list[dict[str, Any]] = []
        if turn.chunks is not None or _LOGPROBS in (request.get("include") or []):
            # Else a stream (if any: most answers are never streamed) cuts the text itself, as `_part_events` does.
            pieces = _pieces(request, list(turn.chunks) if turn.chunks is not None else split_into_chunks(text))
            rendered.pieces[(index, 0)] = pieces
            logprobs = [entry for _, entries in pieces for entry in entries]
        content.append({"type": "output_text", "annotations": [], "logprobs": logprobs, "text": text})
    if turn.refusal is not None:
        content.append({"type": "refusal", "refusal": turn.refusal})
    return {
        "id": hex_id(state, "msg_", request.model or ""),
        "type": "message",
        "status": "incomplete" if incomplete else "completed",
        "content": content,
        "role": "assistant",
    }


def _function_call_item(state: State, call: ToolCall) -> dict[str, Any]:
    return {
        "id": hex_id(state, "fc_", call.name),
        "type": "function_call",
        "status": "completed",
        "arguments": call.arguments_json(),
        "call_id": call.id or state.new_id("call_", call.name),
        "name": call.name,
    }


def _pieces(request: ResponsesRequest, pieces: list[str]) -> list[Piece]:
    """Each piece with the logprobs of its tokens, when the request asks for them."""
    if _LOGPROBS not in (request.get("include") or []):
        return [(piece, []) for piece in pieces]
    top = request.get("top_logprobs")
    position = 0
    result = []
    for piece in pieces:
        entries = []
        for token in split_into_chunks(piece):
            entries.append(token_logprob(token, position, top if isinstance(top, int) else 0))
            position += 1
        result.append((piece, entries))
    return result
