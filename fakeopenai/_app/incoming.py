"""One request as the app reads it, whatever carried it: a socket, the no-socket transport, a batch line or WSGI."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class Body(Protocol):
    """A request body being read."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes (all that is left for -1); b"" at the end."""
        ...


HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""An HTTP token (RFC 9110 §5.6.2): what a header name must be, in a request or a response."""


class DropConnection(Exception):
    """Raised by the app (or its body iterator) to close the connection at once, mid-response.

    Part of the contract between the app and whatever carries its requests: the socket server and the
    no-socket transports each end the exchange as a broken connection would.
    """


@dataclass(slots=True)
class Incoming:
    """The parts of an HTTP request the app uses."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    """Lowercase names; repeated headers joined with commas."""
    body: Body
    """The request body, unread."""
    internal: bool = False
    """Sent by the fake to itself (a batch line): no API key is needed."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> Incoming:
        """The request a WSGI environ describes."""
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key[:5] == "HTTP_"}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        if environ.get("CONTENT_LENGTH"):
            headers["content-length"] = environ["CONTENT_LENGTH"]
        return cls(
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("PATH_INFO", "/"),
            environ.get("QUERY_STRING", ""),
            headers,
            environ.get("wsgi.input") or io.BytesIO(),
        )

    @property
    def content_length(self) -> int:
        """The declared body length; 0 when absent or unreadable."""
        try:
            return int(self.headers.get("content-length") or 0)
        except ValueError:
            return 0

    @property
    def content_type(self) -> str:
        """The full Content-Type header, parameters included; empty when absent."""
        return self.headers.get("content-type", "")
