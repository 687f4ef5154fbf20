"""JSON sent by clients, parsed as strictly as the API parses it, with a bound on nesting so that no later step
recurses too deeply."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

MAX_JSON_DEPTH = 128
"""Documents nested deeper than this (arrays and objects) are refused as unparsable, as many JSON parsers do."""


class TooDeeplyNested(ValueError):
    """The document nests arrays and objects deeper than `MAX_JSON_DEPTH`."""


def loads(data: str | bytes) -> Any:
    """`json.loads`, raising `ValueError` for `NaN`, `Infinity` and `-Infinity` (Python's extensions, which are not
    JSON and which the API refuses) and (`TooDeeplyNested`) for documents nested deeper than `MAX_JSON_DEPTH`.

    Python's parser and every recursive walk after it (validation, cassette
    matching, serialization) raise `RecursionError` somewhere below a thousand
    levels; bounding the depth here keeps them all safe.
    """
    if isinstance(data, bytes) and data[:1] == b"{" and data[1:2] != b"\x00":
        data = data.decode("utf-8", "surrogatepass")  # UTF-8 for sure: skip json's encoding detection
    try:
        value = _whole_object(data) if isinstance(data, str) else _NOT_PARSED
        if value is _NOT_PARSED:
            text = data if isinstance(data, str) else data.decode(json.detect_encoding(data), "surrogatepass")
            value = _DECODER.decode(text)
    except RecursionError:
        raise TooDeeplyNested(_message()) from None
    openings = data.count(b"[") + data.count(b"{") if isinstance(data, bytes) else data.count("[") + data.count("{")
    if openings > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
        raise TooDeeplyNested(_message())
    return value


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value.")


_NOT_PARSED = object()
_DECODER = json.JSONDecoder(parse_constant=_not_json)
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


def _whole_object(text: str) -> Any:
    """The object `text` holds when it is exactly one, brace to brace (the usual body); else `_NOT_PARSED`.

    It skips `json.loads`'s whitespace handling; anything else, errors included, is left to `json.loads`.
    """
    if text[:1] != "{" or text[-1:] != "}":
        return _NOT_PARSED
    try:
        value, end = _SCAN(text, 0)
    except (ValueError, StopIteration):
        return _NOT_PARSED
    return value if end == len(text) else _NOT_PARSED


def _deeper_than(value: Any, limit: int) -> bool:
    level = [value] if isinstance(value, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, (dict, list))
        ]
    return False


def _message() -> str:
    return f"The JSON document nests arrays and objects more than {MAX_JSON_DEPTH} levels deep."
