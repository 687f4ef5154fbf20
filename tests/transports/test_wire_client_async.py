"""The lean async socket transport: the official async SDK over real TCP to the fake, through `fake.async_client()`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import anyio
import anyio.abc
import openai
import pytest
from raw_servers import (
    BROKEN_FRAMING,
    HTTP_PACKAGES,
    VALID_FRAMING,
    Handler,
    RawServer,
    replying,
    replying_then_closing,
    reset_on_the_second_request,
)
from sdk_shapes import SDK_HTTPX, http_error_of, mid_stream

from fakeopenai import FakeOpenAI
from fakeopenai._transports import async_socket as wire_client_async
from fakeopenai._transports.async_socket import make_async_socket_transport
from fakeopenai._transports.asyncio_connection import AsyncioConnection

HELLO: list[Any] = [{"role": "user", "content": "Hello"}]
TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}


async def create(client: openai.AsyncOpenAI, **kwargs: Any) -> Any:
    return await client.chat.completions.create(model="gpt-4o", messages=HELLO, **kwargs)


@pytest.fixture(autouse=True, params=["asyncio", "anyio"])
def connection_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on both connections: asyncio's own protocol, and anyio's stream (which trio uses)."""
    if request.param == "anyio":
        monkeypatch.setattr(wire_client_async, "_on_asyncio", lambda: False)
    return str(request.param)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every connection the transport opens during the test: anyio streams or asyncio connections."""
    connections: list[Any] = []
    connect_tcp, open_asyncio = anyio.connect_tcp, AsyncioConnection.open.__func__

    async def counting_tcp(*args: Any, **kwargs: Any) -> anyio.abc.SocketStream:
        stream: anyio.abc.SocketStream = await connect_tcp(*args, **kwargs)
        connections.append(stream)
        return stream

    async def counting_asyncio(cls: type[AsyncioConnection], *args: Any) -> AsyncioConnection:
        connection = await open_asyncio(cls, *args)
        connections.append(connection)
        return connection

    monkeypatch.setattr(anyio, "connect_tcp", counting_tcp)
    monkeypatch.setattr(AsyncioConnection, "open", classmethod(counting_asyncio))
    return connections


async def closed(connection: Any) -> bool:
    """Whether an idle connection that `opened` saw is closed."""
    if isinstance(connection, AsyncioConnection):
        return not connection.idle_and_open()
    try:
        await connection.receive()
    except anyio.ClosedResourceError:
        return True
    return False


async def test_chat_completion_through_the_async_sdk(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("hi")
    client = fake_openai.async_client(max_retries=0)
    assert type(client._client._transport).__name__ == "AsyncSocketTransport"
    raw = await client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    assert raw.parse().choices[0].message.content == "hi"
    assert (raw.http_response.http_version, raw.http_response.reason_phrase) == ("HTTP/1.1", "OK")
    assert fake_openai.chat.calls.last.request.messages == HELLO
    own = SDK_HTTPX.AsyncClient()
    assert fake_openai.async_client(http_client=own)._client is own, "a client of your own is used as given"
    await own.aclose()
    await client.close()


async def test_keep_alive_serves_every_call_on_one_connection(fake_openai: FakeOpenAI, opened: list[Any]) -> None:
    fake_openai.chat.respond_with_message("again", always=True)
    client = fake_openai.async_client(max_retries=0)
    for _ in range(20):
        assert (await create(client)).choices[0].message.content == "again"
        assert (await client.models.list()).data
    assert len(opened) == 1
    assert fake_openai.chat.calls.call_count == 20
    await client.close()


async def test_a_stream_arrives_chunk_by_chunk(fake_openai: FakeOpenAI, opened: list[Any]) -> None:
    fake_openai.chat.respond_with_message("a b c", chunks=["a", " b", " c"], event_delay=0.25)
    client = fake_openai.async_client(max_retries=0)
    began = time.perf_counter()
    arrivals, text = [], []
    async for chunk in await create(client, stream=True):
        arrivals.append(time.perf_counter() - began)
        if chunk.choices:
            text.append(chunk.choices[0].delta.content or "")
    assert "".join(text) == "a b c"
    assert len(arrivals) == 5 and arrivals[-1] >= 0.98
    assert arrivals[1] < arrivals[-1] - 0.5, "events arrive as the server sends them, not all at the end"
    await create(client)
    assert len(opened) == 1, "the connection went back to the pool after the stream's last chunk"
    await client.close()


async def test_streamed_tool_calls(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_tool_call("lookup", {"q": "x"})
    client = fake_openai.async_client(max_retries=0)
    arguments = "".join(
        [
            c.choices[0].delta.tool_calls[0].function.arguments or ""
            async for c in await create(client, tools=[TOOL], stream=True)
            if c.choices and c.choices[0].delta.tool_calls
        ]
    )
    assert json.loads(arguments) == {"q": "x"}
    assert fake_openai.chat.calls.last.request.tool_names == ["lookup"]
    await client.close()


async def test_multipart_uploads_and_large_bodies_both_ways(fake_openai: FakeOpenAI, opened: list[Any]) -> None:
    client = fake_openai.async_client(max_retries=0)
    small = await client.files.create(file=("a.jsonl", b'{"custom_id": "a"}\n', "application/jsonl"), purpose="batch")
    assert (small.filename, small.bytes, small.purpose) == ("a.jsonl", 19, "batch")
    big = bytes(range(256)) * 8192  # 2 MiB: sent in pieces, read back across many receives
    uploaded = await client.files.create(file=("big.bin", big), purpose="user_data")
    assert fake_openai.files.content(uploaded.id) == big
    assert (await client.files.content(uploaded.id)).content == big
    assert len(opened) == 1
    await client.close()


async def test_404_and_400_carry_the_api_error_body(fake_openai: FakeOpenAI, opened: list[Any]) -> None:
    client = fake_openai.async_client(max_retries=0)
    with pytest.raises(openai.NotFoundError) as missing:
        await client.models.retrieve("no-such-model")
    assert missing.value.status_code == 404
    assert isinstance(missing.value.body, dict) and missing.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad:
        await create(client, temperature=5)
    assert bad.value.status_code == 400 and bad.value.param == "temperature"
    assert len(opened) == 1, "error statuses keep the connection alive"
    fake_openai.reset()
    await client.close()


async def test_a_dropped_connection_is_a_connection_error_and_never_resent(
    fake_openai: FakeOpenAI, opened: list[Any]
) -> None:
    client = fake_openai.async_client(max_retries=0)
    await create(client)
    fake_openai.chat.respond_with_dropped_connection()
    with pytest.raises(openai.APIConnectionError) as caught:
        await create(client)  # on the pooled connection: the server read the request, so it must not be sent again
    assert isinstance(caught.value.__cause__, SDK_HTTPX.RemoteProtocolError)
    assert str(caught.value.__cause__) == "Server disconnected without sending a complete response."
    assert fake_openai.chat.calls.call_count == 2
    assert (await create(client)).choices[0].message.content, "the next call works, on a new connection"
    assert len(opened) == 2
    fake_openai.chat.respond_with_dropped_connection()
    retrying = fake_openai.async_client(max_retries=1)
    assert (await create(retrying)).choices[0].message.content, "the SDK retries it"
    await client.close()
    await retrying.close()


async def test_latency_beyond_the_client_timeout_is_a_timeout(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("late", delay=2.0)
    client = fake_openai.async_client(max_retries=0, timeout=0.2)
    began = time.perf_counter()
    with pytest.raises(openai.APITimeoutError) as caught:
        await create(client)
    assert time.perf_counter() - began < 1.5
    assert isinstance(caught.value.__cause__, SDK_HTTPX.ReadTimeout)
    assert (await create(client)).choices[0].message.content, "a fresh connection answers the next call"
    fake_openai.reset()
    await client.close()


async def test_a_cut_stream_is_a_remote_protocol_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("one two three four", cut_after=2)
    client = fake_openai.async_client(max_retries=0)
    received = []
    with pytest.raises(mid_stream(openai.APIConnectionError, SDK_HTTPX.RemoteProtocolError)) as caught:
        async for chunk in await create(client, stream=True):
            received.append(chunk)
    assert len(received) == 2
    assert isinstance(http_error_of(caught.value), SDK_HTTPX.RemoteProtocolError)
    assert "incomplete chunked read" in str(http_error_of(caught.value))
    assert (await create(client)).choices[0].message.content
    await client.close()


async def test_leaving_a_stream_early_closes_its_connection(fake_openai: FakeOpenAI, opened: list[Any]) -> None:
    fake_openai.chat.respond_with_message("one two", chunks=["one", " two"], event_delay=1.0)
    client = fake_openai.async_client(max_retries=0)
    stream = await create(client, stream=True)
    await stream.__aiter__().__anext__()
    await stream.close()
    assert (await create(client)).choices[0].message.content
    assert len(opened) == 2, "the rest of the body had not arrived: the connection was not reused"
    await client.close()


async def test_twenty_concurrent_calls(fake_openai: FakeOpenAI, opened: list[Any]) -> None:
    fake_openai.chat.respond_with_message("together", always=True)
    client = fake_openai.async_client(max_retries=0)
    answers = await asyncio.gather(*(create(client) for _ in range(20)))
    assert [a.choices[0].message.content for a in answers] == ["together"] * 20
    assert 1 <= len(opened) <= 20
    again = await asyncio.gather(*(create(client) for _ in range(len(opened))))
    assert len(again) == len(opened) and len(opened) <= 20, "the second round reuses the pooled connections"
    assert fake_openai.chat.calls.call_count == 20 + len(again)
    await client.close()


async def test_closing_the_client_closes_idle_connections(fake_openai: FakeOpenAI, opened: list[Any]) -> None:
    fake_openai.chat.respond_with_message("idle", always=True)
    client = fake_openai.async_client(max_retries=0)
    await create(client)
    await client._client._transport.aclose()
    assert await closed(opened[0])
    assert (await create(client)).choices[0].message.content, "the transport stays usable"
    assert len(opened) == 2
    await client.close()
    assert await closed(opened[1])


async def test_nothing_listening_is_a_connect_error() -> None:
    with FakeOpenAI() as fake:
        client = fake.async_client(max_retries=0)
    with pytest.raises(openai.APIConnectionError) as caught:
        await create(client)
    assert isinstance(caught.value.__cause__, SDK_HTTPX.ConnectError)


# Raw servers (from the sync transport's tests): framing the fake never sends, and failures it cannot script.


def raw_client(server: RawServer, http: ModuleType = SDK_HTTPX) -> Any:
    transport = make_async_socket_transport(http, "127.0.0.1", server.port)
    return http.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", transport=transport)


@pytest.mark.parametrize("package", HTTP_PACKAGES)
@pytest.mark.parametrize(("reply", "body", "headers"), VALID_FRAMING)
async def test_valid_framing_from_a_raw_server(
    raw_server: Callable[[Handler], RawServer], reply: bytes, body: bytes, headers: dict[str, str], package: ModuleType
) -> None:
    async with raw_client(raw_server(replying(reply, piece=7)), package) as http:
        response = await http.get("/")
    assert response.content == body
    assert headers.items() <= response.headers.items()


@pytest.mark.parametrize("package", HTTP_PACKAGES)
@pytest.mark.parametrize(("reply", "message"), BROKEN_FRAMING)
async def test_broken_framing_is_a_remote_protocol_error(
    raw_server: Callable[[Handler], RawServer], reply: bytes, message: str, package: ModuleType
) -> None:
    async with raw_client(raw_server(replying_then_closing(reply)), package) as http:
        with pytest.raises(package.RemoteProtocolError, match=message):
            await http.get("/")


async def test_a_reused_connection_reset_before_reading_the_request_is_retried(
    raw_server: Callable[[Handler], RawServer],
) -> None:
    server = raw_server(reset_on_the_second_request)
    async with raw_client(server) as http:
        assert (await http.post("/a", content=b"1")).content == b"first"
        assert (await http.post("/b", content=b"2")).content == b"retried"
    assert server.accepted == 2
