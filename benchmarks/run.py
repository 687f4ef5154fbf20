"""Measure fakeopenai against an in-memory floor, side by side in one process.

Run: `python benchmarks/run.py` (add `--quick` for fewer repeats). Every figure
is a median over repeated rounds; each ratio divides the fake's time by the
floor's, measured in the same run.

Floor: the same `openai` SDK call through an in-memory `MockTransport` that
returns the bytes the fake would send — what the call costs with no server at all.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx2
import openai

from fakeopenai import FakeOpenAI

HELLO = [{"role": "user", "content": "Hello"}]


def median_seconds(action: Callable[[], Any], *, calls: int, rounds: int) -> float:
    """Median over `rounds` of the mean time per call of `action`."""
    action()
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        for _ in range(calls):
            action()
        samples.append((time.perf_counter() - began) / calls)
    return statistics.median(samples)


def mock_client(body: bytes, content_type: str) -> openai.OpenAI:
    """An SDK client whose transport answers every request with `body`, in memory."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body, headers={"content-type": content_type})

    http_client = httpx2.Client(transport=httpx2.MockTransport(handler))
    return openai.OpenAI(base_url="http://floor.invalid/v1", api_key="sk-floor", http_client=http_client, max_retries=0)


def bench_chat(fake: FakeOpenAI, *, calls: int, rounds: int) -> tuple[float, float]:
    """Per-call latency of a non-streaming create: (fake, floor)."""
    fake.chat.respond_with_message("Hello! How can I help you today?", always=True)
    client = fake.client(max_retries=0)
    client.chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
    body = json.dumps(fake.chat.calls.last.response).encode()
    floor = mock_client(body, "application/json")

    fake_time = median_seconds(
        lambda: client.chat.completions.create(model="gpt-4o", messages=HELLO),  # type: ignore[arg-type]
        calls=calls,
        rounds=rounds,
    )
    floor_time = median_seconds(
        lambda: floor.chat.completions.create(model="gpt-4o", messages=HELLO),  # type: ignore[arg-type]
        calls=calls,
        rounds=rounds,
    )
    fake.reset()
    return fake_time, floor_time


def bench_memory(fake: FakeOpenAI, *, calls: int, rounds: int) -> tuple[float, float]:
    """Per-call latency of a non-streaming create through the no-socket transport: (fake, floor)."""
    fake.chat.respond_with_message("Hello! How can I help you today?", always=True)
    client = fake.client(memory=True, max_retries=0)
    client.chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
    floor = mock_client(json.dumps(fake.chat.calls.last.response).encode(), "application/json")
    fake_time = median_seconds(
        lambda: client.chat.completions.create(model="gpt-4o", messages=HELLO),  # type: ignore[arg-type]
        calls=calls,
        rounds=rounds,
    )
    floor_time = median_seconds(
        lambda: floor.chat.completions.create(model="gpt-4o", messages=HELLO),  # type: ignore[arg-type]
        calls=calls,
        rounds=rounds,
    )
    fake.reset()
    return fake_time, floor_time


def bench_stream(fake: FakeOpenAI, *, rounds: int, chunks: int = 1000) -> tuple[float, float]:
    """Time to the last chunk of a 1,000-chunk stream: (fake, floor)."""
    pieces = [f" w{i}" for i in range(chunks - 2)]
    fake.chat.respond_with_message("".join(pieces), chunks=pieces, always=True)
    client = fake.client(max_retries=0)

    def consume(c: openai.OpenAI) -> int:
        stream = c.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)  # type: ignore[arg-type]
        return sum(1 for _ in stream)

    received = consume(client)
    events = fake.chat.calls.last.response
    sse = b"".join(b"data: " + (json.dumps(e) if e != "[DONE]" else e).encode() + b"\n\n" for e in events)
    floor = mock_client(sse, "text/event-stream")
    assert consume(floor) == received == chunks, (received, chunks)

    fake_time = median_seconds(lambda: consume(client), calls=1, rounds=rounds)
    floor_time = median_seconds(lambda: consume(floor), calls=1, rounds=rounds)
    fake.reset()
    return fake_time, floor_time


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, rougher figures")
    args = parser.parse_args()
    calls, rounds = (50, 5) if args.quick else (200, 11)

    rows = []
    with FakeOpenAI() as fake:
        fake_t, floor_t = bench_chat(fake, calls=calls, rounds=rounds)
        rows.append(("chat.completions.create, non-streaming", fake_t, floor_t))
        fake_t, floor_t = bench_memory(fake, calls=calls, rounds=rounds)
        rows.append(("chat.completions.create, no-socket mode", fake_t, floor_t))
        fake_t, floor_t = bench_stream(fake, rounds=rounds)
        rows.append(("1,000-chunk stream, time to last chunk", fake_t, floor_t))

    print(f"{'measure':44} {'fakeopenai':>12} {'floor':>12} {'ratio':>7}")
    for name, fake_t, floor_t in rows:
        print(f"{name:44} {fake_t * 1e6:10.0f}µs {floor_t * 1e6:10.0f}µs {fake_t / floor_t:6.2f}x")


if __name__ == "__main__":
    main()
