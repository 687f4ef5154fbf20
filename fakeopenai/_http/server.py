"""A threaded HTTP/1.1 server on loopback for the fake's app, run in a daemon thread.

The server knows nothing of OpenAI. It keeps connections alive between
requests, streams chunked responses as the application produces them, reads
exactly each request's body (so the next request on the connection starts
cleanly), and never exits the process when its port is taken.

werkzeug's development handler closes every connection and spends about
300 µs per request in `http.server`'s header parsing; this one parses the
request head directly into the `Incoming` the app reads, with no WSGI environ
in between, and answers through WSGI's `start_response` and body iterable.

Framing is strict, as RFC 9112 asks of a server: a request with both
Content-Length and Transfer-Encoding, a transfer coding other than `chunked`,
or a header name that is not an HTTP token is refused and its connection
closed; chunked bodies are decoded by `ChunkedBody`, whose reads are bounded.
At most `MAX_CONNECTIONS` connections are served at once: when a new one
comes, the oldest connection still waiting for a request head makes room, and
a request head must arrive whole within `HEAD_TIMEOUT_SECONDS`.
"""

from __future__ import annotations

import errno
import io
import json
import queue
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import IO, Any, NamedTuple, cast
from urllib.parse import unquote_to_bytes

from .._app.incoming import HEADER_NAME, DropConnection, Incoming
from .._errors import ConfigurationError
from .chunked import ChunkedBody

Responder = Callable[[Incoming, Callable[..., Any]], Iterable[bytes]]
"""Answers one request as the app's `respond` does: it calls WSGI's `start_response`, returns the body's chunks."""
ErrorBody = Callable[[int, str], bytes]
"""Renders a framing error (status, message) as a JSON body."""

MAX_HEAD_BYTES = 64 * 1024
"""Request line plus headers above this size are refused with 431."""
IDLE_TIMEOUT_SECONDS = 60.0
"""A connection that sends nothing for this long is closed (slow clients included)."""
HEAD_TIMEOUT_SECONDS = 10.0
"""A request head must arrive whole within this long of its first byte, or its connection is closed."""
MAX_CONNECTIONS = 256
"""Connections served at once; beyond it the oldest connection waiting for a request head is closed."""

_DRAIN_LIMIT = 1 << 20
_BACKLOG = 4096  # connections the system queues until they are accepted: room for a burst
_REASONS = {
    100: "Continue",
    200: "OK",
    400: "Bad Request",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}


class _Serving(threading.local):
    depth = 0

    def __enter__(self) -> None:
        self.depth += 1

    def __exit__(self, *exc_info: object) -> None:
        self.depth -= 1


_SERVING = _Serving()


def in_server_thread() -> bool:
    """Whether the current thread is answering a request for the fake (its own upstream calls are allowed)."""
    return _SERVING.depth > 0


def serving() -> AbstractContextManager[None]:
    """Mark the current thread as answering a request while the block runs (the no-socket mode's app calls)."""
    return _SERVING


class _BoundedInput:
    """The request body as a stream that stops at its Content-Length."""

    def __init__(self, raw: IO[bytes], length: int) -> None:
        self._raw = raw
        self.remaining = length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        if size < 0 or size > self.remaining:
            size = self.remaining
        data = self._raw.read(size)
        self.remaining = self.remaining - len(data) if data else 0
        return data

    def readline(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        if size < 0 or size > self.remaining:
            size = self.remaining
        data = self._raw.readline(size)
        self.remaining = self.remaining - len(data) if data else 0
        return data

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def drain(self) -> bool:
        """Discard what the application left unread; False if too much is left to bother."""
        if self.remaining > _DRAIN_LIMIT:
            return False
        while self.remaining > 0 and self.read(65536):
            pass
        return True


_LOWERCASE: dict[str, str] = {}
"""Well-formed header names seen lately, and their lowercase form."""




def _lowercase(name: str) -> str:
    if HEADER_NAME.fullmatch(name) is None:
        raise _FramingError(
            400,
            "Malformed HTTP header line: a header name must be a token, with no spaces, controls or separators "
            "such as ( ) / : ; < = > ? @ [ ] { }.",
        )
    if len(_LOWERCASE) >= 1024:
        _LOWERCASE.clear()
    lower = _LOWERCASE[name] = name.lower()
    return lower


class _Head(NamedTuple):
    """A request's line and headers (lowercase names, repeated ones joined with commas)."""

    method: str
    path: str
    query: str
    version: str
    headers: dict[str, str]


class _FramingError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


_WAITING = 0.0
_BUSY = -1.0
_CLOSED = -2.0


class _Slot:
    """One connection's place among those served: `state` is `_WAITING` for a request head's first byte, the
    time that byte came while the head arrives, or `_BUSY` once the request is the app's."""

    __slots__ = ("sock", "state")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.state = _WAITING


class _Handler(socketserver.StreamRequestHandler):
    """Serves the requests of one connection, one after another."""

    server: _Server
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_SECONDS

    def __init__(self, request: socket.socket, client_address: Any, server: _Server, slot: _Slot) -> None:
        self.slot = slot
        super().__init__(request, client_address, server)

    def handle(self) -> None:
        with _SERVING:
            try:
                while self._serve_one():
                    pass
            except (ConnectionError, TimeoutError, OSError):
                pass

    def _serve_one(self) -> bool:
        """Serve one request; False when the connection should close."""
        slot = self.slot
        slot.state = _WAITING
        if not cast(io.BufferedReader, self.rfile).peek(1):
            return False
        slot.state = time.monotonic()
        try:
            head = self._read_head()
        except _FramingError as error:
            self._send_error(error.status, str(error))
            return False
        if head is None:
            return False
        slot.state = _BUSY
        headers = head.headers
        keep_alive = head.version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        body: _BoundedInput | ChunkedBody
        coding = headers.get("transfer-encoding")
        if coding is None:
            declared = headers.get("content-length") or "0"
            if not (declared.isascii() and declared.isdigit()):  # int() would take "+5", " 5" and "1_0"
                self._send_error(400, "Invalid Content-Length header.")
                return False
            body = _BoundedInput(cast(IO[bytes], self.rfile), int(declared))
        else:
            refusal = _refuse_transfer_coding(coding, "content-length" in headers, head.version)
            if refusal is not None:
                self._send_error(*refusal)
                return False
            body = ChunkedBody(cast(IO[bytes], self.rfile))
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        incoming = Incoming(head.method, head.path, head.query, headers, body)
        close_requested = self._run_app(incoming)
        if close_requested or not keep_alive:
            return False
        return body.drain()

    def _read_head(self) -> _Head | None:
        line = self.rfile.readline(MAX_HEAD_BYTES + 1)
        while line in (b"\r\n", b"\n"):
            line = self.rfile.readline(MAX_HEAD_BYTES + 1)
        if not line:
            return None
        if len(line) > MAX_HEAD_BYTES:
            raise _FramingError(431, "The request line is too long.")
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise _FramingError(400, "Malformed HTTP request line.")
        method, target, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            raise _FramingError(505, f"HTTP version {version} is not supported.")
        path, _, query = target.partition("?")
        if "://" in path:
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        if "%" in path:
            path = unquote_to_bytes(path).decode("latin-1")
        headers: dict[str, str] = {}
        for header in self._header_lines(len(line)):
            name, colon, value = header.partition(":")
            if not colon:
                raise _FramingError(400, "Malformed HTTP header line.")
            lower = _LOWERCASE.get(name) or _lowercase(name)
            value = value.strip()
            headers[lower] = f"{headers[lower]},{value}" if lower in headers else value
        return _Head(method, path, query, version, headers)

    def _header_lines(self, used: int) -> list[str]:
        """The head's header lines after the request line (`used` bytes), decoded, without their line ends."""
        rfile = cast(io.BufferedReader, self.rfile)
        buffered = rfile.peek(MAX_HEAD_BYTES)  # what arrived already, usually the whole head: no read per line
        if buffered[:2] == b"\r\n":
            rfile.read(2)
            return []
        end = buffered.find(b"\r\n\r\n")
        if 0 <= end and used + end + 4 <= MAX_HEAD_BYTES:
            block = buffered[:end]
            if block.count(b"\n") == block.count(b"\r\n"):  # no bare LF line ends, which the slow path takes
                rfile.read(end + 4)
                return block.decode("latin-1").split("\r\n")
        lines: list[str] = []
        size = used
        while True:
            line = rfile.readline(MAX_HEAD_BYTES + 1)
            size += len(line)
            if size > MAX_HEAD_BYTES:
                raise _FramingError(431, f"The request headers are larger than {MAX_HEAD_BYTES} bytes.")
            if line in (b"\r\n", b"\n"):
                return lines
            if not line.endswith(b"\n"):
                raise _FramingError(400, "The connection ended before the request head did; send the whole head.")
            lines.append(line.decode("latin-1").rstrip("\r\n"))

    def _run_app(self, incoming: Incoming) -> bool:
        """Run the application and write its response; True if it asked to close the connection."""
        reply = _Reply(self.wfile, head_only=incoming.method == "HEAD")
        try:
            result = self.server.app(incoming, reply.start_response)
            try:
                if type(result) is list and len(result) == 1:
                    reply.write(result[0])
                else:
                    for chunk in result:
                        if chunk:
                            reply.write(chunk)
                reply.finish()
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except DropConnection:
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        return reply.close

    def _send_error(self, status: int, message: str) -> None:
        body = self.server.error_body(status, message)
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        self.wfile.write(head.encode("latin-1") + body)


def _refuse_transfer_coding(coding: str, sized: bool, version: str) -> tuple[int, str] | None:
    """The status and message refusing a request's Transfer-Encoding (RFC 9112 §6); None if it is `chunked`."""
    if sized:
        return 400, (
            "A request cannot have both a Content-Length and a Transfer-Encoding header; send only one of them."
        )
    if version == "HTTP/1.0":
        return 400, "An HTTP/1.0 request cannot have a Transfer-Encoding header; send a Content-Length header instead."
    codings = [part.strip().lower() for part in coding.split(",")]
    if codings == ["chunked"]:
        return None
    if codings[-1] != "chunked" or "chunked" in codings[:-1]:
        return 400, "A request's Transfer-Encoding must end in chunked, applied once; send Transfer-Encoding: chunked."
    return 501, (
        "The only transfer coding this server accepts is chunked; send Transfer-Encoding: chunked alone, "
        "or a Content-Length header."
    )


class _Reply:
    """The response to one request as it is written: its head before the first bytes, chunked if no length."""

    __slots__ = ("chunked", "close", "head_only", "headers", "out", "sent", "status")

    def __init__(self, out: io.BufferedIOBase, head_only: bool) -> None:
        self.out = out
        self.head_only = head_only  # the head a GET would get, and no content
        self.status = "500 Internal Server Error"
        self.headers: list[tuple[str, str]] = []
        self.sent = self.chunked = self.close = False

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
        """The WSGI `start_response`."""
        if exc_info and self.sent:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status, self.headers = status, headers
        return self.write

    def write(self, data: bytes) -> None:
        """Send body bytes, the head first if it has not gone yet."""
        prefix = b"" if self.sent else self._head()
        if self.head_only:
            data = b""
        elif data and self.chunked:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        self.out.write(prefix + data)

    def finish(self) -> None:
        """Send the head of an empty response, or end a chunked one."""
        if not self.sent:
            self.write(b"")
        if self.chunked and not self.head_only:
            self.out.write(b"0\r\n\r\n")

    def _head(self) -> bytes:
        lines = [f"HTTP/1.1 {self.status}"]
        sized = False
        for name, value in self.headers:
            lower = name.lower()
            if lower == "content-length":
                if sized:
                    continue
                sized = True
            elif lower == "connection":
                self.close = True
            elif lower == "transfer-encoding":
                continue  # the server chunks the response itself when there is no length
            lines.append(f"{name}: {value}")
        if not sized:
            self.chunked = True
            lines.append("Transfer-Encoding: chunked")
        self.sent = True
        lines.append("\r\n")
        text = "\r\n".join(lines)
        if text.count("\n") != len(lines) or text.count("\r") != len(lines) or "\x00" in text:
            status = lines[0] if _BREAKS.search(lines[0]) is None else "HTTP/1.1 500 Internal Server Error"
            text = "\r\n".join([status, *(line for line in lines[1:-1] if _sendable(line)), "\r\n"])
        return text.encode("latin-1")


_BREAKS = re.compile(r"[\r\n\x00]")


def _sendable(line: str) -> bool:
    """Whether a header line holds no line break or NUL, and its name is a token: nothing it could inject."""
    name, colon, value = line.partition(": ")
    return bool(colon) and HEADER_NAME.fullmatch(name) is not None and _BREAKS.search(value) is None


class _Server(socketserver.TCPServer):
    allow_reuse_address = False
    request_queue_size = _BACKLOG

    def __init__(self, listener: socket.socket, app: Responder, error_body: ErrorBody) -> None:
        super().__init__(listener.getsockname(), cast(Any, _Handler), bind_and_activate=False)
        self.socket.close()
        self.socket = listener
        self.app = app
        self.error_body = error_body
        self.slots: dict[socket.socket, _Slot] = {}
        """The connections being served, oldest first."""
        self.lock = threading.Lock()
        self._next_sweep = 0.0
        self._connections: queue.SimpleQueue[tuple[_Slot, Any] | None] = queue.SimpleQueue()
        self._workers = 0

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection-level errors are the client's business; the server goes on."""

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand a new connection to a worker thread, making room for it if `MAX_CONNECTIONS` are served.

        Workers are started as connections need them (up to `MAX_CONNECTIONS`) and kept: starting a thread
        per connection would make accepting slow enough for a flood of connections to hold up everyone.
        """
        slot = _Slot(request)
        with self.lock:
            admitted = len(self.slots) < MAX_CONNECTIONS or self._close_oldest_waiting()
            if admitted:  # else every connection is in the middle of a request
                self.slots[request] = slot
                grow = len(self.slots) > self._workers
                self._workers += grow
        if not admitted:
            self.shutdown_request(request)
            return
        if grow:
            threading.Thread(target=self._work, name="fakeopenai-connection", daemon=True).start()
        self._connections.put((slot, client_address))

    def _work(self) -> None:
        while (item := self._connections.get()) is not None:
            slot, client_address = item
            try:
                if slot.state != _CLOSED:
                    _Handler(slot.sock, client_address, self, slot)
            except Exception:  # noqa: BLE001
                self.handle_error(slot.sock, client_address)
            finally:
                with self.lock:
                    self.slots.pop(slot.sock, None)
                self.shutdown_request(slot.sock)

    def server_close(self) -> None:
        """Stop listening, and end the workers once their connections end."""
        super().server_close()
        with self.lock:
            workers, self._workers = self._workers, 0
        for _ in range(workers):
            self._connections.put(None)

    def _close_oldest_waiting(self) -> bool:
        """Close the oldest connection waiting for a request head; False if none is waiting (call with the lock)."""
        for sock, slot in self.slots.items():
            if slot.state >= 0:
                _evict(self.slots.pop(sock))
                return True
        return False

    def service_actions(self) -> None:
        """Close connections whose request head has taken more than `HEAD_TIMEOUT_SECONDS` (checked each second)."""
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + 1.0
        with self.lock:
            late = [sock for sock, slot in self.slots.items() if 0 < slot.state < now - HEAD_TIMEOUT_SECONDS]
            for sock in late:
                _evict(self.slots.pop(sock))


def _evict(slot: _Slot) -> None:
    """End a connection's reads: its thread, blocked on the next request head, sees the end and closes it."""
    slot.state = _CLOSED
    try:
        slot.sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass


def _plain_error(status: int, message: str) -> bytes:
    return json.dumps({"error": {"message": message, "status": status}}).encode()


class LoopbackServer:
    """Serve an app (its `respond`) from a daemon thread; `start()`, then `stop()`."""

    def __init__(
        self, app: Responder, host: str = "127.0.0.1", port: int = 0, error_body: ErrorBody = _plain_error
    ) -> None:
        self._app = app
        self._host = host
        self._requested_port = port
        self._error_body = error_body
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The bound port (known once started)."""
        if self._port is None:
            raise RuntimeError("The server has not been started; call start() first.")
        return self._port

    @property
    def host(self) -> str:
        """The host the server listens on."""
        return self._host

    def start(self) -> None:
        """Bind the socket and start serving in a daemon thread."""
        listener = _bind(self._host, self._requested_port)
        server = _Server(listener, self._app, self._error_body)
        self._server = server
        self._port = int(listener.getsockname()[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fakeopenai-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and wait for the serving thread to end."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.bind((host, port))
        listener.listen(_BACKLOG)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError(
                f"Port {port} on {host} is already in use. Pass port=0 to let the system choose a free port, "
                "or stop the program that holds it."
            ) from exc
        raise ConfigurationError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
    return listener
