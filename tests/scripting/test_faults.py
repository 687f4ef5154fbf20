"""Faults on demand: errors, latency, cut and stalled streams, malformed events, dropped connections."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI

HELLO = [{"role": "user", "content": "Hello"}]


def create(client: openai.OpenAI, **kwargs: object) -> object:
    return client.chat.completions.create(model="gpt-4o", messages=HELLO, **kwargs)  # type: ignore[call-overload]


def test_429_carries_rate_limit_headers_and_the_sdk_honours_retry_after(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_error(429, headers={"Retry-After": "0.3"}, times=2)
    began = time.perf_counter()
    reply = create(openai.OpenAI(max_retries=2))
    elapsed = time.perf_counter() - began
    assert reply.choices[0].message.content  # type: ignore[attr-defined]
    calls = fake_openai.chat.calls
    assert [c.status for c in calls] == [429, 429, 200]
    assert elapsed >= 0.6, "two retries that each waited Retry-After"
    first = httpx.post(
        fake_openai.base_url + "/chat/completions",
        json={"model": "gpt-4o", "messages": HELLO},
        headers={"Authorization": "Bearer k"},
    )
    assert first.status_code == 200
    fake_openai.chat.respond_with_error(429)
    limited = httpx.post(
        fake_openai.base_url + "/chat/completions",
        json={"model": "gpt-4o", "messages": HELLO},
        headers={"Authorization": "Bearer k"},
    )
    assert limited.headers["x-ratelimit-remaining-requests"] == "0"
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"


@pytest.mark.parametrize(
    ("status", "exception"), [(500, openai.InternalServerError), (503, openai.InternalServerError)]
)
def test_server_errors_exhaust_retries(fake_openai: FakeOpenAI, status: int, exception: type[Exception]) -> None:
    fake_openai.chat.respond_with_error(status, always=True)
    with pytest.raises(exception):
        create(openai.OpenAI(max_retries=1))
    assert fake_openai.chat.calls.call_count == 2


def test_latency_before_the_first_byte_trips_a_client_timeout(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("late", delay=1.0)
    with pytest.raises(openai.APITimeoutError):
        create(openai.OpenAI(max_retries=0, timeout=0.2))
    fake_openai.chat.respond_with_message("on time", delay=0.2)
    began = time.perf_counter()
    create(openai.OpenAI(max_retries=0))
    assert time.perf_counter() - began >= 0.2


def test_stream_pacing_between_events(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("a b c", chunks=["a", " b", " c"], event_delay=0.1)
    began = time.perf_counter()
    arrivals = []
    for _ in create(openai.OpenAI(), stream=True):  # type: ignore[attr-defined]
        arrivals.append(time.perf_counter() - began)
    assert len(arrivals) == 5 and arrivals[-1] >= 0.38, "four gaps of 0.1 s before the last chunk"
    assert arrivals[1] < arrivals[-1] - 0.2, "events arrive as they are sent, not all at the end (3 gaps apart)"


def test_stream_cut_after_n_events(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("one two three four", cut_after=3)
    received = []
    with pytest.raises((httpx.RemoteProtocolError, openai.APIError)):
        for chunk in create(openai.OpenAI(), stream=True):  # type: ignore[attr-defined]
            received.append(chunk)
    assert len(received) == 3
    assert fake_openai.chat.calls.last.response[-1] != "[DONE]"


def test_stalled_stream_trips_a_read_timeout(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("stalls", stall_after=1, stall_for=5)
    received = []
    began = time.perf_counter()
    with pytest.raises((httpx.ReadTimeout, openai.APITimeoutError)):
        for chunk in create(openai.OpenAI(max_retries=0, timeout=0.3), stream=True):  # type: ignore[attr-defined]
            received.append(chunk)
    assert len(received) == 1
    assert time.perf_counter() - began < 3
    fake_openai.reset()


def test_malformed_event(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("broken", malformed_after=1)
    with pytest.raises(ValueError):
        list(create(openai.OpenAI(), stream=True))  # type: ignore[call-overload]


def test_dropped_connection_before_any_response(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_dropped_connection()
    with pytest.raises(openai.APIConnectionError):
        create(openai.OpenAI(max_retries=0))
    fake_openai.chat.respond_with_dropped_connection()
    reply = create(openai.OpenAI(max_retries=1))
    assert reply.choices[0].message.content  # type: ignore[attr-defined]
    assert fake_openai.chat.calls.call_count == 3


def test_slow_body(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("x" * 2000, bytes_per_second=4000)
    began = time.perf_counter()
    reply = create(openai.OpenAI())
    assert reply.choices[0].message.content == "x" * 2000  # type: ignore[attr-defined]
    assert time.perf_counter() - began >= 0.4


def test_errors_at_a_seeded_rate_repeat_exactly(fake_openai: FakeOpenAI) -> None:
    def statuses() -> list[int]:
        fake_openai.reset()
        fake_openai.chat.respond_with_error(500, rate=0.3, seed=7, always=True)
        client = openai.OpenAI(max_retries=0)
        for _ in range(40):
            try:
                create(client)
            except openai.InternalServerError:
                pass
        return [c.status or 0 for c in fake_openai.chat.calls]

    first, second = statuses(), statuses()
    assert first == second
    assert 4 <= first.count(500) <= 20
    with pytest.raises(ValueError, match="rate must be above 0"):
        fake_openai.chat.respond_with_error(500, rate=1.5)
