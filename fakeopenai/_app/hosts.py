"""Which `Host` headers the server answers to: the defence against DNS rebinding.

A web page on `evil.example` whose name is made to resolve to 127.0.0.1 can
send requests to the fake from the browser, but they carry `Host: evil.example`.
So the server answers only to names a web page cannot be served from and
rebound: `localhost` (and `*.localhost`), IP address literals (`127.0.0.1:8000`,
`[::1]`, `10.0.0.5`), names without a dot (`fakeopenai`, a Docker Compose
service: nobody can register one), the name it was bound to, and the names it
was told of (`fakeopenai serve --allowed-host`). The port is not compared:
behind Docker's `-p 8080:8000` clients send `:8080`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache


def host_name(value: str) -> str:
    """The name in a `Host` header (or a `--host`), lowercased, without port, brackets or trailing dot."""
    value = value.strip().lower()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    return value.rstrip(".")


def is_address(name: str) -> bool:
    """Whether `name` (as `host_name` returns it) is an IP address literal."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostCheck:
    """The `Host` headers a server answers to; `allows` is cached, as a server sees the same few over and over."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = frozenset(host_name(name) for name in names if name)
        """Names allowed besides localhost and addresses: exact, `.example.com` for a domain and its
        subdomains, or `*` for any name."""
        self._domains = tuple(name for name in self.names if name.startswith("."))
        self.allows = lru_cache(maxsize=64)(self._allows)

    def _allows(self, value: str | None) -> bool:
        """Whether a request with this `Host` header (None when it has none) is answered."""
        if value is None:
            return True  # HTTP/1.0 clients; every browser sends a Host
        name = host_name(value)
        if "." not in name or name.endswith(".localhost") or name in self.names or "*" in self.names:
            return True
        if name.endswith(self._domains) or ("." + name) in self._domains:
            return True
        return is_address(name)
