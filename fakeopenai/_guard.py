"""While a test uses the fake, the test process may not reach the real OpenAI API.

A misconfigured client (a hard-coded `base_url`, a library that ignores
`OPENAI_BASE_URL`) would otherwise silently spend money. The guard refuses to
resolve the API's host names (`socket.getaddrinfo`, `gethostbyname`,
`gethostbyname_ex`), and refuses to send a proxy the request that would reach
them through it (`CONNECT api.openai.com:443`, or a plain-HTTP request for
`http://api.openai.com/…`): a client behind `HTTPS_PROXY` never looks the name
up itself. The check is on the bytes a socket sends, so it holds for every
client, built before the test or during it. The fake's own threads (which
record through to the upstream, through a proxy if one is set) are let through.

Not covered: child processes (a patch lives in one process), resolvers that do
not go through Python's `socket` module (uvloop, aiodns), and a proxy reached
over TLS (an `https://` proxy URL), whose requests are encrypted before any
socket sees them.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable
from typing import Any

from ._http.server import in_server_thread

REAL_API_HOSTS = frozenset({"api.openai.com"})
"""Hosts of the real OpenAI API."""
REAL_API_DOMAINS = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")
"""Domains whose hosts serve Azure OpenAI: resources of the `OpenAI` kind, and AI Services / AI Foundry ones."""

_LOOKUPS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex")
_SENDS = ("send", "sendall")
_PROXY_REQUEST = re.compile(rb"CONNECT |[A-Z]{1,16} (?i:http)://")
"""The start of a request only a proxy is sent: a tunnel, or a plain-HTTP request in absolute form."""


def is_real_api_host(host: str) -> bool:
    """Whether `host` (any case, a trailing dot allowed) names the real OpenAI API or Azure OpenAI."""
    name = host.lower().rstrip(".")
    return name in REAL_API_HOSTS or name.endswith(REAL_API_DOMAINS)


def _message(host: str, how: str) -> str:
    return (
        f"fakeopenai blocked a request to the real OpenAI API ({host}{how}) during a test. "
        "Point the client at the fake (OpenAI() without base_url reads OPENAI_BASE_URL), "
        "or allow it with @pytest.mark.fakeopenai(block_real_api=False)."
    )


def _proxied_host(data: Any) -> str | None:
    """The host a proxy is asked to reach by the request line at the start of `data`, if it starts with one."""
    if _PROXY_REQUEST.match(data) is None:
        return None
    line = bytes(data[:1024]).split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    if len(parts) != 3:
        return None
    target = parts[1]
    if parts[0] != "CONNECT":
        scheme, _, rest = target.partition("://")
        if scheme.lower() != "http":
            return None
        target = rest.split("/", 1)[0].rpartition("@")[2]
    if target.startswith("["):
        return target[1:].split("]", 1)[0]
    return target.rsplit(":", 1)[0] if target.count(":") == 1 else target


class RealApiGuard:
    """Blocks name lookups of the real API's hosts, and proxy requests for them, while armed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._on_block: Callable[[str], None] | None = None
        self._originals: dict[str, Any] = {}
        """What each patched name was before the guard, by name; `send`'s is the class attribute or None."""
        self._wrappers: dict[str, Any] = {name: self._lookup(name) for name in _LOOKUPS}
        self._wrappers.update({name: self._send(name) for name in _SENDS})

    def arm(self, on_block: Callable[[str], None]) -> None:
        """Start blocking; `on_block(host)` is told of every blocked attempt."""
        with self._lock:
            self._on_block = on_block
            for name, wrapper in self._wrappers.items():
                owner: Any = socket.socket if name in _SENDS else socket
                current = owner.__dict__.get(name) if name in _SENDS else getattr(owner, name)
                if current is wrapper:
                    continue  # left in place by someone who restored it after we were disarmed: keep the original
                self._originals[name] = current
                setattr(owner, name, wrapper)

    def disarm(self) -> None:
        """Stop blocking and restore what the guard replaced (where nobody has replaced it since)."""
        with self._lock:
            self._on_block = None
            for name, wrapper in self._wrappers.items():
                if name in _SENDS:
                    if socket.socket.__dict__.get(name) is wrapper:
                        original = self._originals.get(name)
                        if original is None:
                            delattr(socket.socket, name)
                        else:
                            setattr(socket.socket, name, original)
                elif getattr(socket, name) is wrapper:
                    setattr(socket, name, self._originals[name])

    def _blocks(self, host: str) -> Callable[[str], None] | None:
        """Whom to tell if `host` must be blocked now; None to let it through."""
        on_block = self._on_block
        if on_block is None or not is_real_api_host(host) or in_server_thread():
            return None
        return on_block

    def _lookup(self, name: str) -> Callable[..., Any]:
        def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
            text = host.decode() if isinstance(host, bytes) else str(host)
            on_block = self._blocks(text)
            if on_block is not None:
                on_block(text)
                raise socket.gaierror(socket.EAI_NONAME, _message(text, ""))
            return self._originals[name](host, *args, **kwargs)

        lookup.__name__ = name
        return lookup

    def _send(self, name: str) -> Callable[..., Any]:
        inherited = getattr(socket.socket.__mro__[1], name)

        def send(sock: socket.socket, data: Any, *args: Any) -> Any:
            if self._on_block is not None:
                host = _proxied_host(data)
                on_block = self._blocks(host) if host is not None else None
                if host is not None and on_block is not None:
                    on_block(host)
                    try:  # a client that reads on after a failed write (httpcore does) then sees the end at once
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    raise ConnectionRefusedError(_message(host, ", through a proxy"))
            return (self._originals.get(name) or inherited)(sock, data, *args)

        send.__name__ = name
        return send
