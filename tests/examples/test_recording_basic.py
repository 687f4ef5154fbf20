"""Replay recorded sessions: the cassettes under `cassettes/test_recording_basic/` were recorded once.

These tests never touch the network: with no record mode given, a request
that is not in its cassette fails the test instead of reaching the real API.
"""

import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:replay]
def ask(question: str) -> str:
    """The code under test: one question to the model."""
    reply = openai.OpenAI(max_retries=0).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    return reply.choices[0].message.content or ""


@pytest.mark.fakeopenai(cassette=True)  # cassettes/test_recording_basic/test_capital.yaml
def test_capital(fake_openai: FakeOpenAI) -> None:
    assert "Paris" in ask("What is the capital of France?")

    fake_openai.chat.calls.assert_called_once_with(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "What is the capital of France?"}]
    )
    assert fake_openai.chat.calls.last.answered_by == "cassette"


# --8<-- [end:replay]


# --8<-- [start:stream]
@pytest.mark.fakeopenai(cassette=True)
def test_streamed_capital(fake_openai: FakeOpenAI) -> None:
    stream = openai.OpenAI().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "What is the capital of France?"}], stream=True
    )
    pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]

    assert len(pieces) > 3  # replayed event by event, as recorded
    assert "Paris" in "".join(pieces)


# --8<-- [end:stream]


# --8<-- [start:shared]
@pytest.mark.fakeopenai(cassette="geography")  # cassettes/test_recording_basic/geography.yaml
def test_italy(fake_openai: FakeOpenAI) -> None:
    assert "Rome" in ask("What is the capital of Italy?")


@pytest.mark.fakeopenai(cassette="geography")
def test_spain(fake_openai: FakeOpenAI) -> None:
    assert "Madrid" in ask("What is the capital of Spain?")


# --8<-- [end:shared]


# --8<-- [start:inject]
def ask_politely(question: str) -> str:
    """The code under test: tells the user to wait when the API is rate limited."""
    try:
        return ask(question)
    except openai.RateLimitError:
        return "The model is busy; try again in a minute."


@pytest.mark.fakeopenai(cassette="geography")
def test_a_rate_limit_in_a_recorded_session(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_error(429, user_message="Spain")  # a script wins over the cassette

    assert "Rome" in ask_politely("What is the capital of Italy?")  # from the cassette
    assert ask_politely("What is the capital of Spain?") == "The model is busy; try again in a minute."


# --8<-- [end:inject]


# --8<-- [start:outside]
def test_a_cassette_outside_pytest_fixtures() -> None:
    from pathlib import Path

    cassette = Path(__file__).parent / "cassettes" / "test_recording_basic" / "test_capital.yaml"
    with FakeOpenAI() as fake, fake.use_cassette(cassette, record_mode="none"):
        client = fake.client()
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "What is the capital of France?"}]
        )
    assert "Paris" in (reply.choices[0].message.content or "")


# --8<-- [end:outside]
