"""The guard holds when a proxy is set, for every name lookup, for Azure OpenAI; traffic to the fake skips the proxy.

A local proxy on 127.0.0.1 stands in for a CI runner's `HTTPS_PROXY`: it records the request line of every
connection (a `CONNECT host:443` for HTTPS) and answers 502, so nothing ever leaves the machine. Name lookups of
anything but loopback go to a stub, beneath the guard, that refuses them: a guard that failed would be seen, not
sent to a DNS server.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
import requests
from raw_servers import RawServer, read_request

from fakeopenai import FakeOpenAI
from fakeopenai._guard import RealApiGuard

HELLO: list[Any] = [{"role": "user", "content": "Hello"}]
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")


class Proxy:
    """A forward proxy that refuses everything: the request line of each connection, in order."""

    def __init__(self, start: Callable[[Callable[[socket.socket, int], None]], RawServer]) -> None:
        self.lines: list[str] = []
        self.server = start(self._handle)
        self.url = f"http://127.0.0.1:{self.server.port}"

    def _handle(self, connection: socket.socket, index: int) -> None:
        request = read_request(connection)
        if request is not None:
            self.lines.append(request.split(b"\r\n", 1)[0].decode())
            connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture
def leaked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names looked up past the guard; every lookup but loopback's is refused here, never sent."""
    names: list[str] = []

    def stub(original: Callable[..., Any]) -> Callable[..., Any]:
        def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else str(host)
            if name in LOCAL_NAMES:
                return original(host, *args, **kwargs)
            names.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"the test refused to look up {name}")

        return lookup

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, stub(getattr(socket, name)))
    return names


@pytest.fixture
def proxy(raw_server: Any, monkeypatch: pytest.MonkeyPatch, leaked: list[str]) -> Proxy:
    """Every proxy variable points at the local proxy, and NO_PROXY names one other host, as on a CI runner."""
    server = Proxy(raw_server)
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, server.url)
    monkeypatch.setenv("NO_PROXY", "internal.example")
    monkeypatch.delenv("no_proxy", raising=False)
    return server


@pytest.fixture
def early_httpx(proxy: Proxy) -> Iterator[httpx.Client]:
    """An httpx client built before the fake's fixture: it read the proxy variables then, and keeps them."""
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def early_sdk(proxy: Proxy) -> openai.OpenAI:
    """A module-level style SDK client built before the fixture, with the real API's URL."""
    return openai.OpenAI(base_url="https://api.openai.com/v1", api_key="sk-real-looking", max_retries=0)


def blocked(fake: FakeOpenAI, proxy: Proxy, leaked: list[str], host: str = "api.openai.com") -> None:
    """The attempt was reported to the test, the proxy saw no request for `host`, and no lookup got past the guard."""
    assert fake.state.blocked == [host]
    assert not any(host in line for line in proxy.lines), proxy.lines
    assert leaked == []
    fake.state.blocked.clear()  # blocked on purpose; any other test would fail at teardown


# --- through a proxy ---------------------------------------------------------------------------------------------


def test_httpx_through_a_proxy_is_blocked(proxy: Proxy, leaked: list[str], fake_openai: FakeOpenAI) -> None:
    with pytest.raises(httpx.TransportError):  # httpcore reads on after a failed write: the reason is in the report
        httpx.get("https://api.openai.com/v1/models", timeout=5)

    blocked(fake_openai, proxy, leaked)


def test_requests_through_a_proxy_is_blocked(proxy: Proxy, leaked: list[str], fake_openai: FakeOpenAI) -> None:
    with pytest.raises(requests.ConnectionError, match="fakeopenai blocked"):
        requests.get("https://api.openai.com/v1/models", timeout=5)

    blocked(fake_openai, proxy, leaked)


def test_the_sdk_through_a_proxy_is_blocked(proxy: Proxy, leaked: list[str], fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url="https://api.openai.com/v1", api_key="sk-real-looking", max_retries=0)

    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gpt-4o", messages=HELLO)

    blocked(fake_openai, proxy, leaked)


def test_the_async_sdk_through_a_proxy_is_blocked(proxy: Proxy, leaked: list[str], fake_openai: FakeOpenAI) -> None:
    async def call() -> None:
        async with openai.AsyncOpenAI(
            base_url="https://api.openai.com/v1", api_key="sk-real-looking", max_retries=0
        ) as client:
            await client.models.list()

    with pytest.raises(openai.APIConnectionError):
        asyncio.run(call())

    blocked(fake_openai, proxy, leaked)


def test_clients_built_before_the_fixture_are_blocked_too(
    proxy: Proxy, leaked: list[str], early_httpx: httpx.Client, early_sdk: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    with pytest.raises(httpx.TransportError):  # httpcore reads on after a failed write: the reason is in the report
        early_httpx.get("https://api.openai.com/v1/models")
    with pytest.raises(openai.APIConnectionError):
        early_sdk.models.list()

    assert fake_openai.state.blocked == ["api.openai.com", "api.openai.com"]
    fake_openai.state.blocked[1:] = []
    blocked(fake_openai, proxy, leaked)


def test_plain_http_to_the_real_api_through_a_proxy_is_blocked(
    proxy: Proxy, leaked: list[str], fake_openai: FakeOpenAI
) -> None:
    with pytest.raises(httpx.TransportError):  # httpcore reads on after a failed write: the reason is in the report
        httpx.post("http://api.openai.com/v1/chat/completions", json={"messages": HELLO}, timeout=5)

    blocked(fake_openai, proxy, leaked)


def test_other_hosts_still_go_through_the_proxy(proxy: Proxy, leaked: list[str], fake_openai: FakeOpenAI) -> None:
    response = httpx.get("http://example.com/", timeout=5)
    with pytest.raises(httpx.ProxyError):
        httpx.get("https://api.openai.com.example.com/", timeout=5)

    assert response.status_code == 502
    assert proxy.lines == ["GET http://example.com/ HTTP/1.1", "CONNECT api.openai.com.example.com:443 HTTP/1.1"]
    assert fake_openai.state.blocked == [] and leaked == []


# --- Azure OpenAI and every name lookup --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["my-resource.openai.azure.com", "my-resource.cognitiveservices.azure.com", "my-project.services.ai.azure.com"],
)
def test_azure_openai_hosts_are_blocked_directly_and_through_a_proxy(
    proxy: Proxy, leaked: list[str], fake_openai: FakeOpenAI, host: str
) -> None:
    client = openai.AzureOpenAI(
        azure_endpoint=f"https://{host}", api_key="azure-key", api_version="2024-10-21", max_retries=0
    )
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gpt-4o", messages=HELLO)
    blocked(fake_openai, proxy, leaked, host)

    with pytest.raises(socket.gaierror, match="fakeopenai blocked"):
        socket.getaddrinfo(host.upper() + ".", 443)
    blocked(fake_openai, proxy, leaked, host.upper() + ".")


@pytest.mark.parametrize("lookup", [socket.gethostbyname, socket.gethostbyname_ex, socket.getaddrinfo])
def test_every_name_lookup_is_guarded(leaked: list[str], fake_openai: FakeOpenAI, lookup: Callable[..., Any]) -> None:
    name = lookup.__name__
    args = ("api.openai.com", 443) if name == "getaddrinfo" else ("api.openai.com",)

    with pytest.raises(socket.gaierror, match="fakeopenai blocked"):
        getattr(socket, name)(*args)

    assert fake_openai.state.blocked == ["api.openai.com"] and leaked == []
    assert getattr(socket, name)("localhost", *args[1:])  # other names go through
    fake_openai.state.blocked.clear()


def test_disarming_restores_every_patched_function(leaked: list[str]) -> None:
    before = {name: getattr(socket, name) for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex")}
    methods = {name: socket.socket.__dict__.get(name) for name in ("send", "sendall")}
    guard = RealApiGuard()
    hosts: list[str] = []

    guard.arm(hosts.append)
    with pytest.raises(socket.gaierror):
        socket.gethostbyname("api.openai.com")
    guard.disarm()

    assert hosts == ["api.openai.com"]
    assert {name: getattr(socket, name) for name in before} == before
    assert {name: socket.socket.__dict__.get(name) for name in methods} == methods


def test_a_guard_put_back_by_someone_else_passes_through_and_arms_again(leaked: list[str]) -> None:
    before = socket.getaddrinfo
    guard = RealApiGuard()
    guard.arm(leaked.append)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", lambda *args: [])  # set over the guard, as a test's monkeypatch can
        guard.disarm()  # cannot restore what it no longer sees
    # leaving the block put the guard's own function back, disarmed

    assert socket.getaddrinfo("localhost", 80)  # passes through, no recursion
    guard.arm(leaked.append)
    with pytest.raises(socket.gaierror, match="fakeopenai blocked"):
        socket.getaddrinfo("api.openai.com", 443)
    guard.disarm()

    assert socket.getaddrinfo is before and leaked == ["api.openai.com"]


# --- traffic meant for the fake never reaches the proxy ----------------------------------------------------------


def test_an_sdk_client_built_in_the_test_reaches_the_fake_not_the_proxy(
    proxy: Proxy, fake_openai: FakeOpenAI, leaked: list[str]
) -> None:
    fake_openai.chat.respond_with_message("Direct.")
    client = openai.OpenAI(max_retries=0)  # OPENAI_BASE_URL and OPENAI_API_KEY from the fixture

    reply = client.chat.completions.create(model="gpt-4o", messages=HELLO)
    models = requests.get(fake_openai.base_url + "/models", headers={"Authorization": "Bearer sk-x"}, timeout=5)
    health = httpx.get(f"http://localhost:{fake_openai.url.rsplit(':', 1)[1]}/_fakeopenai/health", timeout=5)

    assert reply.choices[0].message.content == "Direct."
    assert models.status_code == 200 and health.json() == {"status": "ok"}
    assert proxy.lines == []
    no_proxy = os.environ["NO_PROXY"].split(",")
    assert no_proxy[0] == "internal.example" and {"127.0.0.1", "localhost", "::1"} <= set(no_proxy)
    assert os.environ["no_proxy"] == os.environ["NO_PROXY"]


def test_the_environment_block_adds_the_fake_to_no_proxy_and_restores_it(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy
) -> None:
    monkeypatch.setenv("no_proxy", ".corp.example")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    fake = FakeOpenAI().start()
    try:
        with fake.patched_environ():
            assert os.environ["NO_PROXY"].split(",")[0] == "internal.example"
            assert os.environ["no_proxy"].split(",")[0] == ".corp.example"
            assert fake.url.removeprefix("http://") in os.environ["NO_PROXY"].split(",")
            fake.chat.respond_with_message("Direct.")
            reply = openai.OpenAI(max_retries=0).chat.completions.create(model="gpt-4o", messages=HELLO)
        assert reply.choices[0].message.content == "Direct."
        assert proxy.lines == []
        assert os.environ["NO_PROXY"] == "internal.example" and os.environ["no_proxy"] == ".corp.example"
        assert os.environ["OPENAI_BASE_URL"] == "https://api.openai.com/v1"
    finally:
        fake.stop()
