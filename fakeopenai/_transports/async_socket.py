"""The async twin of `sync_socket`: the same lean HTTP/1.1 transport, under asyncio and trio.

It shares the sans-IO parts with the sync transport (the head parser, the chunk
decoder, the failure rules) and drives them with awaits: what `sync_socket`'s
docstring says of the sync one holds here too. Its connections are asyncio's own
protocol where asyncio runs (`asyncio_connection`), else anyio's streams, with
timeouts as anyio cancel scopes around each send and receive; the pool is a plain
list, as one transport lives on one event loop.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any, Protocol

import anyio
import anyio.abc

from .asyncio_connection import AsyncioConnection
from .sync_socket import (
    _CHUNKED,
    _DRAIN_LIMIT,
    _DRAIN_WAIT_MS,
    _INCOMPLETE,
    _MAX_IDLE,
    _RECV_SIZE,
    _SMALL_BODY,
    _UNTIL_EOF,
    _ChunkDecoder,
    _Disconnected,
    _encode_head,
    _framing,
    _Head,
    _head_end,
    _ProtocolError,
    _raise_head_failure,
    _raise_read_failure,
    _readiness,
    _resendable,
    _Retry,
    _SendFailed,
    _take,
    _WouldBlock,
)


def _on_asyncio() -> bool:
    """Whether this task runs on an asyncio event loop (else trio, through anyio)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _os_error(exc: anyio.BrokenResourceError | anyio.ClosedResourceError) -> OSError:
    """The socket error behind an anyio stream failure (a reset keeps its type, for the resend rule).

    Some anyio releases (4.10 among them) raise a broken stream's error `from None` when it is read, losing the
    socket error behind it: a stream that broke (rather than ended, or was closed here) was reset.
    """
    cause = exc.__cause__
    if isinstance(cause, OSError):
        return cause
    broken = isinstance(exc, anyio.BrokenResourceError)
    return (ConnectionResetError if broken else OSError)(str(exc) or "The connection is closed.")


class _Conn(Protocol):
    """What the transport needs of a connection: anyio's (`_AsyncConnection`), or asyncio's own."""

    buffer: bytearray
    generation: int
    timeout: float | None
    reused: bool
    draining: bool

    def idle_and_open(self) -> bool: ...
    async def recv(self, size: int) -> bytes: ...
    async def fill(self) -> bool: ...
    async def send(self, data: bytes, timeout: float | None) -> None: ...
    async def close(self) -> None: ...


class _AsyncConnection:
    """One TCP connection and the bytes read from it but not consumed yet, on anyio (any event loop)."""

    __slots__ = ("buffer", "draining", "generation", "reused", "stream", "timeout")

    def __init__(self, stream: anyio.abc.SocketStream, generation: int) -> None:
        self.stream = stream
        self.generation = generation
        self.timeout: float | None = None
        self.buffer = bytearray()
        self.reused = False
        self.draining = False

    def idle_and_open(self) -> bool:
        """Whether an idle connection has nothing to say: if it has (data, EOF or a reset), it is closed."""
        sock: socket.socket | None = self.stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
        return sock is not None and sock.fileno() >= 0 and not _readiness(sock)(0)

    async def recv(self, size: int) -> bytes:
        """What the server sent next (b"" at EOF); while draining, `_WouldBlock` rather than wait long."""
        try:
            if self.draining:
                with anyio.move_on_after(_DRAIN_WAIT_MS / 1000):
                    return await self.stream.receive(size)
                raise _WouldBlock
            if self.timeout is None:
                return await self.stream.receive(size)
            with anyio.fail_after(self.timeout):
                return await self.stream.receive(size)
        except anyio.EndOfStream:
            return b""
        except (anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            raise _os_error(exc) from exc

    async def fill(self) -> bool:
        """Read what the server sent next into the buffer; False at EOF."""
        data = await self.recv(_RECV_SIZE)
        if not data:
            return False
        self.buffer += data
        return True

    async def send(self, data: bytes, timeout: float | None) -> None:
        try:
            if timeout is None:
                await self.stream.send(data)
            else:
                with anyio.fail_after(timeout):
                    await self.stream.send(data)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            raise _os_error(exc) from exc

    async def close(self) -> None:
        await anyio.aclose_forcefully(self.stream)


async def _read_head(conn: _Conn) -> _Head:
    """The next response head, read from the connection as far as needed."""
    buf = conn.buffer
    searched = 0
    while (end := _head_end(buf, searched)) < 0:
        searched = max(0, len(buf) - 3)
        if not await conn.fill():
            raise _Disconnected
    return _Head(buf, end)


async def _send(conn: _Conn, head: bytes, body: list[bytes] | Any, timeout: float | None) -> bool:
    """Write the request: one send for a small body, the chunked coding for a streamed one.

    True if the whole request went out in that one send.
    """
    first = True
    try:
        if isinstance(body, list):
            size = sum(map(len, body))
            if size < _SMALL_BODY:
                await conn.send(head + b"".join(body) if size else head, timeout)
                return True
            await conn.send(head, timeout)
            first = False
            for part in body:
                await conn.send(part, timeout)
            return False
        await conn.send(head, timeout)
        first = False
        async for part in body:
            if part:
                await conn.send(b"%x\r\n%b\r\n" % (len(part), part), timeout)
        await conn.send(b"0\r\n\r\n", timeout)
        return False
    except TimeoutError:
        raise
    except OSError as exc:
        raise _SendFailed(exc, first) from exc


class _Body:
    """A response body's framing, read piece by piece from the connection."""

    __slots__ = ("conn", "decoder", "expected", "remaining")

    def __init__(self, conn: _Conn, length: int) -> None:
        self.conn = conn
        self.remaining = self.expected = length
        self.decoder = _ChunkDecoder() if length == _CHUNKED else None

    async def next(self) -> bytes | None:
        """The next piece of the body, or None at its end."""
        conn = self.conn
        buf = conn.buffer
        if self.decoder is not None:
            while True:
                data = self.decoder.decode(buf)
                if data:
                    return data
                if self.decoder.done:
                    return None
                if not await conn.fill():
                    raise _ProtocolError(_INCOMPLETE + "incomplete chunked read")
        if self.remaining == _UNTIL_EOF:
            if buf:
                return _take(buf, len(buf))
            return await conn.recv(_RECV_SIZE) or None
        if self.remaining <= 0:
            return None
        if buf:
            data = _take(buf, min(self.remaining, len(buf)))
        else:
            data = await conn.recv(min(self.remaining, _RECV_SIZE))
            if not data:
                received = self.expected - self.remaining
                raise _ProtocolError(f"{_INCOMPLETE}received {received} bytes, expected {self.expected}")
        self.remaining -= len(data)
        return data


def make_async_socket_transport(httpx: ModuleType, host: str, port: int) -> Any:
    """An async transport for `httpx` (the `httpx` or the `httpx2` package) sending every request to `host:port`.

    The twin of `make_socket_transport`: HTTP/1.1 over keep-alive TCP connections, without
    httpcore, under asyncio (on its own protocol) or trio (through anyio).
    """
    return _async_socket_transport_class(httpx)(host, port)


@functools.cache
def _async_socket_transport_class(httpx: ModuleType) -> type[Any]:
    """The transport class for `httpx`, made once per package: its bases are that package's."""

    class AsyncSocketStream(httpx.AsyncByteStream):  # type: ignore[misc, name-defined]
        """A response body read from the connection as the caller iterates; the connection is reused after it."""

        _conn: _Conn | None

        def __init__(
            self, pool: AsyncSocketTransport, conn: _Conn, request: Any, length: int, keep_alive: bool
        ) -> None:
            self._pool, self._request, self._keep_alive = pool, request, keep_alive
            self._conn = conn
            self._body = _Body(conn, length)

        async def __aiter__(self) -> AsyncIterator[bytes]:
            conn = self._conn
            if conn is None:
                return
            read = self._body.next
            while True:
                try:
                    piece = await read()
                except (OSError, _ProtocolError) as exc:  # TimeoutError among them
                    await self._discard()
                    _raise_read_failure(httpx, self._request, exc)
                if piece is None:
                    break
                yield piece
            self._conn = None
            await self._pool.release(conn, self._keep_alive)

        async def aclose(self) -> None:
            """Release the connection: back to the pool if the body's end has arrived, else closed.

            The SDK stops reading a stream at its `[DONE]` event and closes it, just before the
            chunked coding's last bytes arrive: those are read if they come within a few milliseconds.
            """
            conn = self._conn
            self._conn = None
            if conn is None:
                return
            finished = False
            try:
                finished = self._keep_alive and await self._finish(conn)
            finally:
                if finished:
                    await self._pool.release(conn, True)
                else:
                    await conn.close()

        async def _finish(self, conn: _Conn) -> bool:
            """Read the rest of the body from what has arrived or arrives at once; whether it ended."""
            conn.draining = True
            left = _DRAIN_LIMIT
            try:
                while (piece := await self._body.next()) is not None:
                    left -= len(piece)
                    if left < 0:
                        return False
            except (_WouldBlock, _ProtocolError, OSError):
                return False
            finally:
                conn.draining = False
            return True

        async def _discard(self) -> None:
            conn = self._conn
            self._conn = None
            if conn is not None:
                await conn.close()

    class AsyncSocketTransport(httpx.AsyncBaseTransport):  # type: ignore[misc, name-defined]
        """HTTP/1.1 to the fake's server over pooled keep-alive TCP connections, on asyncio or anyio."""

        def __init__(self, host: str, port: int) -> None:
            self._host, self._port = host, port
            self._idle: list[_Conn] = []
            self._generation = 0  # aclose() starts a new one: connections from before it are never pooled again

        async def handle_async_request(self, request: Any) -> Any:
            """Send `request` and return its response once the head has arrived; the body streams."""
            timeouts = request.extensions.get("timeout") or {}
            connect_timeout = timeouts.get("connect")
            head, chunked = _encode_head(request)
            body: list[bytes] | Any = request.stream if chunked else [part async for part in request.stream]
            conn = await self._checkout(request, connect_timeout)
            try:
                return await self._exchange(conn, request, head, body, timeouts)
            except _Retry:
                conn = await self._connect(request, connect_timeout)
                return await self._exchange(conn, request, head, body, timeouts)

        async def _exchange(
            self, conn: _Conn, request: Any, head: bytes, body: list[bytes] | Any, timeouts: Any
        ) -> Any:
            write_error: OSError | None = None
            single = unsent = False
            try:
                single = await _send(conn, head, body, timeouts.get("write"))
            except TimeoutError as exc:
                await conn.close()
                raise httpx.WriteTimeout(str(exc) or "timed out", request=request) from exc
            except _SendFailed as failed:
                # The server may have answered and closed early (a 413, say): read its answer before giving up.
                write_error, unsent = failed.error, failed.first
            except BaseException:
                await conn.close()
                raise
            try:
                conn.timeout = timeouts.get("read")
                parsed = await _read_head(conn)
                while 100 <= parsed.status < 200 and parsed.status != 101:
                    conn.reused = False  # a response has begun: never send this request again
                    parsed = await _read_head(conn)
            except (_Disconnected, _ProtocolError, OSError) as exc:
                await conn.close()
                _raise_head_failure(httpx, request, exc, _resendable(conn, body), (unsent, single, write_error))
            except BaseException:  # cancelled mid-response: the connection's state is unknown
                await conn.close()
                raise
            length, keep_alive = _framing(parsed, request.method, write_error)
            extensions = {"http_version": parsed.version, "reason_phrase": parsed.reason}
            if 0 <= length <= len(conn.buffer):
                content = _take(conn.buffer, length)
                await self.release(conn, keep_alive)
                stream: Any = httpx.ByteStream(content)
            else:
                stream = AsyncSocketStream(self, conn, request, length, keep_alive)
            return httpx.Response(parsed.status, headers=parsed.headers, stream=stream, extensions=extensions)

        async def _checkout(self, request: Any, connect_timeout: float | None) -> _Conn:
            idle = self._idle
            while idle:
                conn = idle.pop()
                if conn.idle_and_open():
                    return conn
                await conn.close()
            return await self._connect(request, connect_timeout)

        async def _connect(self, request: Any, connect_timeout: float | None) -> _Conn:
            try:
                if _on_asyncio():
                    return await AsyncioConnection.open(self._host, self._port, self._generation, connect_timeout)
                with anyio.fail_after(connect_timeout):
                    stream = await anyio.connect_tcp(self._host, self._port)
            except TimeoutError as exc:
                raise httpx.ConnectTimeout(str(exc) or "timed out", request=request) from exc
            except OSError as exc:
                raise httpx.ConnectError(str(exc), request=request) from exc
            sock = stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
            try:
                if sock is not None:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as exc:
                await anyio.aclose_forcefully(stream)
                raise httpx.ConnectError(str(exc), request=request) from exc
            return _AsyncConnection(stream, self._generation)

        async def release(self, conn: _Conn, keep_alive: bool) -> None:
            """Put a connection whose response was read completely back in the pool, or close it."""
            if keep_alive and not conn.buffer:
                conn.reused = True
                if len(self._idle) < _MAX_IDLE and conn.generation == self._generation:
                    self._idle.append(conn)
                    return
            await conn.close()

        async def aclose(self) -> None:
            """Close the idle connections; those still reading a response close when it ends.

            The transport stays usable: later requests open new connections.
            """
            self._generation += 1
            idle = self._idle[:]
            self._idle.clear()
            for conn in idle:
                await conn.close()

    return AsyncSocketTransport
