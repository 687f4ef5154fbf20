"""Chat completions on the wire: a complete `chat.completion`, or its stream of chunks."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any

from .._app.responses import EventStream, JsonResponse, Response, SseEvent, compact_json
from .._app.state import Context
from .._app.views import ChatRequest
from .._scripting.script import Message, ToolCall
from .._simulation.tokens import count_tokens, split_into_chunks


@functools.lru_cache(maxsize=256)
def fingerprint(model: str) -> str:
    """A stable `system_fingerprint` for a model."""
    return "fp_" + hashlib.sha256(model.encode()).hexdigest()[:10]


def prompt_tokens(request: ChatRequest) -> int:
    """Tokens the prompt costs: message text plus a few per message, plus the tool definitions."""
    total = 3
    for message in request.messages:
        total += 3 + count_tokens(_as_json(message.get("content"))) if isinstance(message, dict) else 0
    if request.tools:
        total += count_tokens(json.dumps(request.tools))
    return total


def _as_json(value: Any) -> str:
    """`json.dumps(value)`; for a string, without `json.dumps`'s set-up, which costs more than the string."""
    return encode_basestring_ascii(value) if type(value) is str else json.dumps(value)


def completion_tokens(message: Message) -> int:
    """Tokens a turn costs: its text, refusal and tool-call arguments."""
    total = count_tokens(message.content or "") + count_tokens(message.refusal or "")
    for call in message.tool_calls:
        total += count_tokens(call.name) + count_tokens(call.arguments_json()) + 3
    return total


def token_logprob(token: str, position: int, top: int) -> dict[str, Any]:
    """A deterministic logprob entry for a token, with `top` alternatives (the token itself first)."""
    digest = hashlib.sha256(f"{token}|{position}".encode()).digest()
    logprob = -round(digest[0] / 255 * 2.0, 6)
    entry: dict[str, Any] = {"token": token, "logprob": logprob, "bytes": list(token.encode())}
    alternatives = [
        {"token": f"{token}{rank}", "logprob": round(logprob - rank, 6), "bytes": list(f"{token}{rank}".encode())}
        for rank in range(1, top)
    ]
    return {**entry, "top_logprobs": [dict(entry), *alternatives] if top else []}


class ChatRenderer:
    """Turns assistant turns into the wire format of one request."""

    def __init__(self, ctx: Context, request: ChatRequest, turns: Sequence[Message]) -> None:
        self.ctx = ctx
        self.request = request
        self.turns = turns
        self.model = request.model or "gpt-4o"
        self.id = ctx.state.new_id("chatcmpl-", self.model, 29)
        self.created = ctx.state.now()
        self.call_ids = [
            [call.id or ctx.state.new_id("call_", call.name) for call in turn.tool_calls] for turn in turns
        ]
        self.logprobs = request.get("logprobs") is True
        top = request.get("top_logprobs")
        self.top_logprobs = top if isinstance(top, int) else 0

    def response(self) -> Response:
        """The complete answer, or its stream if the client asked for one."""
        if self.request.stream:
            return EventStream(self._events())
        return JsonResponse(self.completion())

    def usage(self) -> dict[str, Any]:
        """The `usage` object of this answer."""
        prompt = prompt_tokens(self.request)
        completion = sum(completion_tokens(turn) for turn in self.turns)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def completion(self) -> dict[str, Any]:
        """The `chat.completion` object."""
        choices = []
        for index, turn in enumerate(self.turns):
            message: dict[str, Any] = {
                "role": "assistant",
                "content": turn.content,
                "refusal": turn.refusal,
                "annotations": [],
            }
            if turn.tool_calls:
                message["tool_calls"] = [
                    self._tool_call(call, call_id)
                    for call, call_id in zip(turn.tool_calls, self.call_ids[index], strict=True)
                ]
            choices.append(
                {
                    "index": index,
                    "message": message,
                    "logprobs": self._logprobs(split_into_chunks(turn.content or "")) if self.logprobs else None,
                    "finish_reason": turn.resolved_finish_reason,
                }
            )
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": choices,
            "usage": self.usage(),
            "service_tier": "default",
            "system_fingerprint": fingerprint(self.model),
        }

    @staticmethod
    def _tool_call(call: ToolCall, call_id: str) -> dict[str, Any]:
        return {"id": call_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments_json()}}

    def _logprobs(self, tokens: Sequence[str]) -> dict[str, Any]:
        return {
            "content": [token_logprob(token, position, self.top_logprobs) for position, token in enumerate(tokens)],
            "refusal": None,
        }

    def _chunk(self, choices: list[dict[str, Any]], *, usage: bool = False) -> SseEvent:
        chunk: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "service_tier": "default",
            "system_fingerprint": fingerprint(self.model),
            "choices": choices,
        }
        if self.include_usage:
            chunk["usage"] = self.usage() if usage else None
        return SseEvent(compact_json(chunk))

    @property
    def include_usage(self) -> bool:
        """Whether the client asked for the final usage chunk."""
        options = self.request.get("stream_options")
        return isinstance(options, dict) and options.get("include_usage") is True

    def _events(self) -> Iterator[SseEvent]:
        for index, turn in enumerate(self.turns):
            yield from self._turn_events(index, turn)
        if self.include_usage:
            yield self._chunk([], usage=True)
        yield SseEvent("[DONE]")

    def _turn_events(self, index: int, turn: Message) -> Iterator[SseEvent]:
        def choice(delta: dict[str, Any], finish: str | None = None, logprobs: Any = None) -> list[dict[str, Any]]:
            return [{"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]

        first: dict[str, Any] = {
            "role": "assistant",
            "content": "" if turn.content is not None else None,
            "refusal": None,
        }
        calls = list(zip(turn.tool_calls, self.call_ids[index], strict=True))
        if calls:
            first["tool_calls"] = [self._call_header(0, *calls[0])]
        yield self._chunk(choice(first))
        if turn.content:
            for piece in turn.chunks or split_into_chunks(turn.content):
                logprobs = self._logprobs([piece]) if self.logprobs else None
                yield self._chunk(choice({"content": piece}, logprobs=logprobs))
        if turn.refusal:
            for piece in split_into_chunks(turn.refusal):
                yield self._chunk(choice({"refusal": piece}))
        for position, (call, call_id) in enumerate(calls):
            if position:
                yield self._chunk(choice({"tool_calls": [self._call_header(position, call, call_id)]}))
            for fragment in split_into_chunks(call.arguments_json()):
                delta = {"tool_calls": [{"index": position, "function": {"arguments": fragment}}]}
                yield self._chunk(choice(delta))
        yield self._chunk(choice({}, turn.resolved_finish_reason))

    @staticmethod
    def _call_header(position: int, call: ToolCall, call_id: str) -> dict[str, Any]:
        return {"index": position, "id": call_id, "type": "function", "function": {"name": call.name, "arguments": ""}}
