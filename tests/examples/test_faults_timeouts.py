import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:timeout]
def answer_or_apologise(question: str, timeout: float = 30.0) -> str:
    """Answer, or apologise when the API takes longer than `timeout` seconds."""
    client = openai.OpenAI(timeout=timeout, max_retries=0)
    try:
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    except openai.APITimeoutError:
        return "Sorry, that took too long. Please try again."
    return reply.choices[0].message.content or ""


def test_a_slow_answer_times_out(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Too late.", delay=2.0)  # two seconds before the first byte

    assert answer_or_apologise("Hi", timeout=0.2) == "Sorry, that took too long. Please try again."


def test_a_quick_answer_does_not(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Just in time.", delay=0.1)

    assert answer_or_apologise("Hi", timeout=2.0) == "Just in time."


# --8<-- [end:timeout]


# --8<-- [start:retry-timeout]
def test_the_sdk_retries_a_timed_out_request(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Too late.", delay=2.0)
    fake_openai.chat.respond_with_message("Second time lucky.")

    reply = openai.OpenAI(timeout=0.3, max_retries=1).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
    )

    assert reply.choices[0].message.content == "Second time lucky."
    assert fake_openai.chat.calls.call_count == 2


@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_latency_for_a_whole_suite(fake_openai: FakeOpenAI, delay: float) -> None:
    fake_openai.chat.respond_with_message("Hello!", delay=delay, always=True)  # every answer, this slow

    assert answer_or_apologise("Hi", timeout=5.0) == "Hello!"


# --8<-- [end:retry-timeout]
