"""The no-socket mode: the same fake, reached in-process through httpx transports."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from sdk_shapes import SDK_HTTPX, http_error_of, mid_stream

from fakeopenai import MEMORY_BASE_URL, FakeOpenAI

HELLO = [{"role": "user", "content": "Hello"}]


def test_sync_client_scripts_validation_and_log(fake_openai: FakeOpenAI) -> None:
    client = fake_openai.client(memory=True)
    fake_openai.chat.respond_with_message("no socket")
    reply = client.chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == "no socket"
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=HELLO, temperature=5)  # type: ignore[arg-type]
    assert caught.value.param == "temperature"
    assert [c.status for c in fake_openai.chat.calls] == [200, 400]
    fake_openai.reset()


def test_sync_streaming_with_tool_calls(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_tool_call("lookup", {"q": "x"})
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    stream = fake_openai.client(memory=True).chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        tools=[tool],
        stream=True,  # type: ignore[arg-type,list-item]
    )
    arguments = "".join(
        c.choices[0].delta.tool_calls[0].function.arguments or ""  # type: ignore[index,union-attr]
        for c in stream
        if c.choices and c.choices[0].delta.tool_calls
    )
    assert json.loads(arguments) == {"q": "x"}


def test_async_client_and_streams(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("a b c", chunks=["a", " b", " c"], times=2)

    async def main() -> tuple[str, str]:
        client = fake_openai.async_client(memory=True)
        whole = await client.chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
        stream = await client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)  # type: ignore[arg-type]
        streamed = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        return whole.choices[0].message.content or "", streamed

    assert asyncio.run(main()) == ("a b c", "a b c")


async def ticks_while(call: Awaitable[Any]) -> tuple[Any, int]:
    """The call's result, and how often a 10 ms ticker ran on the event loop while it waited."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        return await call, ticks
    finally:
        ticker.cancel()


def test_async_memory_clients_answer_on_the_event_loop(fake_openai: FakeOpenAI) -> None:
    threads: list[int] = []
    fake_openai.chat.respond_with_message("here", when=lambda request: threads.append(threading.get_ident()) or True)

    async def main() -> str | None:
        client = fake_openai.async_client(memory=True)
        reply = await client.chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
        return reply.choices[0].message.content

    assert asyncio.run(main()) == "here"
    assert threads == [threading.get_ident()], "answered on the loop's thread: no hop to a worker and back"


def test_async_memory_clients_wait_off_the_event_loop(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    async def ask() -> tuple[str | None, int]:
        client = fake_openai.async_client(memory=True)
        call = client.chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
        reply, ticks = await ticks_while(call)
        return reply.choices[0].message.content, ticks

    async def stream() -> tuple[str, int]:
        client = fake_openai.async_client(memory=True)

        async def read() -> str:
            chunks = await client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)  # type: ignore[arg-type]
            return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])

        return await ticks_while(read())

    fake_openai.chat.respond_with_message("late", delay=0.3)
    late, late_ticks = asyncio.run(ask())
    fake_openai.chat.respond_with_message("a b c", chunks=["a", " b", " c"], event_delay=0.1)
    paced, paced_ticks = asyncio.run(stream())
    with FakeOpenAI() as upstream:
        upstream.chat.respond_with_message("recorded", delay=0.3)
        cassette = tmp_path / "slow.yaml"
        with fake_openai.use_cassette(
            cassette, record_mode="once", upstream=upstream.base_url, upstream_api_key="sk-up"
        ):
            recorded, recorded_ticks = asyncio.run(ask())
    assert (late, paced, recorded) == ("late", "a b c", "recorded")
    assert min(late_ticks, paced_ticks, recorded_ticks) >= 5, (
        "the event loop ran on while the answers waited (a blocked one ticks once at most)"
    )


def test_dropped_connections_and_cut_streams_look_like_network_errors(fake_openai: FakeOpenAI) -> None:
    client = fake_openai.client(memory=True, max_retries=0)
    fake_openai.chat.respond_with_dropped_connection()
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
    fake_openai.chat.respond_with_message("one two three", cut_after=2)
    received = []
    with pytest.raises(mid_stream(openai.APIConnectionError, SDK_HTTPX.RemoteProtocolError)) as caught:
        for chunk in client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True):  # type: ignore[arg-type]
            received.append(chunk)
    assert isinstance(http_error_of(caught.value), SDK_HTTPX.RemoteProtocolError)
    assert len(received) == 2


def test_httpx_transports_for_other_clients(fake_openai: FakeOpenAI) -> None:
    sync, asynchronous = fake_openai.transports()
    body = {"model": "text-embedding-3-small", "input": "hi"}
    headers = {"Authorization": "Bearer k"}
    with httpx.Client(transport=sync, base_url=MEMORY_BASE_URL) as client:
        answer = client.post("/v1/embeddings".removeprefix("/v1"), json=body, headers=headers)
    assert answer.status_code == 200 and len(answer.json()["data"][0]["embedding"]) == 1536

    async def main() -> int:
        async with httpx.AsyncClient(transport=asynchronous, base_url=MEMORY_BASE_URL) as client:
            return (await client.get("/models", headers=headers)).status_code

    assert asyncio.run(main()) == 200
    assert [c.path for c in fake_openai.calls] == ["/v1/embeddings", "/v1/models"]


def test_memory_mode_works_without_a_running_server() -> None:
    fake = FakeOpenAI()
    fake.chat.respond_with_message("never started")
    reply = fake.client(memory=True).chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == "never started"
    fake.check()


def test_memory_mode_answers_as_the_fake_so_recording_may_reach_the_upstream(fake_openai: FakeOpenAI) -> None:
    from fakeopenai._http.server import in_server_thread

    seen: list[bool] = []
    fake_openai.chat.respond_with_message("ok", when=lambda request: seen.append(in_server_thread()) or True)
    fake_openai.client(memory=True).chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
    assert seen == [True]
    assert not in_server_thread(), "the test's own thread is guarded again afterwards"
