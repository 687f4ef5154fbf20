"""Chat completions through the official `openai` SDK, sync and async, over a real socket."""

from __future__ import annotations

import json

import openai
import pydantic
import pytest
from sdk_shapes import Person

from fakeopenai import FakeOpenAI, Fault, ToolCall

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
HELLO = [{"role": "user", "content": "Hello"}]


def test_unmodified_client_reaches_the_fake(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Hi there!")

    reply = openai.OpenAI().chat.completions.create(model="gpt-4o", messages=HELLO)

    assert reply.choices[0].message.content == "Hi there!"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.object == "chat.completion"
    assert reply.id.startswith("chatcmpl-")
    assert reply.model == "gpt-4o"
    assert reply.system_fingerprint and reply.system_fingerprint.startswith("fp_")
    assert reply.usage is not None
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens > 0
    fake_openai.chat.calls.assert_called_once_with(model="gpt-4o", messages=HELLO)


async def test_async_client(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("async hello")
    reply = await openai.AsyncOpenAI().chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    assert reply.choices[0].message.content == "async hello"


def test_streaming_with_usage_chunk(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Hello world, streamed.", chunks=["Hello", " world", ", streamed."])

    stream = openai.OpenAI().chat.completions.create(
        model="gpt-4o", messages=HELLO, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)

    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert pieces == ["Hello", " world", ", streamed."]
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(c.usage is None for c in chunks[:-1])
    assert fake_openai.chat.calls.last.response[-1] == "[DONE]"


def test_stream_without_usage_has_no_usage_chunk(fake_openai: FakeOpenAI) -> None:
    chunks = list(openai.OpenAI().chat.completions.create(model="gpt-4o", messages=HELLO, stream=True))
    assert all(chunk.choices for chunk in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks)


def test_same_script_answers_stream_and_non_stream(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("same answer", times=2)
    client = openai.OpenAI()
    whole = client.chat.completions.create(model="gpt-4o", messages=HELLO)
    streamed = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
    )
    assert whole.choices[0].message.content == streamed == "same answer"


def test_tool_loop(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_tool_call("get_weather", {"city": "Paris", "unit": "c"})
    fake_openai.chat.respond_with_message("It is sunny in Paris.")
    client = openai.OpenAI()
    messages: list[dict[str, object]] = [{"role": "user", "content": "Weather in Paris?"}]

    first = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER_TOOL])  # type: ignore[list-item]
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert first.choices[0].finish_reason == "tool_calls"
    assert first.choices[0].message.content is None
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris", "unit": "c"}
    assert call.id.startswith("call_")
    messages += [first.choices[0].message, {"role": "tool", "tool_call_id": call.id, "content": "sunny"}]  # type: ignore[list-item]
    second = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER_TOOL])  # type: ignore[arg-type]

    assert second.choices[0].message.content == "It is sunny in Paris."
    first_call, second_call = fake_openai.chat.calls
    assert first_call.request.tool_names == ["get_weather"]
    assert second_call.request.messages[-1]["role"] == "tool"
    assert second_call.request.tool_results[0].name == "get_weather"
    assert second_call.request.tool_results[0].content == "sunny"


def test_parallel_tool_calls_stream_as_the_real_api_frames_them(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_tool_calls(
        ("get_weather", {"city": "Paris", "unit": "c"}),
        ToolCall("get_weather", {"city": "Oslo", "unit": "c"}, id="call_fixed"),
    )
    chunks = list(
        openai.OpenAI().chat.completions.create(model="gpt-4o", messages=HELLO, tools=[WEATHER_TOOL], stream=True)  # type: ignore[list-item]
    )
    deltas = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    heads = [d for d in deltas if d.id]
    assert [(h.index, h.function.name) for h in heads] == [(0, "get_weather"), (1, "get_weather")]  # type: ignore[union-attr]
    assert heads[1].id == "call_fixed"
    assert all(d.function.name is None for d in deltas if not d.id)  # type: ignore[union-attr]
    arguments = {0: "", 1: ""}
    for delta in deltas:
        arguments[delta.index] += delta.function.arguments or ""  # type: ignore[union-attr]
    assert json.loads(arguments[0]) == {"city": "Paris", "unit": "c"}
    assert json.loads(arguments[1]) == {"city": "Oslo", "unit": "c"}
    assert len([d for d in deltas if not d.id]) > 2, "arguments should arrive in several fragments"
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_stream_helper_accumulates_tool_calls(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_tool_call("get_weather", {"city": "Rome", "unit": "c"})
    with openai.OpenAI().chat.completions.stream(
        model="gpt-4o", messages=HELLO, tools=[openai.pydantic_function_tool(Weather, name="get_weather")]
    ) as stream:
        events = [event.type for event in stream]
        final = stream.get_final_completion()
    assert "tool_calls.function.arguments.delta" in events
    parsed = final.choices[0].message.tool_calls[0].function.parsed_arguments  # type: ignore[index]
    assert parsed == Weather(city="Rome", unit="c")


class Weather(pydantic.BaseModel):
    city: str
    unit: str


def test_parse_with_a_scripted_structured_answer(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_json({"name": "Ada", "age": 36, "emails": ["ada@example.com"]})
    completion = openai.OpenAI().chat.completions.parse(model="gpt-4o", messages=HELLO, response_format=Person)
    assert completion.choices[0].message.parsed == Person(name="Ada", age=36, emails=["ada@example.com"])
    sent = fake_openai.chat.calls.last.request.response_format
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True


def test_parse_with_the_simulator_generates_valid_structured_output(fake_openai: FakeOpenAI) -> None:
    completion = openai.OpenAI().chat.completions.parse(model="gpt-4o", messages=HELLO, response_format=Person)
    person = completion.choices[0].message.parsed
    assert isinstance(person, Person)


async def test_async_stream_helper_with_parse(fake_openai: FakeOpenAI) -> None:
    async with openai.AsyncOpenAI().chat.completions.stream(
        model="gpt-4o", messages=HELLO, response_format=Person
    ) as stream:
        final = await stream.get_final_completion()
    assert isinstance(final.choices[0].message.parsed, Person)


def test_refusal(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_refusal("I can't help with that.")
    completion = openai.OpenAI().chat.completions.parse(model="gpt-4o", messages=HELLO, response_format=Person)
    message = completion.choices[0].message
    assert message.refusal == "I can't help with that." and message.parsed is None and message.content is None


@pytest.mark.parametrize("reason", ["stop", "length", "content_filter"])
def test_scripted_finish_reasons(fake_openai: FakeOpenAI, reason: str) -> None:
    fake_openai.chat.respond_with_message("partial", finish_reason=reason)
    reply = openai.OpenAI().chat.completions.create(model="gpt-4o", messages=HELLO)
    assert reply.choices[0].finish_reason == reason


def test_simulator_truncates_at_max_tokens(fake_openai: FakeOpenAI) -> None:
    reply = openai.OpenAI().chat.completions.create(model="gpt-4o", messages=HELLO, max_completion_tokens=2)
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage is not None and reply.usage.completion_tokens <= 2


def test_n_choices_and_logprobs(fake_openai: FakeOpenAI) -> None:
    reply = openai.OpenAI().chat.completions.create(model="gpt-4o", messages=HELLO, n=3, logprobs=True, top_logprobs=2)
    assert [c.index for c in reply.choices] == [0, 1, 2]
    for choice in reply.choices:
        assert choice.logprobs is not None and choice.logprobs.content
        tokens = choice.logprobs.content
        assert "".join(t.token for t in tokens) == choice.message.content
        assert all(len(t.top_logprobs) == 2 and t.logprob <= 0 for t in tokens)


def test_simulator_is_deterministic(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    first = client.chat.completions.create(model="gpt-4o", messages=HELLO)
    second = client.chat.completions.create(model="gpt-4o", messages=HELLO)
    other = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Something else"}])
    assert first.choices[0].message.content == second.choices[0].message.content
    assert first.choices[0].message.content != other.choices[0].message.content


@pytest.mark.parametrize("tool_choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
def test_simulator_calls_a_forced_tool_with_valid_arguments(fake_openai: FakeOpenAI, tool_choice: object) -> None:
    reply = openai.OpenAI().chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        tools=[WEATHER_TOOL],
        tool_choice=tool_choice,  # type: ignore[list-item,arg-type]
    )
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    arguments = json.loads(call.function.arguments)
    assert call.function.name == "get_weather"
    assert set(arguments) == {"city", "unit"} and arguments["unit"] in ("c", "f")


def test_simulator_answers_in_text_with_tool_choice_none(fake_openai: FakeOpenAI) -> None:
    reply = openai.OpenAI().chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        tools=[WEATHER_TOOL],
        tool_choice="none",  # type: ignore[list-item]
    )
    assert reply.choices[0].message.tool_calls is None and reply.choices[0].message.content


def test_json_object_mode(fake_openai: FakeOpenAI) -> None:
    reply = openai.OpenAI().chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Answer in JSON"}],
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(reply.choices[0].message.content or ""), dict)


def test_scripted_error_with_headers_reaches_the_sdk(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_error(429, "Slow down", headers={"Retry-After": "0"})
    with pytest.raises(openai.RateLimitError) as caught:
        openai.OpenAI(max_retries=0).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "0"
    assert caught.value.body == {
        "message": "Slow down",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }


def test_sdk_retries_after_a_scripted_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with(Fault(503), "recovered")
    reply = openai.OpenAI(max_retries=1).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert reply.choices[0].message.content == "recovered"
    assert [c.status for c in fake_openai.chat.calls] == [503, 200]
