"""A lean HTTP/1.1 client transport for talking to the fake's own server over a real socket.

The `openai` SDK's default transport (httpcore with h11) spends about 270 µs of
pure Python on every request — more than three times the ~70 µs the loopback
round trip itself costs — which makes a test through the socket nearly twice as
slow as one through `httpx.MockTransport`. This transport only ever talks to the
fake's own server (every request goes to `host:port`, whatever its URL says), so
it writes plain HTTP/1.1 and parses what that server sends, plus whatever other
HTTP/1.1 framing is valid: a status line and headers, then a body framed by
`Content-Length`, by chunked transfer coding, or by the end of the connection.

Connections are kept alive in a thread-safe pool and checked cheaply before
reuse. Failures surface as the exceptions httpcore raises for them
(`ConnectError`, `ReadTimeout`, `RemoteProtocolError`…), so the SDK retries and
maps them as it does in production. A request on a reused connection is sent
again, once, only when the server provably never read it (the send failed, or
the server reset the connection); a clean close after the request went out is
what a scripted dropped connection looks like, so it surfaces as it would.
"""

from __future__ import annotations

import functools
import select
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any, NoReturn, Protocol

MAX_HEAD_BYTES = 64 * 1024
"""A response's status line plus headers above this size are a protocol error."""

_SMALL_BODY = 64 * 1024
_RECV_SIZE = 65536
_MAX_IDLE = 64
_MAX_CHUNK_LINE = 4096
_DRAIN_LIMIT = 64 * 1024
_DRAIN_WAIT_MS = 5
_CHUNKED = -1
_UNTIL_EOF = -2
_RESETS = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
_DISCONNECTED = "Server disconnected without sending a complete response."
_INCOMPLETE = "peer closed connection without sending complete message body: "


class _ProtocolError(Exception):
    """The server broke HTTP/1.1 framing; surfaces as `RemoteProtocolError`."""


class _Disconnected(Exception):
    """The server closed the connection before a complete response head."""


class _WouldBlock(Exception):
    """Draining a body found nothing more to read right now."""


class _Retry(Exception):
    """A reused connection turned out dead before the server read the request: send it on a fresh one."""


def _readiness(sock: socket.socket) -> Callable[[int], bool]:
    """A cheap test of whether `sock` has something to read (data, EOF or a reset) within so many milliseconds."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return lambda milliseconds: bool(poller.poll(milliseconds))
    return lambda milliseconds: bool(select.select([sock], [], [], milliseconds / 1000)[0])


class _Connection:
    """One TCP connection and the bytes read from it but not consumed yet."""

    __slots__ = ("buffer", "draining", "generation", "readable", "reused", "sock", "timeout")

    def __init__(self, sock: socket.socket, timeout: float | None, generation: int) -> None:
        self.sock = sock
        self.timeout = timeout
        self.generation = generation
        self.buffer = bytearray()
        self.reused = False
        self.draining = False
        self.readable = _readiness(sock)

    def set_timeout(self, timeout: float | None) -> None:
        if timeout != self.timeout:
            self.sock.settimeout(timeout)
            self.timeout = timeout

    def recv(self, size: int) -> bytes:
        """What the server sent next (b"" at EOF); while draining, `_WouldBlock` rather than wait long."""
        if self.draining and not self.readable(_DRAIN_WAIT_MS):
            raise _WouldBlock
        return self.sock.recv(size)

    def fill(self) -> bool:
        """Read what the server sent next into the buffer; False at EOF."""
        data = self.recv(_RECV_SIZE)
        if not data:
            return False
        self.buffer += data
        return True

    def close(self) -> None:
        self.sock.close()


class _Head:
    """A parsed response head and the body framing it announces."""

    __slots__ = ("headers", "keep_alive", "length", "reason", "status", "version")

    def __init__(self, buf: bytearray, end: int) -> None:
        """Parse the head that ends at `end` (found by `_head_end`) and remove it from `buf`."""
        lines = bytes(buf[:end]).split(b"\r\n")
        del buf[: end + 4]
        version, _, rest = lines[0].partition(b" ")
        code, _, self.reason = rest.partition(b" ")
        if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
            raise _ProtocolError(f"Malformed HTTP status line: {lines[0][:100]!r}.")
        self.version, self.status = version, int(code)
        self.length = _UNTIL_EOF
        self.keep_alive = version == b"HTTP/1.1"
        self.headers: list[tuple[bytes, bytes]] = []
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name[-1] in b" \t" or name[0] in b" \t":
                raise _ProtocolError(f"Malformed HTTP header line: {line[:100]!r}.")
            value = value.strip(b" \t")
            self.headers.append((name, value))
            lower = name.lower()
            if lower == b"content-length":
                if self.length != _CHUNKED:
                    self.length = _content_length(value, self.length)
            elif lower == b"transfer-encoding":
                # The last coding decides: chunked frames the body, anything else runs to EOF.
                chunked = value.lower().rpartition(b",")[2].strip() == b"chunked"
                self.length = _CHUNKED if chunked else _UNTIL_EOF
            elif lower == b"connection":
                tokens = {token.strip() for token in value.lower().split(b",")}
                if b"close" in tokens:
                    self.keep_alive = False
                elif b"keep-alive" in tokens and version == b"HTTP/1.0":
                    self.keep_alive = True


def _head_end(buf: bytearray, searched: int) -> int:
    """Where the response head buffered in `buf` ends (searching from `searched`), or -1 if more bytes must come."""
    end = buf.find(b"\r\n\r\n", searched)
    if end > MAX_HEAD_BYTES or (end < 0 and len(buf) > MAX_HEAD_BYTES):
        raise _ProtocolError(f"The response head is larger than {MAX_HEAD_BYTES} bytes.")
    return end


def _read_head(conn: _Connection) -> _Head:
    """The next response head, read from the connection as far as needed."""
    buf = conn.buffer
    searched = 0
    while (end := _head_end(buf, searched)) < 0:
        searched = max(0, len(buf) - 3)
        if not conn.fill():
            raise _Disconnected
    return _Head(buf, end)


def _content_length(value: bytes, previous: int) -> int:
    values = {part.strip() for part in value.split(b",")} if b"," in value else {value}
    if len(values) != 1 or not all(v.isdigit() for v in values):
        raise _ProtocolError(f"Invalid Content-Length header: {value[:100]!r}.")
    length = int(values.pop())
    if previous >= 0 and previous != length:
        raise _ProtocolError("Conflicting Content-Length headers.")
    return length


def _sized(conn: _Connection, remaining: int) -> Iterator[bytes]:
    """Exactly `remaining` body bytes: what is buffered, then straight from the socket."""
    expected = remaining
    buf = conn.buffer
    if buf:
        piece = bytes(buf[:remaining])
        del buf[:remaining]
        remaining -= len(piece)
        yield piece
    recv = conn.recv
    while remaining > 0:
        data = recv(min(remaining, _RECV_SIZE))
        if not data:
            raise _ProtocolError(f"{_INCOMPLETE}received {expected - remaining} bytes, expected {expected}")
        remaining -= len(data)
        yield data


def _until_eof(conn: _Connection) -> Iterator[bytes]:
    """Everything up to the end of the connection."""
    if conn.buffer:
        yield bytes(conn.buffer)
        conn.buffer.clear()
    recv = conn.recv
    while data := recv(_RECV_SIZE):
        yield data


_SIZE, _DATA, _DATA_END, _TRAILER = range(4)


class _ChunkDecoder:
    """The chunked transfer coding, decoded from a connection's buffer as its bytes arrive (no I/O of its own)."""

    __slots__ = ("done", "left", "state")

    def __init__(self) -> None:
        self.state, self.left, self.done = _SIZE, 0, False

    def decode(self, buf: bytearray) -> bytes:
        """The body bytes `buf` holds now, consumed from it; b"" if more must arrive first, or once `done`."""
        state, left = self.state, self.left
        pieces: list[bytes] = []
        while not self.done:
            if state == _DATA:
                if not buf:
                    break
                piece = bytes(buf[:left])
                del buf[:left]
                pieces.append(piece)
                left -= len(piece)
                if left:
                    break
                state = _DATA_END
            elif state == _SIZE:
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > _MAX_CHUNK_LINE:
                        raise _ProtocolError("The chunk size line is too long.")
                    break
                left = _chunk_size(bytes(buf[:end]))
                del buf[: end + 2]
                state = _DATA if left else _TRAILER
            elif state == _DATA_END:
                if len(buf) < 2:
                    break
                if buf[:2] != b"\r\n":
                    raise _ProtocolError("A chunk does not end with CRLF.")
                del buf[:2]
                state = _SIZE
            else:
                end = 0 if buf[:2] == b"\r\n" else buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD_BYTES:
                        raise _ProtocolError("The chunked body's trailers are too long.")
                    break
                del buf[: end + 2 if end == 0 else end + 4]
                self.done = True
        self.state, self.left = state, left
        if not pieces:
            return b""
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _dechunked(conn: _Connection) -> Iterator[bytes]:
    """A chunked body, decoded as it arrives: what is buffered is yielded before waiting for more."""
    decoder = _ChunkDecoder()
    buf = conn.buffer
    while True:
        data = decoder.decode(buf)
        if data:
            yield data
        if decoder.done:
            return
        if not conn.fill():
            raise _ProtocolError(_INCOMPLETE + "incomplete chunked read")


def _chunk_size(line: bytes) -> int:
    digits = line.partition(b";")[0].strip(b" \t")
    try:
        if not digits or digits.startswith((b"+", b"-", b"0x", b"0X")) or b"_" in digits:
            raise ValueError
        return int(digits, 16)
    except ValueError:
        raise _ProtocolError(f"Malformed chunk size line: {line[:100]!r}.") from None


def _encode_head(request: Any) -> tuple[bytes, bool]:
    """The request line and headers, and whether the body goes chunked."""
    chunked = False
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
    for name, value in request.headers.raw:
        lines.append(name + b": " + value)
        if len(name) == 17 and name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    lines.append(b"\r\n")
    return b"\r\n".join(lines), chunked


class _SendFailed(Exception):
    """Writing the request failed; `first` if it was the very first write (the server cannot have read any of it)."""

    def __init__(self, error: OSError, first: bool) -> None:
        super().__init__(str(error))
        self.error, self.first = error, first


def _send(sock: socket.socket, head: bytes, body: list[bytes] | Iterable[bytes]) -> bool:
    """Write the request: one `sendall` for a small body, the chunked coding for a streamed one.

    True if the whole request went out in that one `sendall`.
    """
    first = True
    try:
        if isinstance(body, list):
            size = sum(map(len, body))
            if size < _SMALL_BODY:
                sock.sendall(head + b"".join(body) if size else head)
                return True
            sock.sendall(head)
            first = False
            for part in body:
                sock.sendall(part)
            return False
        sock.sendall(head)
        first = False
        for part in body:
            if part:
                sock.sendall(b"%x\r\n%b\r\n" % (len(part), part))
        sock.sendall(b"0\r\n\r\n")
        return False
    except TimeoutError:
        raise
    except OSError as exc:
        raise _SendFailed(exc, first) from exc


class _Pooled(Protocol):
    """What the resend rule reads of a connection, sync or async."""

    reused: bool
    buffer: bytearray


def _resendable(conn: _Pooled, body: object) -> bool:
    """A pooled connection that failed before any response byte, with a body that can be sent again."""
    return conn.reused and not conn.buffer and isinstance(body, list)


def _raise_head_failure(
    httpx: ModuleType, request: Any, exc: Exception, resendable: bool, sent: tuple[bool, bool, OSError | None]
) -> NoReturn:
    """Raise what a failure reading the response head means: `_Retry`, or the httpx exception httpcore raises.

    `sent` is how the request went out: (never written at all, written whole in one send, the write's error).
    """
    unsent, single, write_error = sent
    if not isinstance(exc, (TimeoutError, _ProtocolError)):
        # A clean close after the request went out is what a dropped connection looks like: no resend.
        # A reset answering a request sent whole means the server closed before reading it.
        disconnected = isinstance(exc, _Disconnected)
        if (unsent or (not disconnected and single and isinstance(exc, _RESETS))) and resendable:
            raise _Retry from None
        if write_error is not None:
            raise httpx.WriteError(str(write_error), request=request) from write_error
        if disconnected:
            raise httpx.RemoteProtocolError(_DISCONNECTED, request=request) from None
    _raise_read_failure(httpx, request, exc)


def _raise_read_failure(httpx: ModuleType, request: Any, exc: Exception) -> NoReturn:
    """Raise the httpx exception httpcore raises for a failed read: a timeout, broken framing, or an OS error."""
    if isinstance(exc, TimeoutError):
        raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
    if isinstance(exc, _ProtocolError):
        raise httpx.RemoteProtocolError(str(exc), request=request) from None
    raise httpx.ReadError(str(exc), request=request) from exc


def _framing(parsed: _Head, method: str, write_error: OSError | None) -> tuple[int, bool]:
    """The body's length (or `_CHUNKED`, `_UNTIL_EOF`) and whether the connection can be reused after it."""
    keep_alive = parsed.keep_alive and write_error is None and parsed.status != 101
    length = parsed.length
    if method == "HEAD" or parsed.status in (204, 304) or parsed.status == 101:
        length = 0
    elif length == _UNTIL_EOF:
        keep_alive = False
    return length, keep_alive


def _take(buf: bytearray, length: int) -> bytes:
    """The first `length` bytes of `buf`, removed from it."""
    if length == len(buf):
        content = bytes(buf)
        buf.clear()
    else:
        content = bytes(buf[:length])
        del buf[:length]
    return content


def make_socket_transport(httpx: ModuleType, host: str, port: int) -> Any:
    """A sync transport for `httpx` (the `httpx` or the `httpx2` package) sending every request to `host:port`.

    It speaks HTTP/1.1 over keep-alive TCP connections, without httpcore: made
    for clients of the fake's own server, whose responses it parses cheaply.
    """
    return _socket_transport_class(httpx)(host, port)


@functools.cache
def _socket_transport_class(httpx: ModuleType) -> type[Any]:
    """The transport class for `httpx`, made once per package: its bases are that package's."""

    class SocketStream(httpx.SyncByteStream):  # type: ignore[misc, name-defined]
        """A response body read from the connection as the caller iterates; the connection is reused after it."""

        _conn: _Connection | None

        def __init__(self, pool: SocketTransport, conn: _Connection, request: Any, head: _Head) -> None:
            self._pool, self._request, self._keep_alive = pool, request, head.keep_alive
            self._conn = conn
            if head.length == _CHUNKED:
                self._body = _dechunked(conn)
            elif head.length == _UNTIL_EOF:
                self._body = _until_eof(conn)
            else:
                self._body = _sized(conn, head.length)

        def __iter__(self) -> Iterator[bytes]:
            conn, body = self._conn, self._body
            if conn is None:
                return
            while True:
                # next() rather than `yield from`: a caller that stops early must not close the body
                # generator, which close() may still finish from bytes already received.
                try:
                    piece = next(body)
                except StopIteration:
                    break
                except (OSError, _ProtocolError) as exc:  # TimeoutError among them
                    self._discard()
                    _raise_read_failure(httpx, self._request, exc)
                yield piece
            self._conn = None
            self._pool.release(conn, self._keep_alive)

        def close(self) -> None:
            """Release the connection: back to the pool if the body's end has arrived, else closed.

            The SDK stops reading a stream at its `[DONE]` event and closes it, just before the
            chunked coding's last bytes arrive: those are read if they come within a few milliseconds.
            """
            conn = self._conn
            self._conn = None
            if conn is None:
                return
            if self._keep_alive and self._finish(conn):
                self._pool.release(conn, True)
            else:
                conn.close()

        def _finish(self, conn: _Connection) -> bool:
            """Read the rest of the body from what has arrived or arrives at once; whether it ended."""
            conn.draining = True
            left = _DRAIN_LIMIT
            try:
                for piece in self._body:
                    left -= len(piece)
                    if left < 0:
                        return False
            except (_WouldBlock, _ProtocolError, OSError):
                return False
            finally:
                conn.draining = False
            return True

        def _discard(self) -> None:
            conn = self._conn
            self._conn = None
            if conn is not None:
                conn.close()

    class SocketTransport(httpx.BaseTransport):  # type: ignore[misc, name-defined]
        """HTTP/1.1 to the fake's server over pooled keep-alive TCP connections."""

        def __init__(self, host: str, port: int) -> None:
            self._address = (host, port)
            self._idle: list[_Connection] = []
            self._lock = threading.Lock()
            self._generation = 0  # close() starts a new one: connections from before it are never pooled again

        def handle_request(self, request: Any) -> Any:
            """Send `request` and return its response once the head has arrived; the body streams."""
            timeouts = request.extensions.get("timeout") or {}
            connect_timeout = timeouts.get("connect")
            head, chunked = _encode_head(request)
            body: list[bytes] | Iterable[bytes] = request.stream if chunked else list(request.stream)
            conn = self._checkout(request, connect_timeout)
            try:
                return self._exchange(conn, request, head, body, timeouts)
            except _Retry:
                return self._exchange(self._connect(request, connect_timeout), request, head, body, timeouts)

        def _exchange(
            self, conn: _Connection, request: Any, head: bytes, body: list[bytes] | Iterable[bytes], timeouts: Any
        ) -> Any:
            write_error: OSError | None = None
            single = unsent = False
            conn.set_timeout(timeouts.get("write"))
            try:
                single = _send(conn.sock, head, body)
            except TimeoutError as exc:
                conn.close()
                raise httpx.WriteTimeout(str(exc) or "timed out", request=request) from exc
            except _SendFailed as failed:
                # The server may have answered and closed early (a 413, say): read its answer before giving up.
                write_error, unsent = failed.error, failed.first
            try:
                conn.set_timeout(timeouts.get("read"))
                parsed = _read_head(conn)
                while 100 <= parsed.status < 200 and parsed.status != 101:
                    conn.reused = False  # a response has begun: never send this request again
                    parsed = _read_head(conn)
            except (_Disconnected, _ProtocolError, OSError) as exc:
                conn.close()
                _raise_head_failure(httpx, request, exc, _resendable(conn, body), (unsent, single, write_error))
            length, keep_alive = _framing(parsed, request.method, write_error)
            extensions = {"http_version": parsed.version, "reason_phrase": parsed.reason}
            if 0 <= length <= len(conn.buffer):
                content = _take(conn.buffer, length)
                self.release(conn, keep_alive)
                stream: Any = httpx.ByteStream(content)
            else:
                parsed.keep_alive = keep_alive
                stream = SocketStream(self, conn, request, parsed)
            return httpx.Response(parsed.status, headers=parsed.headers, stream=stream, extensions=extensions)

        def _checkout(self, request: Any, connect_timeout: float | None) -> _Connection:
            idle, lock = self._idle, self._lock
            while idle:
                with lock:
                    conn = idle.pop() if idle else None
                if conn is None:
                    break
                if not conn.readable(0):  # an idle connection has nothing to say: else it is closed
                    return conn
                conn.close()
            return self._connect(request, connect_timeout)

        def _connect(self, request: Any, connect_timeout: float | None) -> _Connection:
            try:
                sock = socket.create_connection(self._address, timeout=connect_timeout)
            except TimeoutError as exc:
                raise httpx.ConnectTimeout(str(exc) or "timed out", request=request) from exc
            except OSError as exc:
                raise httpx.ConnectError(str(exc), request=request) from exc
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as exc:
                sock.close()
                raise httpx.ConnectError(str(exc), request=request) from exc
            return _Connection(sock, connect_timeout, self._generation)

        def release(self, conn: _Connection, keep_alive: bool) -> None:
            """Put a connection whose response was read completely back in the pool, or close it."""
            if keep_alive and not conn.buffer:
                conn.reused = True
                with self._lock:
                    if len(self._idle) < _MAX_IDLE and conn.generation == self._generation:
                        self._idle.append(conn)
                        return
            conn.close()

        def close(self) -> None:
            """Close the idle connections; those still reading a response close when it ends.

            The transport stays usable: later requests open new connections.
            """
            with self._lock:
                self._generation += 1
                idle = self._idle[:]
                self._idle.clear()
            for conn in idle:
                conn.close()

    return SocketTransport
