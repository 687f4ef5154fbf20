"""The server: loopback, keep-alive, concurrency, long streams, clean errors."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import openai
import pytest

from fakeopenai import ConfigurationError, FakeOpenAI

HELLO = [{"role": "user", "content": "Hello"}]


def test_context_manager_serves_on_loopback_with_a_free_port() -> None:
    with FakeOpenAI() as fake:
        assert fake.base_url.startswith("http://127.0.0.1:") and fake.base_url.endswith("/v1")
        fake.chat.respond_with_message("hi")
        reply = fake.client().chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
        assert reply.choices[0].message.content == "hi"
    with pytest.raises(httpx.ConnectError):
        httpx.get(fake.base_url + "/models", timeout=1)


def test_context_manager_checks_on_exit() -> None:
    with pytest.raises(AssertionError, match="Scripted answers that were never used"):
        with FakeOpenAI() as fake:
            fake.chat.respond_with_message("never asked for")


def test_taken_port_is_a_clear_error_not_an_exit() -> None:
    with FakeOpenAI() as first:
        port = int(first.url.rsplit(":", 1)[1])
        with pytest.raises(ConfigurationError, match=f"Port {port} on 127.0.0.1 is already in use"):
            FakeOpenAI(port=port).start()


def test_connections_are_kept_alive(fake_openai: FakeOpenAI) -> None:
    ports = set()

    def remember_port(request: httpx.Request) -> None:
        stream = request.extensions.get("network_stream")
        if stream is not None:
            ports.add(stream.get_extra_info("client_addr"))

    with httpx.Client(base_url=fake_openai.base_url, headers={"Authorization": "Bearer k"}) as client:
        for _ in range(5):
            response = client.post("/chat/completions", json={"model": "gpt-4o", "messages": HELLO})
            assert response.status_code == 200
            assert response.headers.get("connection") != "close"
            ports.add(response.extensions["network_stream"].get_extra_info("client_addr"))
    assert len(ports) == 1, "all five requests should share one connection"


def test_fifty_concurrent_async_calls_do_not_serialize(fake_openai: FakeOpenAI) -> None:
    started = threading.Barrier(50, timeout=10)

    def wait_for_all(request: object) -> bool:
        started.wait()
        return True

    fake_openai.chat.respond_with_message("together", when=wait_for_all, always=True)

    async def main() -> list[str]:
        client = openai.AsyncOpenAI(max_retries=0)
        replies = await asyncio.gather(
            *(client.chat.completions.create(model="gpt-4o", messages=HELLO) for _ in range(50))  # type: ignore[arg-type]
        )
        return [r.choices[0].message.content or "" for r in replies]

    answers = asyncio.run(main())
    assert answers == ["together"] * 50
    assert fake_openai.chat.calls.call_count == 50


def test_long_streams_run_concurrently(fake_openai: FakeOpenAI) -> None:
    text = "word " * 2000
    fake_openai.chat.respond_with_message(text, always=True)

    async def one(client: openai.AsyncOpenAI) -> str:
        stream = await client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)  # type: ignore[arg-type]
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    async def main() -> list[str]:
        client = openai.AsyncOpenAI(max_retries=0)
        return await asyncio.gather(*(one(client) for _ in range(10)))

    began = time.perf_counter()
    assert asyncio.run(main()) == [text] * 10
    assert time.perf_counter() - began < 30


def test_streams_are_chunked_server_sent_events(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("a b c d", chunks=["a", " b", " c", " d"])
    with httpx.stream(
        "POST",
        fake_openai.base_url + "/chat/completions",
        json={"model": "gpt-4o", "messages": HELLO, "stream": True},
        headers={"Authorization": "Bearer k"},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers.get("transfer-encoding") == "chunked"
        events = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]"
    assert len(events) == 1 + 4 + 1 + 1


def test_server_errors_reach_the_test(fake_openai: FakeOpenAI) -> None:
    def explode(request: object) -> bool:
        raise RuntimeError("boom in a predicate")

    fake_openai.chat.respond_with_message("never", when=explode)
    with pytest.raises(openai.InternalServerError):
        openai.OpenAI(max_retries=0).chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
    report = fake_openai.report()
    assert report is not None and "RuntimeError: boom in a predicate" in report
    fake_openai.reset()


def test_a_raw_socket_can_pipeline_two_requests(fake_openai: FakeOpenAI) -> None:
    body = b'{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}'
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    port = int(fake_openai.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(request + request)
        received = b""
        while received.count(b"chat.completion") < 2:
            chunk = raw.recv(65536)
            assert chunk, f"connection closed early: {received!r}"
            received += chunk
    assert received.count(b"HTTP/1.1 200 OK") == 2


def raw_exchange(fake: FakeOpenAI, data: bytes) -> bytes:
    port = int(fake.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(data)
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    return received


def test_huge_headers_get_431_with_an_openai_error(fake_openai: FakeOpenAI) -> None:
    answer = raw_exchange(fake_openai, b"GET /v1/models HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b'"error"' in answer and b"larger than 65536 bytes" in answer


def test_malformed_request_line_gets_400(fake_openai: FakeOpenAI) -> None:
    answer = raw_exchange(fake_openai, b"NONSENSE\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ") and b"Malformed HTTP request line" in answer


def test_chunked_request_body_and_expect_continue(fake_openai: FakeOpenAI) -> None:
    body = b'{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    answer = raw_exchange(
        fake_openai,
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n" + chunked,
    )
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")
    assert b'"object":"chat.completion"' in answer
