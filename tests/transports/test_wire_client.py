"""The lean socket transport: the official SDK and httpx over real TCP to the fake, and to raw servers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
import httpx2
import openai
import pytest
from raw_servers import (
    BROKEN_FRAMING,
    HTTP_PACKAGES,
    VALID_FRAMING,
    Handler,
    RawServer,
    ok,
    read_request,
    replying,
    replying_then_closing,
    reset_on_the_second_request,
)
from sdk_shapes import SDK_HTTPX, http_error_of, mid_stream

from fakeopenai import FakeOpenAI
from fakeopenai._transports.sync_socket import make_socket_transport

HELLO: list[Any] = [{"role": "user", "content": "Hello"}]
TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}


def wire_client(fake: FakeOpenAI, **kwargs: Any) -> openai.OpenAI:
    """An SDK client for `fake` whose HTTP goes through the socket transport."""
    address = urlsplit(fake.url)
    assert address.hostname is not None and address.port is not None
    transport = make_socket_transport(SDK_HTTPX, address.hostname, address.port)
    kwargs.setdefault("max_retries", 0)
    return openai.OpenAI(
        base_url=fake.base_url, api_key=fake.api_key, http_client=SDK_HTTPX.Client(transport=transport), **kwargs
    )


def create(client: openai.OpenAI, **kwargs: Any) -> Any:
    return client.chat.completions.create(model="gpt-4o", messages=HELLO, **kwargs)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[socket.socket]:
    """Every socket `socket.create_connection` opens during the test (the transport's connections)."""
    sockets: list[socket.socket] = []
    real = socket.create_connection

    def counting(*args: Any, **kwargs: Any) -> socket.socket:
        sock = real(*args, **kwargs)
        sockets.append(sock)
        return sock

    monkeypatch.setattr(socket, "create_connection", counting)
    return sockets


def test_chat_completion_through_the_sdk(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("hi")
    raw = wire_client(fake_openai).chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    assert raw.parse().choices[0].message.content == "hi"
    assert (raw.http_response.http_version, raw.http_response.reason_phrase) == ("HTTP/1.1", "OK")
    assert raw.headers["content-type"] == "application/json"
    assert fake_openai.chat.calls.last.request.messages == HELLO


def test_keep_alive_serves_every_call_on_one_connection(fake_openai: FakeOpenAI, opened: list[socket.socket]) -> None:
    fake_openai.chat.respond_with_message("again", always=True)
    client = wire_client(fake_openai)
    for _ in range(30):
        assert create(client).choices[0].message.content == "again"
        assert client.models.list().data
        assert len(client.embeddings.create(model="text-embedding-3-small", input="hi").data[0].embedding) == 1536
    assert len(opened) == 1
    assert fake_openai.chat.calls.call_count == 30


def test_a_stream_arrives_chunk_by_chunk(fake_openai: FakeOpenAI, opened: list[socket.socket]) -> None:
    fake_openai.chat.respond_with_message("a b c", chunks=["a", " b", " c"], event_delay=0.25)
    client = wire_client(fake_openai)
    began = time.perf_counter()
    arrivals, text = [], []
    for chunk in create(client, stream=True):
        arrivals.append(time.perf_counter() - began)
        if chunk.choices:
            text.append(chunk.choices[0].delta.content or "")
    assert "".join(text) == "a b c"
    assert len(arrivals) == 5 and arrivals[-1] >= 0.98
    assert arrivals[1] < arrivals[-1] - 0.5, "events arrive as the server sends them, not all at the end"
    create(client)
    assert len(opened) == 1, "the connection went back to the pool after the stream's last chunk"


def test_streamed_tool_calls(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_tool_call("lookup", {"q": "x"})
    stream = create(wire_client(fake_openai), tools=[TOOL], stream=True)
    arguments = "".join(
        c.choices[0].delta.tool_calls[0].function.arguments or ""
        for c in stream
        if c.choices and c.choices[0].delta.tool_calls
    )
    assert json.loads(arguments) == {"q": "x"}
    assert fake_openai.chat.calls.last.request.tool_names == ["lookup"]


def test_multipart_uploads_and_large_bodies_both_ways(fake_openai: FakeOpenAI, opened: list[socket.socket]) -> None:
    client = wire_client(fake_openai)
    small = client.files.create(file=("a.jsonl", b'{"custom_id": "a"}\n', "application/jsonl"), purpose="batch")
    assert (small.filename, small.bytes, small.purpose) == ("a.jsonl", 19, "batch")
    big = bytes(range(256)) * 8192  # 2 MiB: sent in pieces, read back across many recv calls
    uploaded = client.files.create(file=("big.bin", big), purpose="user_data")
    assert fake_openai.files.content(uploaded.id) == big
    assert client.files.content(uploaded.id).content == big
    assert len(opened) == 1


def test_a_chunked_request_body(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("dechunked")
    address = urlsplit(fake_openai.url)
    assert address.hostname is not None and address.port is not None

    def body() -> Iterator[bytes]:
        yield b'{"model": "gpt-4o", '
        yield b""
        yield b'"messages": [{"role": "user", "content": "Hello"}]}'

    with httpx2.Client(transport=make_socket_transport(httpx2, address.hostname, address.port)) as http:
        answer = http.post(
            fake_openai.base_url + "/chat/completions",
            content=body(),
            headers={"Authorization": f"Bearer {fake_openai.api_key}", "Content-Type": "application/json"},
        )
    assert answer.request.headers["transfer-encoding"] == "chunked"
    assert answer.status_code == 200
    assert answer.json()["choices"][0]["message"]["content"] == "dechunked"


def test_404_and_400_carry_the_api_error_body(fake_openai: FakeOpenAI, opened: list[socket.socket]) -> None:
    client = wire_client(fake_openai)
    with pytest.raises(openai.NotFoundError) as missing:
        client.models.retrieve("no-such-model")
    assert missing.value.status_code == 404
    assert isinstance(missing.value.body, dict) and missing.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad:
        create(client, temperature=5)
    assert bad.value.status_code == 400 and bad.value.param == "temperature"
    assert len(opened) == 1, "error statuses keep the connection alive"
    fake_openai.reset()


def test_a_dropped_connection_is_a_connection_error_and_never_resent(
    fake_openai: FakeOpenAI, opened: list[socket.socket]
) -> None:
    client = wire_client(fake_openai)
    create(client)
    fake_openai.chat.respond_with_dropped_connection()
    with pytest.raises(openai.APIConnectionError) as caught:
        create(client)  # on the pooled connection: the server read the request, so it must not be sent again
    assert isinstance(caught.value.__cause__, SDK_HTTPX.RemoteProtocolError)
    assert str(caught.value.__cause__) == "Server disconnected without sending a complete response."
    assert fake_openai.chat.calls.call_count == 2
    assert create(client).choices[0].message.content
    assert len(opened) == 2 and opened[0].fileno() == -1
    fake_openai.chat.respond_with_dropped_connection()
    assert create(wire_client(fake_openai, max_retries=1)).choices[0].message.content, "the SDK retries it"


def test_latency_beyond_the_client_timeout_is_a_timeout(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("late", delay=2.0)
    client = wire_client(fake_openai, timeout=0.2)
    began = time.perf_counter()
    with pytest.raises(openai.APITimeoutError) as caught:
        create(client)
    assert time.perf_counter() - began < 1.5
    assert isinstance(caught.value.__cause__, SDK_HTTPX.ReadTimeout)
    assert create(client).choices[0].message.content, "a fresh connection answers the next call"
    fake_openai.reset()


def test_a_stalled_stream_trips_the_read_timeout(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("one two three", stall_after=1, stall_for=5)
    received = []
    began = time.perf_counter()
    with pytest.raises(mid_stream(openai.APITimeoutError, SDK_HTTPX.ReadTimeout)):
        for chunk in create(wire_client(fake_openai, timeout=0.3), stream=True):
            received.append(chunk)
    assert len(received) == 1
    assert time.perf_counter() - began < 3
    fake_openai.reset()


def test_a_cut_stream_is_a_remote_protocol_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("one two three four", cut_after=2, times=2)
    client = wire_client(fake_openai)
    received = []
    with pytest.raises(mid_stream(openai.APIConnectionError, SDK_HTTPX.RemoteProtocolError)) as caught:
        for chunk in create(client, stream=True):
            received.append(chunk)
    assert len(received) == 2
    assert isinstance(http_error_of(caught.value), SDK_HTTPX.RemoteProtocolError)
    with (
        client._client.stream(
            "POST",
            fake_openai.base_url + "/chat/completions",
            json={"model": "gpt-4o", "messages": HELLO, "stream": True},
            headers={"Authorization": f"Bearer {fake_openai.api_key}"},
        ) as response,
        pytest.raises(SDK_HTTPX.RemoteProtocolError, match="incomplete chunked read"),
    ):
        for _ in response.iter_bytes():
            pass
    assert create(client).choices[0].message.content


def test_connection_close_from_the_server_opens_a_new_connection(opened: list[socket.socket]) -> None:
    with FakeOpenAI(max_body_bytes=1000) as fake:
        fake.chat.respond_with_message("small", times=2)
        client = wire_client(fake)
        assert create(client).choices[0].message.content == "small"
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x" * 5000}])
        assert caught.value.status_code == 413 and caught.value.code == "request_too_large"
        assert opened[0].fileno() == -1, "the server said Connection: close"
        assert create(client).choices[0].message.content == "small"
        assert len(opened) == 2
        fake.reset()


def test_eight_threads_share_the_pool(fake_openai: FakeOpenAI, opened: list[socket.socket]) -> None:
    fake_openai.chat.respond_with_message("shared", always=True)
    client = wire_client(fake_openai)
    answers: list[str] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(25):
                answers.append(create(client).choices[0].message.content)
                answers.append(client.models.retrieve("gpt-4o").id)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures
    assert sorted(set(answers)) == ["gpt-4o", "shared"] and len(answers) == 400
    assert 1 <= len(opened) <= 8
    assert fake_openai.chat.calls.call_count == 200


def test_head_has_no_body_and_keeps_the_connection(fake_openai: FakeOpenAI, opened: list[socket.socket]) -> None:
    address = urlsplit(fake_openai.url)
    assert address.hostname is not None and address.port is not None
    headers = {"Authorization": f"Bearer {fake_openai.api_key}"}
    with httpx2.Client(transport=make_socket_transport(httpx2, address.hostname, address.port)) as http:
        head = http.head(fake_openai.base_url + "/models", headers=headers)
        assert head.status_code == 200 and head.content == b""
        whole = http.get(fake_openai.base_url + "/models", headers=headers)
    assert int(head.headers["content-length"]) == len(whole.content) > 0
    assert len(opened) == 1


def test_closing_the_client_closes_idle_sockets(fake_openai: FakeOpenAI, opened: list[socket.socket]) -> None:
    fake_openai.chat.respond_with_message("a b", chunks=["a", " b"], event_delay=0.2)
    client = wire_client(fake_openai)
    stream = iter(create(client, stream=True))
    next(stream)
    assert client.models.list().data  # a second connection, idle once answered
    streaming, idle = opened
    client.close()
    assert idle.fileno() == -1 and streaming.fileno() != -1
    assert len(list(stream)) == 3
    assert streaming.fileno() == -1, "a connection busy when the client closed is closed when its response ends"


def test_leaving_a_stream_early_closes_its_connection(fake_openai: FakeOpenAI, opened: list[socket.socket]) -> None:
    fake_openai.chat.respond_with_message("one two", chunks=["one", " two"], event_delay=1.0)
    client = wire_client(fake_openai)
    stream = create(client, stream=True)
    next(iter(stream))
    stream.close()
    assert opened[0].fileno() == -1, "the rest of the body has not arrived: the connection cannot be reused"
    assert create(client).choices[0].message.content
    assert len(opened) == 2


def test_the_plain_httpx_package_works_too(fake_openai: FakeOpenAI) -> None:
    address = urlsplit(fake_openai.url)
    assert address.hostname is not None and address.port is not None
    with httpx.Client(transport=make_socket_transport(httpx, address.hostname, address.port)) as http:
        answer = http.get(fake_openai.base_url + "/models", headers={"Authorization": "Bearer k"})
    assert answer.status_code == 200 and answer.json()["object"] == "list"


def test_nothing_listening_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = SDK_HTTPX.Client(transport=make_socket_transport(SDK_HTTPX, "127.0.0.1", port))
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="k", http_client=http, max_retries=0)
    with pytest.raises(openai.APIConnectionError) as caught:
        create(client)
    assert isinstance(caught.value.__cause__, SDK_HTTPX.ConnectError)


def test_an_idle_connection_the_server_closed_is_not_reused(raw_server: Callable[[Handler], RawServer]) -> None:
    closed = threading.Event()

    def answer_once_then_close(connection: socket.socket, index: int) -> None:
        while read_request(connection) is not None:
            connection.sendall(ok(b"answer %d" % index))
            if index == 0:
                connection.close()
                closed.set()
                return

    server = raw_server(answer_once_then_close)
    with server.client() as http:
        assert http.post("/a", content=b"1").content == b"answer 0"
        assert closed.wait(5)
        assert http.post("/b", content=b"2").content == b"answer 1"
    assert server.accepted == 2


def test_a_reused_connection_reset_before_reading_the_request_is_retried(
    raw_server: Callable[[Handler], RawServer],
) -> None:
    server = raw_server(reset_on_the_second_request)
    with server.client() as http:
        assert http.post("/a", content=b"1").content == b"first"
        assert http.post("/b", content=b"2").content == b"retried"
    assert server.accepted == 2


def test_a_reused_connection_closed_after_reading_the_request_is_not_retried(
    raw_server: Callable[[Handler], RawServer],
) -> None:
    def drop_the_second_request(connection: socket.socket, index: int) -> None:
        read_request(connection)
        connection.sendall(ok(b"first"))
        read_request(connection)
        connection.shutdown(socket.SHUT_RDWR)

    server = raw_server(drop_the_second_request)
    with server.client() as http:
        assert http.post("/a", content=b"1").content == b"first"
        with pytest.raises(SDK_HTTPX.RemoteProtocolError, match="Server disconnected"):
            http.post("/b", content=b"2")
    assert server.accepted == 1


@pytest.mark.parametrize("package", HTTP_PACKAGES)
@pytest.mark.parametrize(("reply", "body", "headers"), VALID_FRAMING)
def test_valid_framing_from_a_raw_server(
    raw_server: Callable[[Handler], RawServer], reply: bytes, body: bytes, headers: dict[str, str], package: ModuleType
) -> None:
    with raw_server(replying(reply)).client(package) as http:
        response = http.get("/")
    assert response.content == body
    assert headers.items() <= response.headers.items()


@pytest.mark.parametrize("package", HTTP_PACKAGES)
@pytest.mark.parametrize(("reply", "message"), BROKEN_FRAMING)
def test_broken_framing_is_a_remote_protocol_error(
    raw_server: Callable[[Handler], RawServer], reply: bytes, message: str, package: ModuleType
) -> None:
    with (
        raw_server(replying_then_closing(reply)).client(package) as http,
        pytest.raises(package.RemoteProtocolError, match=message) as caught,
    ):
        http.get("/")
    assert caught.value.request.url.path == "/"


def test_fake_client_speaks_through_the_socket_transport(fake_openai: FakeOpenAI, opened: list[socket.socket]) -> None:
    fake_openai.chat.respond_with_message("hi", always=True)
    client = fake_openai.client(max_retries=0)
    assert [create(client).choices[0].message.content for _ in range(5)] == ["hi"] * 5
    assert len(opened) == 1, "five calls on one pooled connection"
    assert len(fake_openai.chat.calls) == 5
    assert type(client._client._transport).__name__ == "SocketTransport"
    own = SDK_HTTPX.Client()
    assert fake_openai.client(http_client=own)._client is own, "a client of your own is used as given"
