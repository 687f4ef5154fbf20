"""How a request finds its recording: a key from method, path, query and the body as data, and diffs for misses.

Two requests match when their method, API path (`/v1/chat/completions`,
whatever host recorded it), query and JSON body compared as data are equal,
once the ignored fields are taken out. Key order, whitespace and `1` versus
`1.0` never matter; `stream` always does, so a streamed and a plain answer of
the same conversation stay distinct.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_ROOT = "/v1/"


def api_path(path: str) -> str:
    """The path from the API root on, whatever host or prefix carried it: `/openai/v1/models` -> `/v1/models`."""
    at = path.find(_ROOT)
    if at > 0:
        return path[at:]
    if path.endswith("/v1") or path == "/v1":
        return "/v1"
    return path


def _tokens(path: str) -> tuple[str, ...]:
    """`messages[*].name` -> `("messages", "*", "name")`; dots and brackets both separate."""
    return tuple(t for t in re.split(r"[.\[\]]+", path) if t)


@dataclass(frozen=True)
class RequestData:
    """The parts of a request that matching compares."""

    method: str
    path: str
    """The API path, e.g. `/v1/chat/completions`."""
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    """The body as data: parsed JSON, the fields of a form, text, or None when empty."""

    def describe(self) -> str:
        """`POST /v1/chat/completions` with its query, for messages."""
        query = "&".join(f"{k}={v}" for k, v in self.query)
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class MatchRules:
    """Which parts of a body matching leaves out."""

    ignore: tuple[str, ...] = ()
    """Body fields to leave out, as paths: `user`, `metadata.trace_id`, `messages[*].name` (`*` is any key or index)."""
    _paths: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_paths", tuple(_tokens(p) for p in self.ignore if _tokens(p)))

    def normalize(self, body: Any) -> Any:
        """The body as matching sees it: ignored fields removed, integral floats made integers."""
        body = _canonical(body)
        for path in self._paths:
            body = _without(body, path)
        return body

    def key(self, request: RequestData) -> str:
        """A string equal for exactly the requests that match each other."""
        body = request.body
        stream = bool(body.get("stream")) if isinstance(body, Mapping) else False
        parts = [request.method.upper(), request.path, [list(q) for q in request.query], stream, self.normalize(body)]
        return json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def _without(value: Any, path: tuple[str, ...]) -> Any:
    """`value` with the field at `path` removed (every one, with wildcards)."""
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        keys = list(value) if head == "*" else [head]
        out = dict(value)
        for key in keys:
            if key in out:
                if rest:
                    out[key] = _without(out[key], rest)
                else:
                    del out[key]
        return out
    if isinstance(value, list):
        if head == "*":
            indexes: Iterable[int] = range(len(value))
        elif head.isdigit():
            indexes = [int(head)]
        else:
            return value
        out_list = list(value)
        if not rest:
            drop = {i for i in indexes if i < len(out_list)}
            return [v for i, v in enumerate(out_list) if i not in drop]
        for i in indexes:
            if i < len(out_list):
                out_list[i] = _without(out_list[i], rest)
        return out_list
    return value


_MISSING = object()


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def diff(recorded: Any, sent: Any, path: str = "body", limit: int = 12) -> list[str]:
    """Field-level differences between a recorded body and the one sent, one line each."""
    lines: list[str] = []
    _diff(recorded, sent, path, lines, limit)
    return lines


def _diff(recorded: Any, sent: Any, path: str, lines: list[str], limit: int) -> None:
    if len(lines) >= limit:
        return
    if isinstance(recorded, Mapping) and isinstance(sent, Mapping):
        for key in list(recorded) + [k for k in sent if k not in recorded]:
            _diff(recorded.get(key, _MISSING), sent.get(key, _MISSING), f"{path}.{key}", lines, limit)
        return
    if isinstance(recorded, list) and isinstance(sent, list):
        for index in range(max(len(recorded), len(sent))):
            left = recorded[index] if index < len(recorded) else _MISSING
            right = sent[index] if index < len(sent) else _MISSING
            _diff(left, right, f"{path}[{index}]", lines, limit)
        return
    if recorded is _MISSING and sent is _MISSING:
        return
    if recorded is _MISSING:
        lines.append(f"{path}: sent {_short(sent)}, absent from the recording")
    elif sent is _MISSING:
        lines.append(f"{path}: recorded {_short(recorded)}, absent from this request")
    elif recorded != sent or type(recorded) is not type(sent):
        lines.append(f"{path}: recorded {_short(recorded)}, sent {_short(sent)}")


def explain_difference(recorded: RequestData, sent: RequestData, rules: MatchRules) -> list[str]:
    """Why `recorded` does not match `sent`: method, path, query, then body fields."""
    lines = []
    if recorded.method.upper() != sent.method.upper():
        lines.append(f"method: recorded {recorded.method}, sent {sent.method}")
    if recorded.path != sent.path:
        lines.append(f"path: recorded {recorded.path}, sent {sent.path}")
    if recorded.query != sent.query:
        lines.append(f"query: recorded {dict(recorded.query)!r}, sent {dict(sent.query)!r}")
    lines += diff(rules.normalize(recorded.body), rules.normalize(sent.body))
    return lines


def closest(
    sent: RequestData, recorded: Sequence[RequestData], rules: MatchRules, count: int = 3
) -> list[tuple[int, list[str]]]:
    """The `count` recorded requests nearest to `sent`, as (index, differences); one per distinct request."""
    scored = []
    seen: set[str] = set()
    for index, candidate in enumerate(recorded):
        key = rules.key(candidate)
        if key in seen:
            continue
        seen.add(key)
        differences = explain_difference(candidate, sent, rules)
        same_route = candidate.method.upper() == sent.method.upper() and candidate.path == sent.path
        scored.append(((0 if same_route else 1, len(differences)), index, differences))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [(index, differences) for _, index, differences in scored[:count]]
