"""Set-up shared by every test module.

pytester's in-process runs forget the modules first imported during them, so the SDK and its HTTP
stacks are imported here, before any test (httpx2 imports httpcore2 lazily, httpx imports httpcore
lazily): each stays one module for the whole session, as httpx maps the httpcore exceptions it knows
by their classes.
"""

from collections.abc import Callable, Iterator

import httpcore  # noqa: F401
import httpcore2  # noqa: F401
import openai  # noqa: F401
import pytest
from raw_servers import Handler, RawServer


@pytest.fixture
def raw_server() -> Iterator[Callable[[Handler], RawServer]]:
    """Start raw servers with `raw_server(handler)`; they stop when the test ends."""
    servers: list[RawServer] = []

    def start(handler: Handler) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.close()
