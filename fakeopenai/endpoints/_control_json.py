"""The request log and the scripts as plain JSON, for `GET /_fakeopenai/calls` and `/_fakeopenai/scripts`."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from .._app.journal import Call, EventLog
from .._app.multipart import FilePart
from .._scripting.script import Scripted

_SECRET_HEADERS = frozenset({"authorization", "api-key"})


def plain(value: Any) -> Any:
    """`value` with only JSON types: uploaded files become their name, type and size; bytes text or base64."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, EventLog)):
        return [plain(item) for item in value]
    if isinstance(value, FilePart):
        return {"filename": value.filename, "content_type": value.content_type, "size": value.size}
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return {"size": len(value), "base64": base64.b64encode(value).decode("ascii")}
    return str(value)


def _masked(name: str, value: str) -> str:
    if name not in _SECRET_HEADERS:
        return value
    scheme, _, key = value.partition(" ")
    return f"{scheme} {key[:3]}…" if key else "…"


def call_json(call: Call[Any]) -> dict[str, Any]:
    """One logged request and its answer; for a stream, `response` is the list of its events' data."""
    return {
        "index": call.index,
        "method": call.method,
        "path": call.path,
        "query": dict(call.query),
        "operation": call.operation,
        "headers": {name: _masked(name, value) for name, value in call.headers.items()},
        "body": plain(call.body),
        "status": call.status,
        "response": plain(call.response),
        "answered_by": call.answered_by,
        "unmatched": call.unmatched,
        "problems": [
            {"message": p.message, "param": p.param, "code": p.code, "json_path": p.json_path} for p in call.problems
        ],
        "notes": list(call.notes),
    }


def script_json(entry: Scripted) -> dict[str, Any]:
    """One registered script: what it answers, where it came from, and how often it was used."""
    return {
        "description": entry.describe(),
        "origin": entry.origin,
        "operations": sorted(entry.operations) if entry.operations is not None else None,
        "times": entry.times,
        "used": entry.used,
        "exhausted": entry.exhausted,
    }
