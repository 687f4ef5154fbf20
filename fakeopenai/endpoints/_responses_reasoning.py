"""Which models reason, how hard, and what their reasoning costs."""

from __future__ import annotations

import re
from typing import Any

from ._responses_request import ResponsesRequest

_REASONING_MODEL = re.compile(r"^(ft:)?(o\d|gpt-5|gpt-6|gpt-oss|codex)")
_CHAT_VARIANT = re.compile(r"-chat(-|$)")

DEFAULT_EFFORT = "medium"

_TOKENS = {"none": 0, "minimal": 8, "low": 32, "medium": 64, "high": 128, "xhigh": 192, "max": 256}


def is_reasoning_model(model: str | None) -> bool:
    """Whether `model` is a reasoning model (o-series, gpt-5 and later, but not their `-chat` variants)."""
    return bool(model and _REASONING_MODEL.match(model) and not _CHAT_VARIANT.search(model))


def effort(request: ResponsesRequest) -> str | None:
    """The reasoning effort this request runs at; None for a model that does not reason."""
    if not is_reasoning_model(request.model):
        return None
    value = (request.reasoning or {}).get("effort")
    return value if isinstance(value, str) else DEFAULT_EFFORT


def summary_asked(request: ResponsesRequest) -> bool:
    """Whether the request asks for a reasoning summary."""
    options = request.reasoning or {}
    return options.get("summary") is not None or options.get("generate_summary") is not None


def reasoning_tokens(request: ResponsesRequest) -> int:
    """The tokens the model spends reasoning: a fixed amount per effort (0 for models that do not reason)."""
    level = effort(request)
    return 0 if level is None else _TOKENS.get(level, _TOKENS[DEFAULT_EFFORT])


def reasoning_echo(request: ResponsesRequest) -> dict[str, Any]:
    """The `reasoning` object of the response."""
    level = effort(request)
    options = request.reasoning or {}
    summary = options.get("summary") or options.get("generate_summary")
    return {"effort": level, "summary": summary if level is not None else None}
