"""Thread messages: content blocks as the API stores them, attachments checked against the stored files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._app.state import State
from .._errors import ApiError
from ._assistants_common import FILES, MESSAGES, metadata_of, missing
from ._store import Resource, table


def text_block(value: str) -> dict[str, Any]:
    """A `text` content block."""
    return {"type": "text", "text": {"value": value, "annotations": []}}


def content_blocks(content: Any) -> list[dict[str, Any]]:
    """The content blocks of a message as sent: a string, or a list of text and image parts."""
    if isinstance(content, str):
        return [text_block(content)]
    blocks: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind == "text":
            blocks.append(text_block(str(part.get("text", ""))))
        elif kind in ("image_file", "image_url") and isinstance(part.get(kind), Mapping):
            blocks.append({"type": kind, kind: dict(part[kind])})
    return blocks


def attachments_of(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `attachments` sent, as stored."""
    value = body.get("attachments")
    result = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, Mapping):
            tools = [{"type": t.get("type")} for t in item.get("tools") or [] if isinstance(t, Mapping)]
            result.append({"file_id": item.get("file_id"), "tools": tools})
    return result


def file_problem(state: State, body: Mapping[str, Any], where: str = "") -> ApiError | None:
    """The API's 404 when an attachment or an image block names a file that was never uploaded."""
    files = table(state, FILES)
    for index, attachment in enumerate(attachments_of(body)):
        file_id = attachment["file_id"]
        if not isinstance(file_id, str) or files.get(file_id) is None:
            return _missing_file(str(file_id), f"{where}attachments[{index}].file_id")
    content = body.get("content")
    for index, part in enumerate(content if isinstance(content, list) else []):
        if isinstance(part, Mapping) and part.get("type") == "image_file":
            file_id = (part.get("image_file") or {}).get("file_id")
            if not isinstance(file_id, str) or files.get(file_id) is None:
                return _missing_file(str(file_id), f"{where}content[{index}].image_file.file_id")
    return None


def _missing_file(file_id: str, param: str) -> ApiError:
    error = missing("file", file_id)
    return ApiError(error.status, error.message, param=param)


def new_message(
    state: State,
    thread_id: str,
    body: Mapping[str, Any],
    *,
    run_id: str | None = None,
    assistant_id: str | None = None,
) -> Resource:
    """A complete message built from a create body, stored in its thread."""
    now = state.now()
    message: Resource = {
        "id": state.new_id("msg_", thread_id, 24),
        "object": "thread.message",
        "created_at": now,
        "thread_id": thread_id,
        "status": "completed",
        "incomplete_details": None,
        "completed_at": now,
        "incomplete_at": None,
        "role": body.get("role", "user"),
        "content": content_blocks(body.get("content")),
        "assistant_id": assistant_id,
        "run_id": run_id,
        "attachments": attachments_of(body),
        "metadata": metadata_of(body),
    }
    return table(state, MESSAGES).put(message)


def thread_messages(state: State, thread_id: str) -> list[Resource]:
    """The messages of a thread, oldest first."""
    return table(state, MESSAGES).rows(lambda m: m["thread_id"] == thread_id)


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a stored message: its text blocks joined."""
    return "".join(
        block["text"]["value"]
        for block in message.get("content") or []
        if isinstance(block, Mapping) and block.get("type") == "text"
    )


def as_chat_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """A stored message as the chat message the model reads."""
    parts: list[dict[str, Any]] = []
    for block in message.get("content") or []:
        if block.get("type") == "text":
            parts.append({"type": "text", "text": block["text"]["value"]})
        elif block.get("type") == "image_url":
            parts.append({"type": "image_url", "image_url": dict(block["image_url"])})
        elif block.get("type") == "refusal":
            parts.append({"type": "text", "text": block["refusal"]})
    if all(part["type"] == "text" for part in parts):
        return {"role": message.get("role"), "content": "".join(part["text"] for part in parts)}
    return {"role": message.get("role"), "content": parts}
