"""A threaded werkzeug HTTP server on loopback, run in a daemon thread.

The server knows nothing of OpenAI: it serves any WSGI application over
HTTP/1.1 with keep-alive, streams chunked responses as they are produced, and
never exits the process when its port is taken.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Iterable
from typing import IO, Any, cast

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler

from ._errors import ConfigurationError

WSGIApp = Any

_DRAIN_LIMIT = 1 << 20


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
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def readline(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        if size < 0 or size > self.remaining:
            size = self.remaining
        data = self._raw.readline(size)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def drain(self) -> bool:
        """Discard what the application left unread; False if too much is left."""
        if self.remaining > _DRAIN_LIMIT:
            return False
        while self.remaining > 0 and self.read(65536):
            pass
        return True


class _KeepAliveHandler(WSGIRequestHandler):
    """A request handler that keeps HTTP/1.1 connections open between requests.

    werkzeug's own handler closes every connection; this one reads exactly the
    request body, so the next request on the connection starts cleanly.
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = -1

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Stay silent: the fake keeps its own request log."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay silent on the console."""

    def run_wsgi(self) -> None:
        """Run the application for one request and write its response."""
        environ = self.make_environ()
        body: _BoundedInput | None = None
        if not environ.get("wsgi.input_terminated"):
            try:
                length = max(int(environ.get("CONTENT_LENGTH") or 0), 0)
            except ValueError:
                length = 0
            body = _BoundedInput(cast(IO[bytes], self.rfile), length)
            environ["wsgi.input"] = body
            environ["wsgi.input_terminated"] = True

        state: dict[str, Any] = {"status": None, "headers": None, "sent": False, "chunked": False}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info and state["sent"]:
                raise exc_info[1].with_traceback(exc_info[2])
            state["status"], state["headers"] = status, headers
            return write

        def send_head() -> None:
            code, _, reason = state["status"].partition(" ")
            self.send_response(int(code), reason)
            names = set()
            for name, value in state["headers"]:
                self.send_header(name, value)
                names.add(name.lower())
            if "content-length" not in names and int(code) not in (204, 304):
                state["chunked"] = True
                self.send_header("Transfer-Encoding", "chunked")
            if "connection" in names:
                self.close_connection = True
            self.end_headers()
            state["sent"] = True

        def write(data: bytes) -> None:
            if not state["sent"]:
                send_head()
            if data:
                if state["chunked"]:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                else:
                    self.wfile.write(data)
            self.wfile.flush()

        result: Iterable[bytes] = self.server.app(environ, start_response)
        try:
            for chunk in result:
                write(chunk)
            if not state["sent"]:
                send_head()
            if state["chunked"]:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (TimeoutError, ConnectionError, OSError):
            self.close_connection = True
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if body is not None and not body.drain():
            self.close_connection = True
        elif body is None:
            self.close_connection = True


class LoopbackServer:
    """Serve a WSGI app from a daemon thread; `start()`, then `stop()`."""

    def __init__(self, app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app = app
        self._host = host
        self._requested_port = port
        self._server: BaseWSGIServer | None = None
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
        try:
            server = ThreadedWSGIServer(
                self._host, self._requested_port, self._app, handler=_KeepAliveHandler, fd=listener.fileno()
            )
        finally:
            listener.close()
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._port = int(server.port)
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
    if port:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(128)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError(
                f"Port {port} on {host} is already in use. Pass port=0 to let the system choose a free port, "
                "or stop the program that holds it."
            ) from exc
        raise ConfigurationError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
    return listener
