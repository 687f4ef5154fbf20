"""A chunked request body (RFC 9112 §7.1), decoded with every read bounded by what the reader asks for.

A chunk's declared size is only a claim: data is read in pieces of at most
`PIECE_BYTES`, never more than the caller asked for, so a client that claims
a huge chunk and sends little costs nothing. Malformed framing, or a
connection that ends mid-body, raises `MalformedChunks` (an `OSError`, as any
failed read of a request body is), and the connection cannot be used again.
"""

from __future__ import annotations

import re
from typing import IO, NoReturn

PIECE_BYTES = 64 * 1024
"""The most bytes read from the connection at once."""
MAX_LINE_BYTES = 4096
"""A chunk-size line (with its extensions) or a trailer line longer than this is refused."""
MAX_TRAILER_BYTES = 64 * 1024
"""Trailer fields (which are read and dropped) larger than this in all are refused."""

_SIZE_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\x00-\x08\x0a-\x1f\x7f]*)?\r\n")
_FIELD_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\x00-\x08\x0a-\x1f\x7f]*\r\n")
_DRAIN_LIMIT = 1 << 20


class MalformedChunks(OSError):
    """The chunked body breaks its framing, or the connection ended in the middle of it."""


class ChunkedBody:
    """The body of a request sent with `Transfer-Encoding: chunked`, read from the connection as asked."""

    __slots__ = ("_done", "_left", "_next_line", "_raw", "broken")

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._left = 0  # bytes of the current chunk not yet read
        self._next_line = b""  # what precedes the next size line: CRLF after a chunk's data
        self._done = False
        self.broken = False

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes of the body (all that is left for -1); b"" at its end."""
        pieces: list[bytes] = []
        wanted = size if size >= 0 else -1
        while wanted != 0 and not self._done:
            if self._left == 0:
                self._start_chunk()
                continue
            count = min(self._left, PIECE_BYTES) if wanted < 0 else min(self._left, PIECE_BYTES, wanted)
            data = self._raw.read(count)
            if len(data) < count:
                self._fail("the connection ended in the middle of a chunk")
            pieces.append(data)
            self._left -= count
            if wanted > 0:
                wanted -= count
            if self._left == 0:
                self._next_line = b"\r\n"
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def drain(self) -> bool:
        """Discard what the reader left unread; False if the connection cannot serve another request."""
        if self.broken:
            return False
        left = _DRAIN_LIMIT
        try:
            while left > 0:
                data = self.read(min(PIECE_BYTES, left))
                if not data:
                    return True
                left -= len(data)
        except MalformedChunks:
            return False
        return self._done

    def _start_chunk(self) -> None:
        if self.broken:
            raise MalformedChunks("the chunked body was malformed")
        if self._next_line:
            if self._raw.read(2) != b"\r\n":
                self._fail("a chunk's data is not followed by CRLF")
            self._next_line = b""
        line = self._raw.readline(MAX_LINE_BYTES + 1)
        match = _SIZE_LINE.fullmatch(line)
        if match is None:
            if not line.endswith(b"\n"):
                self._fail("the chunk-size line is too long or incomplete")
            self._fail("a chunk-size line is not a hexadecimal size, optionally followed by extensions, and CRLF")
        self._left = int(match[1], 16)
        if self._left == 0:
            self._skip_trailers()

    def _skip_trailers(self) -> None:
        total = 0
        while True:
            line = self._raw.readline(MAX_LINE_BYTES + 1)
            total += len(line)
            if line == b"\r\n":
                self._done = True
                return
            if total > MAX_TRAILER_BYTES or _FIELD_LINE.fullmatch(line) is None:
                self._fail("the trailer fields after the last chunk are malformed or too large")

    def _fail(self, reason: str) -> NoReturn:
        self.broken = True
        raise MalformedChunks(reason)
