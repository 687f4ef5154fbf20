import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:fallback]
def answer(question: str) -> str:
    """Answer a question; apologise when rate limited, mark answers that were cut off."""
    client = openai.OpenAI(max_retries=0)
    try:
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    except openai.RateLimitError:
        return "We're busy, please try again in a minute."
    choice = reply.choices[0]
    text = choice.message.content or ""
    return text + " […]" if choice.finish_reason == "length" else text


def test_rate_limit_gives_a_polite_answer(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_error(429, headers={"Retry-After": "20"})

    assert answer("Hello?") == "We're busy, please try again in a minute."


# --8<-- [end:fallback]


# --8<-- [start:cut-off]
def test_an_answer_cut_off_at_max_tokens(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("The short answer is", finish_reason="length")

    assert answer("Explain everything.") == "The short answer is […]"


# --8<-- [end:cut-off]


# --8<-- [start:retry]
def test_the_sdk_retries_a_server_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_error(500)
    fake_openai.chat.respond_with_message("Hello!")

    reply = openai.OpenAI(max_retries=1).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
    )

    assert reply.choices[0].message.content == "Hello!"
    assert [call.status for call in fake_openai.chat.calls] == [500, 200]


# --8<-- [end:retry]


# --8<-- [start:custom]
def test_context_length_error_reaches_the_caller(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_error(
        400,
        "This model's maximum context length is 128000 tokens.",
        code="context_length_exceeded",
        param="messages",
    )

    with pytest.raises(openai.BadRequestError) as caught:
        answer("a very long question")

    assert caught.value.code == "context_length_exceeded"
    assert caught.value.param == "messages"


# --8<-- [end:custom]
