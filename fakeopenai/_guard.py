"""While a test uses the fake, the test process may not reach the real OpenAI API.

A misconfigured client (a hard-coded `base_url`, a library that ignores
`OPENAI_BASE_URL`) would otherwise silently spend money. The guard refuses to
resolve the API's host names; the fake's own threads (which record through to
the upstream) are let through.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

from ._server import in_server_thread

REAL_API_HOSTS = frozenset({"api.openai.com"})


class RealApiGuard:
    """Blocks name lookups of the real API's hosts while armed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._on_block: Callable[[str], None] | None = None
        self._original: Callable[..., Any] | None = None

    def arm(self, on_block: Callable[[str], None]) -> None:
        """Start blocking; `on_block(host)` is told of every blocked attempt."""
        with self._lock:
            if self._original is None:
                self._original = socket.getaddrinfo
                socket.getaddrinfo = self._getaddrinfo
            self._on_block = on_block

    def disarm(self) -> None:
        """Stop blocking and restore the real name lookup."""
        with self._lock:
            if self._original is not None and socket.getaddrinfo == self._getaddrinfo:
                socket.getaddrinfo = self._original
            self._original = None
            self._on_block = None

    def _getaddrinfo(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        original, on_block = self._original, self._on_block
        name = host.decode() if isinstance(host, bytes) else str(host)
        if on_block is not None and name.lower().rstrip(".") in REAL_API_HOSTS and not in_server_thread():
            on_block(name)
            raise socket.gaierror(
                socket.EAI_NONAME,
                f"fakeopenai blocked a request to the real OpenAI API ({name}) during a test. "
                "Point the client at the fake (OpenAI() without base_url reads OPENAI_BASE_URL), "
                "or allow it with @pytest.mark.fakeopenai(block_real_api=False).",
            )
        assert original is not None
        return original(host, *args, **kwargs)
