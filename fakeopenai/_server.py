"""A threaded HTTP/1.1 server on loopback for the fake's app, run in a daemon thread.

The server knows nothing of OpenAI. It keeps connections alive between
requests, streams chunked responses as the application produces them, reads
exactly each request's body (so the next request on the connection starts
cleanly), and never exits the process when its port is taken.

werkzeug's development handler closes every connection and spends about
300 µs per request in `http.server`'s header parsing; this one parses the
request head directly into the `Incoming` the app reads, with no WSGI environ
in between, and answers through WSGI's `start_response` and body iterable
(chunked request bodies go through werkzeug's own `DechunkedInput`).
"""

from __future__ import annotations

import errno
import io
import json
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import IO, Any, NamedTuple, cast
from urllib.parse import unquote_to_bytes

from ._errors import ConfigurationError
from ._incoming import Body, Incoming

Responder = Callable[[Incoming, Callable[..., Any]], Iterable[bytes]]
"""Answers one request as the app's `respond` does: it calls WSGI's `start_response`, returns the body's chunks."""
ErrorBody = Callable[[int, str], bytes]
"""Renders a framing error (status, message) as a JSON body."""

MAX_HEAD_BYTES = 64 * 1024
"""Request line plus headers above this size are refused with 431."""
IDLE_TIMEOUT_SECONDS = 60.0
"""A connection that sends nothing for this long is closed (slow clients included)."""

_DRAIN_LIMIT = 1 << 20
_REASONS = {
    100: "Continue",
    200: "OK",
    400: "Bad Request",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
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
    if not name or name != name.strip():
        raise _FramingError(400, "Malformed HTTP header line.")
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


class DropConnection(Exception):
    """Raised by an application (or its body iterator) to close the connection at once, mid-response."""


class _FramingError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Handler(socketserver.StreamRequestHandler):
    """Serves the requests of one connection, one after another."""

    server: _Server
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_SECONDS

    def handle(self) -> None:
        with _SERVING:
            try:
                while self._serve_one():
                    pass
            except (ConnectionError, TimeoutError, OSError):
                pass

    def _serve_one(self) -> bool:
        """Serve one request; False when the connection should close."""
        try:
            head = self._read_head()
        except _FramingError as error:
            self._send_error(error.status, str(error))
            return False
        if head is None:
            return False
        headers = head.headers
        keep_alive = head.version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        body: Body
        if "chunked" in headers.get("transfer-encoding", "").lower():
            from werkzeug.serving import DechunkedInput  # imported on first use: werkzeug takes ~20 ms to import

            body = DechunkedInput(cast(Any, self.rfile))
            bounded = None
        else:
            declared = headers.get("content-length") or "0"
            if not (declared.isascii() and declared.isdigit()):  # int() would take "+5", " 5" and "1_0"
                self._send_error(400, "Invalid Content-Length header.")
                return False
            body = bounded = _BoundedInput(cast(IO[bytes], self.rfile), int(declared))
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        incoming = Incoming(head.method, head.path, head.query, headers, body)
        close_requested = self._run_app(incoming)
        if close_requested or not keep_alive:
            return False
        if bounded is None:
            return _drain(body)
        return bounded.drain()

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
            if line in (b"\r\n", b"\n", b""):
                return lines
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
            lines.append(f"{name}: {value}")
            lower = name.lower()
            if lower == "content-length":
                sized = True
            elif lower == "connection":
                self.close = True
        if not sized:
            self.chunked = True
            lines.append("Transfer-Encoding: chunked")
        self.sent = True
        lines.append("\r\n")
        return "\r\n".join(lines).encode("latin-1")


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False
    request_queue_size = 1024

    def __init__(self, listener: socket.socket, app: Responder, error_body: ErrorBody) -> None:
        super().__init__(listener.getsockname(), _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = listener
        self.app = app
        self.error_body = error_body

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection-level errors are the client's business; the server goes on."""


def _drain(stream: Any) -> bool:
    """Read a chunked body to its end; False if it is too long to bother."""
    left = _DRAIN_LIMIT
    while left > 0:
        chunk = stream.read(65536)
        if not chunk:
            return True
        left -= len(chunk)
    return False


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
        listener.listen(1024)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError(
                f"Port {port} on {host} is already in use. Pass port=0 to let the system choose a free port, "
                "or stop the program that holds it."
            ) from exc
        raise ConfigurationError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
    return listener
