"""Raw TCP servers for transport tests: one thread accepting connections in turn, a handler for each."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import httpx2

from fakeopenai._wire_client import make_socket_transport

Handler = Callable[[socket.socket, int], None]


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

    def client(self) -> httpx2.Client:
        return httpx2.Client(
            base_url=f"http://127.0.0.1:{self.port}", transport=make_socket_transport(httpx2, "127.0.0.1", self.port)
        )

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
