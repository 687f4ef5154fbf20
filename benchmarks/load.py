"""Throughput under load: 200 concurrent async requests (50 of them long streams) against one fake.

Run: `python benchmarks/load.py`. Prints requests per second over a real socket, as medians of 5 runs.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import openai
from openai.types.chat import ChatCompletionMessageParam

from fakeopenai import FakeOpenAI

LONG = " ".join(f"w{i}" for i in range(400))
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello"}]


async def one(client: openai.AsyncOpenAI, stream: bool) -> int:
    """Make one request; the number of characters received."""
    if not stream:
        reply = await client.chat.completions.create(model="gpt-4o", messages=HELLO)
        return len(reply.choices[0].message.content or "")
    chunks = await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)
    return sum([len(c.choices[0].delta.content or "") async for c in chunks if c.choices])


async def burst(fake: FakeOpenAI, streams: int) -> float:
    """Seconds for 200 requests at once, the last `streams` of them long streams."""
    limits = type(openai.DEFAULT_CONNECTION_LIMITS)(max_connections=200)  # the `Limits` of the SDK's HTTP package
    http = openai.DefaultAsyncHttpxClient(limits=limits)
    client = openai.AsyncOpenAI(base_url=fake.base_url, api_key=fake.api_key, http_client=http, max_retries=0)
    began = time.perf_counter()
    sizes = await asyncio.gather(*(one(client, stream=i >= 200 - streams) for i in range(200)))
    elapsed = time.perf_counter() - began
    await http.aclose()
    assert all(sizes), "every request got its answer"
    return elapsed


def main() -> None:
    """Print the figures."""
    with FakeOpenAI() as fake:
        fake.chat.respond_with_message("A short answer.", model="gpt-4o", always=True)
        fake.chat.respond_with_message(LONG, model="gpt-4o-mini", always=True)
        for streams in (0, 50):
            times = []
            for _ in range(5):
                times.append(asyncio.run(burst(fake, streams)))
                assert fake.chat.calls.call_count == 200
                fake.state.journal.clear()
            median = statistics.median(times)
            what = f"{streams} of them streams of ~800 events" if streams else "none streamed"
            print(f"200 concurrent requests ({what}): median {median:.2f} s, {200 / median:.0f} requests/s")
        fake.reset()


if __name__ == "__main__":
    main()
