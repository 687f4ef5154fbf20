"""Replay from a cassette: load time, and the cost of one request, for 20 versus 2,000 interactions.

Run with `python benchmarks/bench_cassette.py`. Loading grows with the file
(it is parsed once); answering a request must not grow with it (a hash lookup).
Prints medians over repeats.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from fakeopenai import FakeOpenAI
from fakeopenai._app.journal import Call
from fakeopenai._app.state import Context, Settings, State
from fakeopenai._app.views import ChatRequest
from fakeopenai._recording.cassette import Interaction, _cache, save
from fakeopenai._recording.tape import Cassette

SIZES = (20, 2000)
LOAD_REPEATS = 7
ANSWER_REPEATS = 2000
HTTP_REPEATS = 300


def request_body(number: int, stream: bool) -> dict[str, object]:
    body: dict[str, object] = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant. " * 8},
            {"role": "user", "content": f"Question number {number}: what is {number} squared?"},
        ],
        "temperature": 0.2,
    }
    if stream:
        body["stream"] = True
    return body


def interaction(number: int) -> Interaction:
    stream = number % 4 == 3
    answer = f"{number} squared is {number * number}. " * 6
    if stream:
        words = answer.split(" ")
        events = [
            "data: "
            + json.dumps({"id": f"chatcmpl-{number}", "choices": [{"index": 0, "delta": {"content": w + " "}}]})
            for w in words
        ]
        body = ("\n\n".join([*events, "data: [DONE]"]) + "\n\n").encode()
        content_type = "text/event-stream; charset=utf-8"
    else:
        body = json.dumps(
            {
                "id": f"chatcmpl-{number}",
                "object": "chat.completion",
                "model": "gpt-4o-mini",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 60, "completion_tokens": 40, "total_tokens": 100},
            },
            indent=2,
        ).encode()
        content_type = "application/json"
    return Interaction(
        method="POST",
        uri="https://api.openai.com/v1/chat/completions",
        request_headers={"Content-Type": ["application/json"]},
        request_body=json.dumps(request_body(number, stream)).encode(),
        status=200,
        reason="OK",
        response_headers={"Content-Type": [content_type]},
        response_body=body,
    )


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def load_time(path: Path) -> float:
    def load() -> Cassette:
        _cache.clear()
        return Cassette(path, allow_playback_repeats=True)

    return median_seconds(load, LOAD_REPEATS)


def answer_time(path: Path, count: int) -> float:
    cassette = Cassette(path, allow_playback_repeats=True)
    body = request_body(count // 2 * 4 // 4, stream=False)
    raw = json.dumps(body).encode()
    state = State(Settings())
    call: Call[ChatRequest] = Call(
        0, "POST", "/v1/chat/completions", "chat.completions.create", {}, {}, ChatRequest(body)
    )
    ctx = Context(state, "chat.completions.create", ChatRequest(body), call=call, raw_body=raw)
    assert cassette.answer(ctx) is not None
    return median_seconds(lambda: cassette.answer(ctx), ANSWER_REPEATS)


def http_time(path: Path, count: int) -> float:
    body = request_body(count // 2 * 4 // 4, stream=False)
    with FakeOpenAI() as fake, fake.use_cassette(path, allow_playback_repeats=True), httpx.Client() as client:
        url, headers = fake.base_url + "/chat/completions", {"Authorization": "Bearer x"}
        assert client.post(url, json=body, headers=headers).status_code == 200
        result = median_seconds(lambda: client.post(url, json=body, headers=headers).raise_for_status(), HTTP_REPEATS)
        fake.reset()
    return result


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        for count in SIZES:
            path = Path(directory) / f"cassette_{count}.yaml"
            save(path, [interaction(n) for n in range(count)])
            size = path.stat().st_size
            rows.append((count, size, load_time(path), answer_time(path, count), http_time(path, count)))
    print(
        f"{'interactions':>12} | {'file':>9} | {'load (one time)':>15} | {'answer, in-process':>18} | {'request over HTTP':>17}"
    )
    print(f"{'-' * 12}-+-{'-' * 9}-+-{'-' * 15}-+-{'-' * 18}-+-{'-' * 17}")
    for count, size, load, answer, http in rows:
        print(
            f"{count:>12} | {size / 1024:>6.0f} KB | {load * 1e3:>12.1f} ms | {answer * 1e6:>15.1f} µs | {http * 1e3:>14.2f} ms"
        )
    small, large = rows[0], rows[-1]
    print(
        f"\n{large[0] // small[0]}x the interactions: load {large[2] / small[2]:.0f}x, "
        f"answer {large[3] / small[3]:.2f}x, HTTP request {large[4] / small[4]:.2f}x."
    )


if __name__ == "__main__":
    main()
