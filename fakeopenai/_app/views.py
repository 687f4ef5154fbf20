"""Typed, read-only views of request bodies, for matching scripts and for assertions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def _text_of(content: Any) -> str:
    """The text of a message `content`: a string, or the text parts of a list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
        return "".join(parts)
    return ""


@dataclass(frozen=True)
class ToolResult:
    """A tool's answer that the client sent back to the model."""

    tool_call_id: str
    content: str
    name: str | None
    """The name of the tool that was called, found in the assistant message that asked for it."""

    def json(self) -> Any:
        """The content parsed as JSON."""
        return json.loads(self.content)


class RequestView:
    """A request body with conveniences; `view["key"]` and `view.body` reach the raw JSON."""

    __slots__ = ("body",)

    def __init__(self, body: Any) -> None:
        self.body: Any = body

    def __getitem__(self, key: str) -> Any:
        return self.body[key]

    def get(self, key: str, default: Any = None) -> Any:
        """A top-level field of the body, or `default`."""
        body = self.body
        if type(body) is dict or isinstance(body, Mapping):
            return body.get(key, default)
        return default

    def __contains__(self, key: object) -> bool:
        return isinstance(self.body, Mapping) and key in self.body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.body!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RequestView):
            return bool(self.body == other.body)
        return bool(self.body == other)

    __hash__ = None  # type: ignore[assignment]

    @property
    def model(self) -> str | None:
        """The `model` asked for."""
        value = self.get("model")
        return value if isinstance(value, str) else None

    @property
    def stream(self) -> bool:
        """Whether the client asked for a stream."""
        return self.get("stream") is True

    @property
    def last_user_message(self) -> str:
        """The text of the last user message ("" if none)."""
        return ""

    @property
    def tool_names(self) -> list[str]:
        """The names of the tools offered to the model."""
        return []


class ChatRequest(RequestView):
    """A chat completions request (`POST /v1/chat/completions`)."""

    __slots__ = ()

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages, as sent."""
        value = self.get("messages")
        return value if isinstance(value, list) else []

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tools offered, as sent (`[]` if none)."""
        value = self.get("tools")
        return value if isinstance(value, list) else []

    @property
    def tool_names(self) -> list[str]:
        """The names of the function tools offered."""
        names = []
        for tool in self.tools:
            function = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                names.append(function["name"])
            elif isinstance(tool, dict) and isinstance(tool.get("custom"), dict):
                names.append(str(tool["custom"].get("name")))
        return names

    @property
    def tool_choice(self) -> Any:
        """The `tool_choice` sent, or None."""
        return self.get("tool_choice")

    @property
    def system_prompt(self) -> str:
        """The text of the system and developer messages, joined by newlines."""
        return "\n".join(
            _text_of(m.get("content"))
            for m in self.messages
            if isinstance(m, dict) and m.get("role") in ("system", "developer")
        )

    @property
    def last_message(self) -> dict[str, Any]:
        """The last message sent."""
        return self.messages[-1] if self.messages else {}

    @property
    def last_user_message(self) -> str:
        """The text of the last user message ("" if none)."""
        for message in reversed(self.messages):
            if isinstance(message, dict) and message.get("role") == "user":
                return _text_of(message.get("content"))
        return ""

    @property
    def tool_results(self) -> list[ToolResult]:
        """Every `tool` message, with the name of the tool it answers."""
        names: dict[str, str] = {}
        results = []
        for message in self.messages:
            if not isinstance(message, dict):
                continue
            for call in message.get("tool_calls") or []:
                if isinstance(call, dict) and isinstance(call.get("function"), dict):
                    names[str(call.get("id"))] = str(call["function"].get("name"))
            if message.get("role") == "tool":
                call_id = str(message.get("tool_call_id"))
                results.append(ToolResult(call_id, _text_of(message.get("content")), names.get(call_id)))
        return results

    @property
    def response_format(self) -> dict[str, Any] | None:
        """The `response_format` sent, or None."""
        value = self.get("response_format")
        return value if isinstance(value, dict) else None
