"""What an endpoint answers, independent of HTTP framing, and its WSGI rendering."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import ApiError

StartResponse = Callable[..., Any]

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class JsonResponse:
    """One JSON object."""

    body: Any
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawResponse:
    """Raw bytes with a content type (audio, images, file contents, plain text)."""

    content: bytes
    content_type: str
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SseEvent:
    """One Server-Sent Event: its `data` line and optional `event` name."""

    data: str
    event: str | None = None

    def encode(self) -> bytes:
        """The event as it goes on the wire, ending in a blank line."""
        head = f"event: {self.event}\n" if self.event else ""
        return f"{head}data: {self.data}\n\n".encode()


@dataclass(frozen=True)
class EventStream:
    """A stream of Server-Sent Events, produced lazily."""

    events: Iterable[SseEvent]
    headers: Mapping[str, str] = field(default_factory=dict)
    live: bool = False
    """Whether events arrive over time (relayed from upstream, paced): each is then sent the moment it
    exists. Ready-made streams are sent in blocks of several events, as a network would deliver them."""


Response = JsonResponse | RawResponse | EventStream | ApiError


def status_line(status: int) -> str:
    """`"200 OK"` for 200, and so on."""
    return f"{status} {_REASONS.get(status, 'Unknown')}"


_COMPACT = json.JSONEncoder(separators=(",", ":"), check_circular=False)
"""Answers are built fresh for every request and never refer to themselves: no circularity bookkeeping."""


def _compact_encoder() -> Callable[[Any], str]:
    """`_COMPACT.encode`, with CPython's C encoder built once rather than on every call, where there is one."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _COMPACT.encode
    # The arguments `JSONEncoder.iterencode` passes for `_COMPACT`; markers=None is check_circular=False.
    chunks = make(None, _COMPACT.default, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True)
    return lambda value: "".join(chunks(value, 0))


compact_json: Callable[[Any], str] = _compact_encoder()
"""JSON as the fake sends it (compact separators are not what the API uses, but any spacing is valid)."""


def encode_json(body: Any) -> bytes:
    """A JSON body as the fake sends it, in bytes."""
    return compact_json(body).encode()


def to_wsgi(
    response: Response,
    start_response: StartResponse,
    common_headers: Iterable[tuple[str, str]],
    on_event: Callable[[SseEvent], None] | None = None,
    *,
    batch: bool = True,
) -> Iterable[bytes]:
    """Start the WSGI response and return its body iterable (`batch=False`: one item per stream event)."""
    headers = list(common_headers)
    if isinstance(response, EventStream):
        headers += [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache")]
        headers += list(response.headers.items())
        start_response(status_line(200), headers)
        if response.live or not batch:
            return _stream(response.events, on_event)
        return _blocks(_stream(response.events, on_event))
    if isinstance(response, JsonResponse):
        status, content, content_type = response.status, encode_json(response.body), "application/json"
        extra = response.headers
    elif isinstance(response, RawResponse):
        status, content, content_type = response.status, response.content, response.content_type
        extra = response.headers
    else:
        status, content, content_type = response.status, response.body_bytes(), "application/json"
        extra = response.headers
    headers += [("Content-Type", content_type), ("Content-Length", str(len(content)))]
    headers += list(extra.items())
    start_response(status_line(status), headers)
    return [content]


_BLOCK_BYTES = 16 * 1024


def _blocks(encoded: Iterable[bytes]) -> Iterator[bytes]:
    """Join encoded events into blocks of about `_BLOCK_BYTES`, saving a write and a read per event."""
    block: list[bytes] = []
    size = 0
    for event in encoded:
        block.append(event)
        size += len(event)
        if size >= _BLOCK_BYTES:
            yield b"".join(block)
            block, size = [], 0
    if block:
        yield b"".join(block)


def _stream(events: Iterable[SseEvent], on_event: Callable[[SseEvent], None] | None) -> Iterator[bytes]:
    for event in events:
        if on_event is not None:
            on_event(event)
        yield event.encode()
