"""The no-socket mode: httpx transports that hand requests straight to the fake's WSGI app.

Everything but the socket is the same: validation, scripts, cassettes, the
simulator, streaming and the request log. A dropped connection surfaces as the
transport error a real one raises; latency is real time spent before the first
byte. What needs a socket — client timeouts firing on a stalled stream — needs
the real server.
"""

from __future__ import annotations

import functools
import io
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any

from .._app.app import App, PacedBody
from .._app.incoming import DropConnection, Incoming
from .._http.server import serving

MEMORY_BASE_URL = "http://fakeopenai.memory/v1"
"""The base URL in-memory clients use; no socket is ever opened for it."""


_NAMES: dict[bytes, str] = {}
"""Header names seen lately, decoded and lowercased: a client sends the same ones on every request."""


def _name(raw: bytes) -> str:
    if len(_NAMES) >= 1024:
        _NAMES.clear()
    name = _NAMES[raw] = raw.decode("latin-1").lower()
    return name


def _incoming(request: Any, content: bytes) -> Incoming:
    raw = request.headers.raw
    headers = {_NAMES.get(name) or _name(name): value.decode("latin-1") for name, value in raw}
    if len(headers) < len(raw):  # a repeated header: join its values
        headers = {}
        for raw_name, raw_value in raw:
            name, value = _NAMES.get(raw_name) or _name(raw_name), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]},{value}" if name in headers else value
    url = request.url
    return Incoming(request.method, url.path, url.query.decode("ascii"), headers, io.BytesIO(content))


class _Exchange:
    """One request run through the app: its status, headers, and body chunks as they come.

    Making one runs the app up to its answer (which waits only while a cassette records);
    a body that is not `complete` comes in chunks, which wait for time to pass only if it
    is `paced` (latency, pacing, stalls, a live upstream).
    """

    def __init__(self, app: App, incoming: Incoming) -> None:
        self.status = 500
        self.headers: list[tuple[str, str]] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
            self.status, self.headers = int(status.split()[0]), headers
            return lambda data: None

        with serving():
            self._result = app.respond(incoming, start_response)
        self.complete = type(self._result) is list  # rendered whole, with its Content-Length
        self.paced = isinstance(self._result, PacedBody)
        self.first = b"".join(self._result) if self.complete else b""
        self._chunks: Iterator[bytes] = iter(()) if self.complete else iter(self._result)

    def start(self) -> _Exchange:
        """Fetch the first chunk of a body that is not complete; the exchange itself."""
        if not self.complete:
            with serving():
                self.first = next((chunk for chunk in self._chunks if chunk), b"")
        return self

    def rest(self) -> Iterator[bytes]:
        """The chunks after the first."""
        while True:
            with serving():
                chunk = next(self._chunks, None)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        """Release the app's iterable."""
        close = getattr(self._result, "close", None)
        if close is not None:
            close()


def make_transports(httpx: ModuleType, app: App) -> tuple[Any, Any]:
    """A sync and an async transport for `httpx` (the `httpx` or the `httpx2` package) reaching `app`."""
    sync, async_ = _transport_classes(httpx)
    return sync(app), async_(app)


@functools.cache
def _transport_classes(httpx: ModuleType) -> tuple[type[Any], type[Any]]:
    """The sync and async transport classes for `httpx`, made once per package: their bases are its."""

    def dropped(request: Any) -> Any:
        return httpx.RemoteProtocolError("Server disconnected without sending a complete response.", request=request)

    class SyncStream(httpx.SyncByteStream):  # type: ignore[misc, name-defined]
        def __init__(self, exchange: _Exchange, request: Any) -> None:
            self._exchange, self._request = exchange, request

        def __iter__(self) -> Iterator[bytes]:
            if self._exchange.first:
                yield self._exchange.first
            try:
                yield from self._exchange.rest()
            except DropConnection:
                raise dropped(self._request) from None

        def close(self) -> None:
            self._exchange.close()

    class MemoryTransport(httpx.BaseTransport):  # type: ignore[misc, name-defined]
        """Answers requests from the fake's app, in the calling thread."""

        def __init__(self, app: App) -> None:
            self._app = app

        def handle_request(self, request: Any) -> Any:
            try:
                exchange = _Exchange(self._app, _incoming(request, request.read())).start()
            except DropConnection:
                raise dropped(request) from None
            if exchange.complete:  # read at once, as any in-memory transport's answer is: no stream to iterate
                return httpx.Response(exchange.status, headers=exchange.headers, content=exchange.first)
            return httpx.Response(exchange.status, headers=exchange.headers, stream=SyncStream(exchange, request))

    class AsyncStream(httpx.AsyncByteStream):  # type: ignore[misc, name-defined]
        def __init__(self, exchange: _Exchange, request: Any) -> None:
            self._exchange, self._request = exchange, request
            self._rest = exchange.rest()

        async def __aiter__(self) -> AsyncIterator[bytes]:
            if self._exchange.first:
                yield self._exchange.first
            paced = self._exchange.paced
            while True:
                try:
                    chunk = await _in_thread(next, self._rest, None) if paced else next(self._rest, None)
                except DropConnection:
                    raise dropped(self._request) from None
                if chunk is None:
                    return
                yield chunk

        async def aclose(self) -> None:
            self._exchange.close()

    class AsyncMemoryTransport(httpx.AsyncBaseTransport):  # type: ignore[misc, name-defined]
        """Answers requests from the fake's app: on the event loop up to the answer (CPU work, which a
        worker thread would do under the same GIL, at the price of two thread switches), and in a
        worker thread wherever it may wait: a body's latency or pacing, or a cassette recording."""

        def __init__(self, app: App) -> None:
            self._app = app

        async def handle_async_request(self, request: Any) -> Any:
            incoming = _incoming(request, await request.aread())
            try:
                if _answers_at_once(self._app):
                    exchange = _Exchange(self._app, incoming)
                    if exchange.paced:
                        await _in_thread(exchange.start)
                    else:
                        exchange.start()
                else:
                    exchange = await _in_thread(lambda: _Exchange(self._app, incoming).start())
            except DropConnection:
                raise dropped(request) from None
            if exchange.complete:  # read at once, as any in-memory transport's answer is: no stream to iterate
                return httpx.Response(exchange.status, headers=exchange.headers, content=exchange.first)
            return httpx.Response(exchange.status, headers=exchange.headers, stream=AsyncStream(exchange, request))

    return MemoryTransport, AsyncMemoryTransport


def _answers_at_once(app: App) -> bool:
    """Whether the app answers without waiting on anything but the CPU: no cassette that may call the upstream.

    Scripted `when=` predicates are the test's own code, and run where the request does.
    """
    tape = app.state.tape
    return tape is None or not tape.records


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking call in a worker thread without blocking the event loop (asyncio or trio)."""
    import anyio.to_thread

    return await anyio.to_thread.run_sync(function, *args)
