"""The typed view of a Responses API request, and how its input items read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._app.views import RequestView, ToolResult


def item_type(item: Any) -> str | None:
    """The `type` of an input item; a bare `{"role", "content"}` item is a `message`."""
    if not isinstance(item, dict):
        return None
    kind = item.get("type")
    if isinstance(kind, str):
        return kind
    return "message" if "role" in item else None


def content_text(content: Any) -> str:
    """The text of a message `content` or a tool `output`: a string, or the text of its parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str))
    return ""


class ResponsesRequest(RequestView):
    """A Responses API request (`POST /v1/responses`).

    `input_items` are the items this request sent; `conversation` is what the
    model sees: the items carried over from the `previous_response_id` chain
    (`history`, filled in by the fake once it has found the chain), then the
    items sent.
    """

    __slots__ = ("history",)

    def __init__(self, body: Any, history: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(body)
        self.history: tuple[Mapping[str, Any], ...] = tuple(history)
        """The items carried over from `previous_response_id`: the inputs and outputs of the stored chain."""

    @property
    def input(self) -> Any:
        """The `input` as sent: a string, a list of items, or None."""
        return self.get("input")

    @property
    def input_items(self) -> list[dict[str, Any]]:
        """The input as a list of items, as sent; a string input is one user message `{"role", "content"}`."""
        value = self.input
        if isinstance(value, str):
            return [{"role": "user", "content": value}]
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    @property
    def conversation(self) -> list[Mapping[str, Any]]:
        """Every item the model sees: the `history` carried over, then `input_items`."""
        return [*self.history, *self.input_items]

    @property
    def instructions(self) -> str:
        """The `instructions` (the system message of this request), or "" if none."""
        value = self.get("instructions")
        return value if isinstance(value, str) else ""

    @property
    def previous_response_id(self) -> str | None:
        """The response this one continues, or None."""
        value = self.get("previous_response_id")
        return value if isinstance(value, str) else None

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tools offered, as sent (`[]` if none)."""
        value = self.get("tools")
        return [tool for tool in value if isinstance(tool, dict)] if isinstance(value, list) else []

    @property
    def functions(self) -> list[dict[str, Any]]:
        """The function tools offered (`{"type": "function", "name", "parameters", ...}`)."""
        return [tool for tool in self.tools if tool.get("type") == "function" and isinstance(tool.get("name"), str)]

    @property
    def tool_names(self) -> list[str]:
        """The names of the function and custom tools offered."""
        return [
            str(tool["name"])
            for tool in self.tools
            if tool.get("type") in ("function", "custom") and isinstance(tool.get("name"), str)
        ]

    @property
    def tool_choice(self) -> Any:
        """The `tool_choice` sent, or None."""
        return self.get("tool_choice")

    @property
    def text_format(self) -> dict[str, Any] | None:
        """The `text.format` sent (`{"type": "json_schema", "name", "schema", "strict"}`, ...), or None."""
        text = self.get("text")
        value = text.get("format") if isinstance(text, dict) else None
        return value if isinstance(value, dict) else None

    @property
    def reasoning(self) -> dict[str, Any] | None:
        """The `reasoning` options sent, or None."""
        value = self.get("reasoning")
        return value if isinstance(value, dict) else None

    @property
    def store(self) -> bool:
        """Whether the response is stored (the default), so it can be retrieved and continued."""
        return self.get("store") is not False

    @property
    def background(self) -> bool:
        """Whether the client asked for a background response."""
        return self.get("background") is True

    @property
    def function_calls(self) -> list[Mapping[str, Any]]:
        """The `function_call` items of the conversation."""
        return [item for item in self.conversation if item_type(item) == "function_call"]

    @property
    def function_call_outputs(self) -> list[ToolResult]:
        """Every `function_call_output` sent, with the name of the function it answers (found in the conversation)."""
        names: dict[str, str] = {}
        results = []
        for item in self.conversation:
            kind = item_type(item)
            if kind == "function_call":
                names[str(item.get("call_id"))] = str(item.get("name"))
            elif kind == "function_call_output":
                call_id = str(item.get("call_id"))
                results.append(ToolResult(call_id, content_text(item.get("output")), names.get(call_id)))
        return results

    @property
    def tool_results(self) -> list[ToolResult]:
        """The same as `function_call_outputs`, under the name chat requests use."""
        return self.function_call_outputs

    @property
    def last_item(self) -> Mapping[str, Any]:
        """The last item of the conversation (`{}` if none)."""
        conversation = self.conversation
        return conversation[-1] if conversation else {}

    @property
    def last_user_message(self) -> str:
        """The text of the last user message of the conversation ("" if none)."""
        for item in reversed(self.conversation):
            if item_type(item) == "message" and item.get("role") == "user":
                return content_text(item.get("content"))
        return ""
