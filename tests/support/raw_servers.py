"""Raw TCP servers for transport tests: one thread accepting connections in turn, a handler for each."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import httpx
import httpx2
import pytest
from sdk_shapes import SDK_HTTPX

from fakeopenai._transports.sync_socket import make_socket_transport

Handler = Callable[[socket.socket, int], None]
HTTP_PACKAGES = [pytest.param(httpx, id="httpx"), pytest.param(httpx2, id="httpx2")]
"""Both HTTP packages the socket transports serve, for tests of the transport itself."""


class RawServer:
    """A TCP server on 127.0.0.1 that runs `handler(connection, index)` for each connection, in turn."""

    def __init__(self, handler: Handler) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port: int = self.listener.getsockname()[1]
        self.accepted = 0
        self.stopping = False
        self.handler = handler
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping:
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(5)
            self.accepted += 1
            with connection:
                try:
                    self.handler(connection, self.accepted - 1)
                except OSError:
                    pass

    def client(self, http: ModuleType = SDK_HTTPX) -> Any:
        """A client of the `http` package (by default the SDK's) for this server, through the socket transport."""
        transport = make_socket_transport(http, "127.0.0.1", self.port)
        return http.Client(base_url=f"http://127.0.0.1:{self.port}", transport=transport)

    def close(self) -> None:
        self.stopping = True
        self.thread.join(5)
        self.listener.close()


def read_request(connection: socket.socket) -> bytes | None:
    """One request's bytes (head and Content-Length body), or None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = connection.recv(65536)
        if not more:
            return None
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    while len(body) < length:
        body += connection.recv(65536)
    return data


def ok(text: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(text), text)


def replying(reply: bytes, *, piece: int | None = None) -> Handler:
    """A handler that reads one request and sends `reply`, whole or in pieces of `piece` bytes."""

    def answer(connection: socket.socket, index: int) -> None:
        read_request(connection)
        if piece is None:
            connection.sendall(reply)
            return
        for start in range(0, len(reply), piece):  # in small pieces: the parsers wait for more bytes
            connection.sendall(reply[start : start + piece])
            time.sleep(0.001)

    return answer


def replying_then_closing(reply: bytes) -> Handler:
    """A handler that reads one request, sends `reply` and closes its side, reading on to the client's close."""

    def answer(connection: socket.socket, index: int) -> None:
        read_request(connection)
        connection.sendall(reply)
        connection.shutdown(socket.SHUT_WR)
        while connection.recv(65536):
            pass

    return answer


def reset_on_the_second_request(connection: socket.socket, index: int) -> None:
    """Answer the first request, then close with the second unread (a reset); answer on a new connection."""
    if index == 0:
        read_request(connection)
        connection.sendall(ok(b"first"))
        connection.recv(1, socket.MSG_PEEK)  # the next request has arrived; closing unread sends a reset
        return
    while read_request(connection) is not None:
        connection.sendall(ok(b"retried"))


VALID_FRAMING = [
    pytest.param(b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"final"), b"final", {}, id="interim-1xx-skipped"),
    pytest.param(b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil the end", b"until the end", {"x-a": "1"}, id="until-eof"),
    pytest.param(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: t\r\n\r\n",
        b"abc0123456789",
        {"transfer-encoding": "chunked"},
        id="chunked-with-extension-and-trailer",
    ),
    pytest.param(b"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nold!", b"old!", {}, id="http-1.0"),
    pytest.param(
        b"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n", b"", {"content-length": "9"}, id="204-no-body"
    ),
]
"""Replies valid HTTP/1.1 frames that the fake never sends: (reply, body, headers the response has)."""

BROKEN_FRAMING = [
    pytest.param(b"", "Server disconnected without sending a complete response.", id="nothing"),
    pytest.param(b"HTTP/1.1 200 OK\r\nContent-Le", "Server disconnected without", id="half-a-head"),
    pytest.param(b"HELLO THERE\r\n\r\n", "Malformed HTTP status line", id="not-http"),
    pytest.param(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "Malformed HTTP header line", id="bad-header"),
    pytest.param(b"HTTP/1.1 200 OK\r\nX: " + b"x" * 70000, "larger than 65536 bytes", id="head-too-large"),
    pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", "received 2 bytes, expected 10", id="short-body"),
    pytest.param(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "Malformed chunk size", id="bad-chunk"
    ),
    pytest.param(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "incomplete chunked read", id="short-chunk"
    ),
]
"""Replies that break HTTP/1.1 framing, and what the `RemoteProtocolError` says: (reply, message)."""
