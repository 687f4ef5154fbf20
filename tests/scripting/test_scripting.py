"""Scripted answers: order, counts, matching, and the request log's assertions."""

from __future__ import annotations

import re

import openai
import pytest

from fakeopenai import FakeOpenAI, Message

HELLO = [{"role": "user", "content": "Hello"}]


def ask(text: str = "Hello", model: str = "gpt-4o", **kwargs: object) -> str | None:
    reply = openai.OpenAI(max_retries=0).chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": text}],
        **kwargs,  # type: ignore[arg-type]
    )
    return reply.choices[0].message.content


def test_answers_queue_in_order_once_each(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with("one", "two")
    fake_openai.chat.respond_with_message("three")
    assert [ask(), ask(), ask()] == ["one", "two", "three"]
    simulated = ask()
    assert simulated not in ("one", "two", "three")
    assert fake_openai.chat.calls.last.answered_by == "simulator"


def test_times_and_always(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("twice", times=2)
    fake_openai.chat.respond_with_message("forever", always=True)
    assert [ask() for _ in range(4)] == ["twice", "twice", "forever", "forever"]


def test_matching_on_model_message_tool_and_predicate(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("mini", model="gpt-4o-mini", always=True)
    fake_openai.chat.respond_with_message("weather", user_message="weather", always=True)
    fake_openai.chat.respond_with_message("regex", user_message=re.compile(r"^\d+$"), always=True)
    fake_openai.chat.respond_with_message("long", when=lambda r: len(r.last_user_message) > 40, always=True)
    tool = {"type": "function", "function": {"name": "search", "parameters": {"type": "object", "properties": {}}}}
    fake_openai.chat.respond_with_message("tooled", tool="search", always=True)

    assert ask(model="gpt-4o-mini") == "mini"
    assert ask("what's the weather?") == "weather"
    assert ask("12345") == "regex"
    assert ask("x" * 50) == "long"
    assert ask("hi", tools=[tool], tool_choice="auto") == "tooled"


def test_top_level_scripts_answer_chat_too(fake_openai: FakeOpenAI) -> None:
    fake_openai.respond_with_message("from the top")
    assert ask() == "from the top"
    assert fake_openai.calls.last.answered_by == "script"


def test_message_objects_give_full_control(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with(Message(content="cut", finish_reason="length"))
    reply = openai.OpenAI().chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]
    assert (reply.choices[0].message.content, reply.choices[0].finish_reason) == ("cut", "length")


def test_chunks_must_join_to_the_content(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(Exception, match="chunks of a scripted message must join"):
        fake_openai.chat.respond_with_message("abc", chunks=["a", "b"])


def test_times_must_be_positive(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(ValueError, match="times must be at least 1"):
        fake_openai.chat.respond_with_message("x", times=0)


def test_call_log_vocabulary(fake_openai: FakeOpenAI) -> None:
    calls = fake_openai.chat.calls
    calls.assert_not_called()
    ask("first", temperature=0.5)
    ask("second")
    calls = fake_openai.chat.calls
    assert calls.call_count == 2 and calls.called
    calls.assert_called()
    calls.assert_any_call(temperature=0.5)
    calls.assert_called_with(model="gpt-4o")
    assert calls.last.request.last_user_message == "second"
    assert [r.last_user_message for r in calls.requests] == ["first", "second"]
    assert calls[0].headers["authorization"].startswith("Bearer ")
    assert calls[0].method == "POST" and calls[0].path == "/v1/chat/completions"
    assert calls[0].status == 200 and calls[0].response["object"] == "chat.completion"
    with pytest.raises(AssertionError, match=r"Expected exactly one call, but there were 2"):
        calls.assert_called_once()
    with pytest.raises(AssertionError, match=r"temperature: expected 0\.5, but it was not sent"):
        calls.assert_called_with(temperature=0.5)
    with pytest.raises(AssertionError, match="Expected no call"):
        calls.assert_not_called()


def test_request_views_reach_system_prompt_and_raw_body(fake_openai: FakeOpenAI) -> None:
    openai.OpenAI().chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Describe "}, {"type": "text", "text": "this"}]},
        ],
    )
    request = fake_openai.chat.calls.last.request
    assert request.system_prompt == "Be brief."
    assert request.last_user_message == "Describe this"
    assert request["model"] == "gpt-4o" and request.body["messages"][0]["role"] == "system"


def test_misspelled_options_are_refused(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(
        TypeError, match=r"Unknown script option\(s\): message, tmies\. The options are: model, user_message"
    ):
        fake_openai.chat.respond_with_message("Bonjour", message="French", tmies=2)  # type: ignore[call-arg]


def test_impossible_scripted_answers_are_reported(fake_openai: FakeOpenAI) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
    }
    fake_openai.chat.respond_with_tool_call("get_wether", {"city": "Paris"})
    fake_openai.chat.respond_with_tool_call("get_weather", {"town": 1})
    client = openai.OpenAI()
    for _ in range(2):
        client.chat.completions.create(model="gpt-4o", messages=HELLO, tools=[tool])  # type: ignore[arg-type,list-item]
    report = fake_openai.report() or ""
    assert "Scripted answers the real API could not have given" in report
    assert "it calls 'get_wether', but the request offers no such tool (offered: 'get_weather')" in report
    assert "the arguments of 'get_weather' break the strict schema at the top level" in report
    fake_openai.reset()
