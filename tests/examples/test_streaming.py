from collections.abc import Iterator

import openai
import pydantic
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:text]
def stream_answer(question: str) -> Iterator[str]:
    """Yield the answer piece by piece, as a chat UI shows it."""
    stream = openai.OpenAI().chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": question}],
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            yield chunk.choices[0].delta.content


def test_stream_arrives_in_the_scripted_pieces(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Hello there!", chunks=["Hel", "lo ", "there!"])

    assert list(stream_answer("Hi")) == ["Hel", "lo ", "there!"]


# --8<-- [end:text]


# --8<-- [start:events]
def test_the_events_on_the_wire(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Hello there!")  # no chunks: cut into token-sized pieces

    assert "".join(stream_answer("Hi")) == "Hello there!"

    events = fake_openai.chat.calls.last.response  # the `data` of every event, parsed
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert events[-3]["choices"][0]["finish_reason"] == "stop"
    assert events[-2]["choices"] == [] and events[-2]["usage"]["completion_tokens"] > 0
    assert events[-1] == "[DONE]"


# --8<-- [end:events]


# --8<-- [start:tool-call]
class GetWeather(pydantic.BaseModel):
    city: str


def stream_tool_call(question: str) -> GetWeather:
    """Stream a turn with the SDK's helper and return the parsed tool arguments."""
    with openai.OpenAI().chat.completions.stream(
        model="gpt-4o",
        messages=[{"role": "user", "content": question}],
        tools=[openai.pydantic_function_tool(GetWeather, name="get_weather")],
    ) as stream:
        completion = stream.get_final_completion()
    [call] = completion.choices[0].message.tool_calls or []
    return call.function.parsed_arguments  # type: ignore[return-value]


def test_tool_call_arguments_stream_in_fragments(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_tool_call("get_weather", {"city": "Paris"})

    assert stream_tool_call("Weather in Paris?") == GetWeather(city="Paris")

    events = fake_openai.chat.calls.last.response
    fragments = [
        call["function"]["arguments"]
        for event in events[:-1]
        for call in event["choices"][0]["delta"].get("tool_calls", [])
    ]
    assert len(fragments) > 2 and "".join(fragments) == '{"city": "Paris"}'


# --8<-- [end:tool-call]


# --8<-- [start:async]
async def stream_answer_async(question: str) -> str:
    client = openai.AsyncOpenAI()
    stream = await client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": question}], stream=True
    )
    return "".join([chunk.choices[0].delta.content or "" async for chunk in stream])


@pytest.mark.asyncio
async def test_async_stream(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Hello from asyncio.")

    assert await stream_answer_async("Hi") == "Hello from asyncio."


# --8<-- [end:async]
