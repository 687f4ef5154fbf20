"""Streamed Responses: the typed event sequence, its SSE framing, and the SDK's stream helpers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pydantic
import pytest
from openai.types.responses import ResponseStreamEvent
from sdk_shapes import Person, extras

from fakeopenai import FakeOpenAI, Message

EVENTS: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ResponseStreamEvent)
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
    "strict": True,
}

# The API names the function here, as openai 2.x and the Node SDK declare (and require); openai 3.x leaves it out.
FUNCTION_NAME = ("response.function_call_arguments.done", "$.name")


def raw_stream(fake: FakeOpenAI, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The (event name, data) of each SSE event, read off the wire."""
    events = []
    with httpx.stream(
        "POST", f"{fake.base_url}/responses", json={**body, "stream": True}, headers={"Authorization": "Bearer k"}
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for block in response.read().decode().split("\n\n"):
            if block.strip():
                name, data = block.split("\n")
                assert name.startswith("event: ") and data.startswith("data: ")
                events.append((name[len("event: ") :], json.loads(data[len("data: ") :])))
    return events


def checked(events: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The event data, checked: named after their type, numbered in order, and typed as the SDK types them."""
    for position, (name, data) in enumerate(events):
        assert name == data["type"] and data["sequence_number"] == position
        strays = [
            path
            for path in extras(EVENTS.validate_python(data))
            if path != "$.response.store" and (name, path) != FUNCTION_NAME
        ]
        assert strays == [], name
    return [data for _, data in events]


def test_text_stream_event_sequence(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_message("Hello there!", chunks=["Hel", "lo ", "there!"])
    events = checked(raw_stream(fake_openai, {"model": "gpt-4o", "input": "Hi"}))

    assert [e["type"] for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    created, _, added, part, *deltas, text_done, part_done, item_done, completed = events
    assert created["response"]["status"] == "in_progress" and created["response"]["output"] == []
    assert added["item"]["status"] == "in_progress" and added["item"]["content"] == []
    assert part["part"] == {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    item_id = added["item"]["id"]
    assert all((d["item_id"], d["output_index"], d["content_index"]) == (item_id, 0, 0) for d in deltas)
    assert [d["delta"] for d in deltas] == ["Hel", "lo ", "there!"]
    assert text_done["text"] == part_done["part"]["text"] == "Hello there!"
    assert item_done["item"]["status"] == "completed"
    assert completed["response"]["output"] == [item_done["item"]] and completed["response"]["usage"]["total_tokens"] > 0
    assert fake_openai.responses.calls.last.response == events  # the journal keeps every event's data


def test_sdk_stream_and_output_text(fake_openai: FakeOpenAI) -> None:
    stream = openai.OpenAI().responses.create(model="gpt-4o", input="Hi", stream=True)
    events = list(stream)
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    final = events[-1]
    assert final.type == "response.completed" and final.response.output_text == text != ""


def test_function_call_stream(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_tool_call("get_weather", {"city": "Paris", "unit": "c"}, id="call_1")
    events = checked(raw_stream(fake_openai, {"model": "gpt-4o", "input": "Weather?", "tools": [WEATHER]}))

    added = next(e for e in events if e["type"] == "response.output_item.added")
    assert added["item"] | {"id": "fc"} == {
        "id": "fc",
        "type": "function_call",
        "status": "in_progress",
        "arguments": "",
        "call_id": "call_1",
        "name": "get_weather",
    }
    deltas = [e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"]
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert len(deltas) > 2 and "".join(deltas) == done["arguments"]
    assert json.loads(done["arguments"]) == {"city": "Paris", "unit": "c"}
    assert done["item_id"] == added["item"]["id"] and done["output_index"] == 0 and done["name"] == "get_weather"


def test_refusal_stream(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_refusal("I can't help with that.")
    events = checked(raw_stream(fake_openai, {"model": "gpt-4o", "input": "Hi"}))
    kinds = [e["type"] for e in events]
    assert "response.refusal.delta" in kinds and "response.output_text.delta" not in kinds
    done = next(e for e in events if e["type"] == "response.refusal.done")
    deltas = [e["delta"] for e in events if e["type"] == "response.refusal.delta"]
    assert "".join(deltas) == done["refusal"] == "I can't help with that."


def test_incomplete_stream_ends_with_response_incomplete(fake_openai: FakeOpenAI) -> None:
    events = checked(
        raw_stream(fake_openai, {"model": "gpt-4o", "input": "Tell me a long story", "max_output_tokens": 16})
    )
    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}


def test_failed_stream_ends_with_response_failed(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_failure("The model crashed.")
    events = checked(raw_stream(fake_openai, {"model": "gpt-4o", "input": "Hi"}))
    assert [e["type"] for e in events] == ["response.created", "response.in_progress", "response.failed"]
    assert events[-1]["response"]["error"] == {"code": "server_error", "message": "The model crashed."}


def test_reasoning_summary_stream(fake_openai: FakeOpenAI) -> None:
    body = {"model": "gpt-5", "input": "Hi", "reasoning": {"effort": "low", "summary": "auto"}}
    events = checked(raw_stream(fake_openai, body))
    summary = [e for e in events if e["type"].startswith("response.reasoning_summary")]
    assert summary[0]["type"] == "response.reasoning_summary_part.added"
    assert summary[-1]["type"] == "response.reasoning_summary_part.done"
    text = "".join(e["delta"] for e in summary if e["type"] == "response.reasoning_summary_text.delta")
    assert text == summary[-1]["part"]["text"] != ""
    message = next(e for e in events if e["type"] == "response.output_item.added" and e["item"]["type"] == "message")
    assert message["output_index"] == 1


def test_logprobs_stream(fake_openai: FakeOpenAI) -> None:
    body = {"model": "gpt-4o", "input": "Hi", "include": ["message.output_text.logprobs"], "top_logprobs": 2}
    events = checked(raw_stream(fake_openai, body))
    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    done = next(e for e in events if e["type"] == "response.output_text.done")
    assert all(d["logprobs"] for d in deltas)
    assert [lp for d in deltas for lp in d["logprobs"]] == done["logprobs"]
    assert all(len(lp["top_logprobs"]) == 2 and lp["logprob"] <= 0 for lp in done["logprobs"])


def test_stream_helper_with_text_format(fake_openai: FakeOpenAI) -> None:
    with openai.OpenAI().responses.stream(model="gpt-4o", input="Who?", text_format=Person) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert "response.output_text.delta" in kinds
    assert isinstance(final.output_parsed, Person)


async def test_async_stream_helper_with_text_format(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_json({"name": "Ada", "age": 36, "emails": []})
    async with openai.AsyncOpenAI().responses.stream(model="gpt-4o", input="Who?", text_format=Person) as stream:
        deltas = [event.delta async for event in stream if event.type == "response.output_text.delta"]
        final = await stream.get_final_response()
    assert final.output_parsed == Person(name="Ada", age=36, emails=[])
    assert "".join(deltas) == final.output_text


def test_stream_helper_with_a_tool(fake_openai: FakeOpenAI) -> None:
    class GetWeather(pydantic.BaseModel):
        city: str

    with openai.OpenAI().responses.stream(
        model="gpt-4o", input="Rome?", tools=[openai.pydantic_function_tool(GetWeather)]
    ) as stream:
        final = stream.get_final_response()
    [call] = final.output
    assert call.type == "function_call" and isinstance(call.parsed_arguments, GetWeather)


async def test_async_raw_stream(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with(Message(content="Hi!", chunks=("H", "i!")))
    stream = await openai.AsyncOpenAI().responses.create(model="gpt-4o", input="Hi", stream=True)
    deltas = [event.delta async for event in stream if event.type == "response.output_text.delta"]
    assert deltas == ["H", "i!"]


def test_a_streamed_response_is_stored_and_can_be_continued(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    events = list(client.responses.create(model="gpt-4o", input="Hi", stream=True))
    response_id = events[0].response.id  # type: ignore[union-attr]
    assert client.responses.retrieve(response_id).output_text == events[-1].response.output_text  # type: ignore[union-attr]
    follow_up = client.responses.create(model="gpt-4o", previous_response_id=response_id, input="More")
    assert follow_up.previous_response_id == response_id


def test_background_stream_and_resuming_it(fake_openai: FakeOpenAI) -> None:
    body = {"model": "gpt-4o", "input": "Long task", "background": True}
    events = checked(raw_stream(fake_openai, body))
    assert [e["type"] for e in events[:3]] == ["response.created", "response.queued", "response.in_progress"]
    assert events[0]["response"]["status"] == "queued" and events[-1]["type"] == "response.completed"

    with openai.OpenAI().responses.stream(response_id=events[0]["response"]["id"], starting_after=4) as stream:
        resumed = [event.sequence_number for event in stream]
        final = stream.get_final_response()
    assert resumed == list(range(5, len(events)))
    assert final.output_text == events[-1]["response"]["output"][0]["content"][0]["text"]


def test_only_background_responses_can_be_streamed_again(fake_openai: FakeOpenAI) -> None:
    response = openai.OpenAI().responses.create(model="gpt-4o", input="Hi")
    with pytest.raises(openai.NotFoundError):
        list(openai.OpenAI(max_retries=0).responses.retrieve(response.id, stream=True))
