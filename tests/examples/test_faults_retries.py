import time

import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:own-retries]
def ask_with_retries(question: str, attempts: int = 3) -> str:
    """Ask; when rate limited, wait as long as the API says (Retry-After) and try again."""
    client = openai.OpenAI(max_retries=0)  # this code retries by itself
    for attempt in range(1, attempts + 1):
        try:
            reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
            return reply.choices[0].message.content or ""
        except openai.RateLimitError as error:
            if attempt == attempts:
                raise
            time.sleep(float(error.response.headers.get("retry-after", "1")))
    raise AssertionError("unreachable")


def test_waits_as_long_as_the_api_asks(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_openai.chat.respond_with_error(429, headers={"Retry-After": "20"}, times=2)
    fake_openai.chat.respond_with_message("Finally!")
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)  # record the waits instead of sitting through them

    assert ask_with_retries("Hello?") == "Finally!"

    assert waits == [20.0, 20.0]
    assert [call.status for call in fake_openai.chat.calls] == [429, 429, 200]  # every attempt is in the log


def test_gives_up_after_the_last_attempt(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_openai.chat.respond_with_error(429, headers={"Retry-After": "1"}, always=True)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)

    with pytest.raises(openai.RateLimitError):
        ask_with_retries("Hello?")

    assert fake_openai.chat.calls.call_count == 3


# --8<-- [end:own-retries]


# --8<-- [start:sdk-retries]
def test_the_sdk_honours_retry_after(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_error(429, headers={"Retry-After": "0.2"}, times=2)

    began = time.perf_counter()
    reply = openai.OpenAI(max_retries=2).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hello?"}]
    )

    assert reply.choices[0].message.content  # the simulator answered the third attempt
    assert time.perf_counter() - began >= 0.4  # two waits of Retry-After
    first, second, third = fake_openai.chat.calls
    assert (first.status, second.status, third.status) == (429, 429, 200)
    assert first.response["error"]["code"] == "rate_limit_exceeded"


# --8<-- [end:sdk-retries]


# --8<-- [start:dropped]
def test_a_dropped_connection_is_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_dropped_connection()  # no answer at all: the connection just closes
    fake_openai.chat.respond_with_message("Hello!")

    reply = openai.OpenAI(max_retries=1).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
    )

    assert reply.choices[0].message.content == "Hello!"
    assert fake_openai.chat.calls.call_count == 2


# --8<-- [end:dropped]
