"""`fake.async_client()` under trio: the lean async transport and the no-socket mode are anyio code, run here by trio."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest
import trio
from sdk_shapes import SDK_HTTPX, http_error_of, mid_stream

from fakeopenai import FakeOpenAI

HELLO: list[Any] = [{"role": "user", "content": "Hello"}]


async def create(client: openai.AsyncOpenAI, **kwargs: Any) -> Any:
    return await client.chat.completions.create(model="gpt-4o", messages=HELLO, **kwargs)


@pytest.mark.parametrize("memory", [False, True], ids=["socket", "no-socket"])
def test_answers_streams_and_concurrent_calls_under_trio(fake_openai: FakeOpenAI, memory: bool) -> None:
    fake_openai.chat.respond_with_message("one two", chunks=["one", " two"], always=True)
    answers: list[str] = []

    async def one(client: openai.AsyncOpenAI) -> None:
        answers.append((await create(client)).choices[0].message.content)

    async def scenario() -> list[str]:
        client = fake_openai.async_client(memory=memory, max_retries=0)
        async with trio.open_nursery() as nursery:
            for _ in range(10):
                nursery.start_soon(one, client)
        pieces = [chunk.choices[0].delta.content async for chunk in await create(client, stream=True) if chunk.choices]
        await client.close()
        return pieces

    pieces = trio.run(scenario)
    assert answers == ["one two"] * 10
    assert [piece for piece in pieces if piece] == ["one", " two"]
    assert len(fake_openai.chat.calls) == 11
    assert fake_openai.chat.calls.last.request.stream


def test_latency_beyond_the_client_timeout_is_a_timeout_under_trio(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("late", delay=2.0)
    fake_openai.chat.respond_with_message("on time")

    async def scenario() -> tuple[BaseException, float, str]:
        client = fake_openai.async_client(max_retries=0, timeout=0.2)
        began = time.perf_counter()
        try:
            await create(client)
        except openai.APITimeoutError as error:
            failure: BaseException = error
        else:
            raise AssertionError("the late answer did not time out")
        elapsed = time.perf_counter() - began
        fresh = (await create(client)).choices[0].message.content
        await client.close()
        return failure, elapsed, fresh

    failure, elapsed, fresh = trio.run(scenario)
    assert isinstance(failure.__cause__, SDK_HTTPX.ReadTimeout)
    assert elapsed < 1.5
    assert fresh == "on time"
    fake_openai.reset()


def test_a_cut_stream_is_a_connection_error_under_trio(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("one two three four", cut_after=2)

    async def scenario() -> tuple[int, BaseException]:
        client = fake_openai.async_client(max_retries=0)
        received = 0
        try:
            async for _chunk in await create(client, stream=True):
                received += 1
        except mid_stream(openai.APIConnectionError, SDK_HTTPX.RemoteProtocolError) as error:
            await client.close()
            return received, error
        raise AssertionError("the cut stream ended cleanly")

    received, failure = trio.run(scenario)
    assert received == 2
    assert isinstance(http_error_of(failure), SDK_HTTPX.RemoteProtocolError)
