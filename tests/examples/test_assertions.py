import functools

import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:code]
@functools.cache
def translate(text: str, language: str) -> str:
    """Translate `text`; the same text is only ever sent once."""
    reply = openai.OpenAI().chat.completions.create(
        model="gpt-4o-mini",
        temperature=0,
        messages=[
            {"role": "system", "content": f"Translate the user's text into {language}."},
            {"role": "user", "content": text},
        ],
    )
    return reply.choices[0].message.content or ""


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    translate.cache_clear()


# --8<-- [end:code]


# --8<-- [start:mock-style]
def test_the_request_sent(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Bonjour")

    assert translate("Hello", "French") == "Bonjour"

    fake_openai.chat.calls.assert_called_once_with(
        model="gpt-4o-mini",
        temperature=0,
        messages=[
            {"role": "system", "content": "Translate the user's text into French."},
            {"role": "user", "content": "Hello"},
        ],
    )


# --8<-- [end:mock-style]


# --8<-- [start:views]
def test_what_the_request_said(fake_openai: FakeOpenAI) -> None:
    translate("Good morning", "German")

    request = fake_openai.chat.calls.last.request
    assert "German" in request.system_prompt
    assert request.last_user_message == "Good morning"
    assert request["temperature"] == 0  # any field of the JSON body


# --8<-- [end:views]


# --8<-- [start:count]
def test_the_cache_saves_a_request(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Hola", always=True)

    translate("Hello", "Spanish")
    translate("Hello", "Spanish")
    translate("Bye", "Spanish")

    calls = fake_openai.chat.calls
    assert calls.call_count == 2
    calls.assert_any_call(
        messages=[
            {"role": "system", "content": "Translate the user's text into Spanish."},
            {"role": "user", "content": "Bye"},
        ]
    )
    assert [request.last_user_message for request in calls.requests] == ["Hello", "Bye"]


# --8<-- [end:count]


# --8<-- [start:call]
def test_one_call_in_full(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Ciao")
    translate("Hi", "Italian")

    call = fake_openai.chat.calls.last
    assert (call.method, call.path, call.status) == ("POST", "/v1/chat/completions", 200)
    assert call.headers["authorization"] == f"Bearer {fake_openai.api_key}"
    assert call.answered_by == "script"
    assert call.response["choices"][0]["message"]["content"] == "Ciao"


# --8<-- [end:call]
