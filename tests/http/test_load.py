"""Load: 200 concurrent requests, 50 of them long streams, each gets its own answer."""

from __future__ import annotations

import asyncio

import openai

from fakeopenai import FakeOpenAI

LONG = " ".join(f"w{i}" for i in range(400))


def test_two_hundred_concurrent_requests_without_cross_talk(fake_openai: FakeOpenAI) -> None:
    for i in range(150):
        fake_openai.chat.respond_with_message(f"answer {i}", user_message=f"question {i}.")
    for i in range(150, 200):
        fake_openai.chat.respond_with_message(f"{LONG} {i}", user_message=f"question {i}.")

    async def ask(client: openai.AsyncOpenAI, i: int) -> str:
        messages = [{"role": "user", "content": f"question {i}."}]
        if i < 150:
            reply = await client.chat.completions.create(model="gpt-4o", messages=messages)  # type: ignore[arg-type]
            return reply.choices[0].message.content or ""
        stream = await client.chat.completions.create(model="gpt-4o", messages=messages, stream=True)  # type: ignore[arg-type]
        return "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])

    async def main() -> list[str]:
        limits = openai.DefaultAsyncHttpxClient(limits=type(openai.DEFAULT_CONNECTION_LIMITS)(max_connections=200))
        client = openai.AsyncOpenAI(max_retries=0, http_client=limits)
        return await asyncio.gather(*(ask(client, i) for i in range(200)))

    answers = asyncio.run(main())

    assert answers[:150] == [f"answer {i}" for i in range(150)]
    assert answers[150:] == [f"{LONG} {i}" for i in range(150, 200)]
    calls = fake_openai.chat.calls
    assert calls.call_count == 200
    assert sorted(c.request.last_user_message for c in calls) == sorted(f"question {i}." for i in range(200))
    assert all(c.status == 200 and c.answered_by == "script" for c in calls)
