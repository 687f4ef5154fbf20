"""The Responses API through the official `openai` SDK, sync and async, over a real socket."""

from __future__ import annotations

import functools
import json
import os
from typing import Any

import httpx
import jsonschema
import openai
import pydantic
import pytest
from openai.types.responses import Response, ResponseItemList
from sdk_shapes import Person, api_message, extras

from fakeopenai import FakeOpenAI, Message, ToolCall

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
    "strict": True,
}
SEARCH = {
    "type": "function",
    "name": "search",
    "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
    "strict": False,
}
problems_expected = pytest.mark.fakeopenai(teardown_check=False)


def validated(body: dict[str, Any]) -> Response:
    """The body as the SDK's `Response`, with no field the SDK does not know but `store` (which the API sends)."""
    response = Response.model_validate(body)
    assert list(extras(response)) == ["$.store"]
    return response


@functools.cache
def _client(base_url: str, api_key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0)


def client() -> openai.OpenAI:
    """A client of the fake, without retries (building one takes longer than a request, so it is kept)."""
    return _client(os.environ["OPENAI_BASE_URL"], os.environ["OPENAI_API_KEY"])


# --- create: text, items, instructions ---------------------------------------------------------


def test_text_input(fake_openai: FakeOpenAI) -> None:
    response = client().responses.create(model="gpt-4o", input="Hello")

    assert response.object == "response" and response.status == "completed"
    assert response.id.startswith("resp_") and len(response.id) == 53
    assert response.output_text and response.output[0].type == "message"
    assert response.output[0].id.startswith("msg_")
    assert response.completed_at is not None and response.error is None and response.incomplete_details is None
    assert response.usage is not None
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.usage.output_tokens_details.reasoning_tokens == 0
    assert response.reasoning is not None and response.reasoning.effort is None
    assert response.text is not None and response.text.format is not None and response.text.format.type == "text"
    assert (response.tool_choice, response.tools, response.parallel_tool_calls) == ("auto", [], True)
    validated(fake_openai.responses.calls.last.response)


async def test_async_client(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_message("async hello")
    response = await openai.AsyncOpenAI().responses.create(model="gpt-4o-mini", input="Hi")
    assert response.output_text == "async hello"
    assert response.model == "gpt-4o-mini"


def test_message_items_and_instructions(fake_openai: FakeOpenAI) -> None:
    items: Any = [
        {"role": "developer", "content": "Answer in French."},
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is in this image and this file?"},
                {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "auto"},
                {"type": "input_file", "file_id": "file-abc123"},
            ],
        },
    ]
    response = client().responses.create(model="gpt-4o", input=items, instructions="Be brief.")

    assert response.instructions == "Be brief."
    request = fake_openai.responses.calls.last.request
    assert request.instructions == "Be brief."
    assert request.last_user_message == "What is in this image and this file?"
    assert [item["role"] for item in request.input_items] == ["developer", "user"]
    listed = client().responses.input_items.list(response.id, order="asc").data
    assert [item.type for item in listed] == ["message", "message"]
    user = listed[1]
    assert user.type == "message" and user.role == "user" and user.id.startswith("msg_")
    assert [part.type for part in user.content] == ["input_text", "input_image", "input_file"]
    assert listed[0].content[0].type == "input_text"  # a string content is listed as an input_text part


def test_settings_are_echoed(fake_openai: FakeOpenAI) -> None:
    response = client().responses.create(
        model="gpt-4o",
        input="Hi",
        metadata={"trace": "t-1"},
        temperature=0.2,
        top_p=0.5,
        parallel_tool_calls=False,
        tools=[WEATHER],  # type: ignore[list-item]
        tool_choice="none",
        max_output_tokens=500,
        user="u-1",
        truncation="auto",
        service_tier="auto",
    )
    assert response.metadata == {"trace": "t-1"}
    assert (response.temperature, response.top_p, response.parallel_tool_calls) == (0.2, 0.5, False)
    assert response.max_output_tokens == 500 and response.user == "u-1" and response.truncation == "auto"
    assert response.service_tier == "default" and response.tool_choice == "none"
    assert [tool.type for tool in response.tools] == ["function"]
    assert response.tools[0].name == "get_weather" and response.tools[0].strict is True  # type: ignore[union-attr]
    validated(fake_openai.responses.calls.last.response)


def test_simulator_is_deterministic(fake_openai: FakeOpenAI) -> None:
    first = client().responses.create(model="gpt-4o", input="Hello")
    second = client().responses.create(model="gpt-4o", input="Hello")
    other = client().responses.create(model="gpt-4o", input="Something else")
    assert first.output_text == second.output_text != other.output_text
    assert first.id != second.id


# --- scripts ------------------------------------------------------------------------------------


def test_scripts_on_the_fake_answer_responses_too(fake_openai: FakeOpenAI) -> None:
    fake_openai.respond_with_message("from the fake itself")
    fake_openai.chat.respond_with_message("for chat only", always=True)

    response = client().responses.create(model="gpt-4o", input="Hi")

    assert response.output_text == "from the fake itself"
    assert fake_openai.responses.calls.last.answered_by == "script"


def test_scripts_match_on_user_message_and_tool(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_message("weather answer", tool="get_weather", always=True)
    fake_openai.responses.respond_with_message("greeting", user_message="Hello", always=True)

    assert client().responses.create(model="gpt-4o", input="Hello there").output_text == "greeting"
    answer = client().responses.create(model="gpt-4o", input="Rain?", tools=[WEATHER], tool_choice="none")  # type: ignore[list-item]
    assert answer.output_text == "weather answer"
    assert fake_openai.responses.calls.last.request.tool_names == ["get_weather"]


def test_scripted_message_object_with_refusal(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with(Message(refusal="I can't help with that."))
    response = client().responses.create(model="gpt-4o", input="Hi")
    [message] = response.output
    assert message.type == "message"
    assert [part.type for part in message.content] == ["refusal"]
    assert message.content[0].refusal == "I can't help with that."  # type: ignore[union-attr]
    assert response.output_text == ""
    validated(fake_openai.responses.calls.last.response)


def test_scripted_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_error(429, "Slow down", headers={"Retry-After": "0"})
    with pytest.raises(openai.RateLimitError) as caught:
        client().responses.create(model="gpt-4o", input="Hi")
    assert caught.value.body == {
        "message": "Slow down",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }


def test_scripted_failure_is_a_server_error_for_a_plain_request(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_failure("The model crashed.")
    with pytest.raises(openai.InternalServerError) as caught:
        client().responses.create(model="gpt-4o", input="Hi")
    assert caught.value.body == {
        "message": "The model crashed.",
        "type": "server_error",
        "param": None,
        "code": "server_error",
    }


@pytest.mark.parametrize(("finish", "reason"), [("length", "max_output_tokens"), ("content_filter", "content_filter")])
def test_scripted_incomplete_answers(fake_openai: FakeOpenAI, finish: str, reason: str) -> None:
    fake_openai.responses.respond_with_message("partial", finish_reason=finish)
    response = client().responses.create(model="gpt-4o", input="Hi")
    assert response.status == "incomplete"
    assert response.incomplete_details is not None and response.incomplete_details.reason == reason
    assert response.output[0].status == "incomplete"  # type: ignore[union-attr]
    assert response.output_text == "partial" and response.completed_at is None


@problems_expected
def test_impossible_scripted_answers_are_noted(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_tool_calls(("get_weather", {"city": "Paris"}), ("lookup", {}))
    client().responses.create(model="gpt-4o", input="Hi", tools=[WEATHER], parallel_tool_calls=False)  # type: ignore[list-item]
    notes = "\n".join(fake_openai.responses.calls.last.notes)
    assert "parallel_tool_calls=false" in notes
    assert "'lookup', but the request offers no such function" in notes
    assert "the arguments of 'get_weather' break the strict schema" in notes


# --- tools --------------------------------------------------------------------------------------


def test_tool_loop_with_the_whole_conversation(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_tool_call("get_weather", {"city": "Paris", "unit": "c"})
    fake_openai.responses.respond_with_message("It is sunny in Paris.")
    conversation: list[Any] = [{"role": "user", "content": "Weather in Paris?"}]

    first = client().responses.create(model="gpt-4o", input=conversation, tools=[WEATHER])  # type: ignore[list-item]
    [call] = first.output
    assert call.type == "function_call" and call.status == "completed"
    assert call.id.startswith("fc_") and call.call_id.startswith("call_")  # type: ignore[union-attr]
    assert json.loads(call.arguments) == {"city": "Paris", "unit": "c"}
    conversation += [*first.output, {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}]
    second = client().responses.create(model="gpt-4o", input=conversation, tools=[WEATHER])  # type: ignore[list-item]

    assert second.output_text == "It is sunny in Paris."
    [result] = fake_openai.responses.calls.last.request.function_call_outputs
    assert (result.tool_call_id, result.name, result.content) == (call.call_id, "get_weather", "sunny")
    assert fake_openai.responses.calls.last.request.tool_results == [result]


def test_tool_loop_with_previous_response_id_and_the_simulator(fake_openai: FakeOpenAI) -> None:
    first = client().responses.create(model="gpt-4o", input="Weather in Oslo?", tools=[WEATHER])  # type: ignore[list-item]
    [call] = first.output
    assert call.type == "function_call"
    jsonschema.validate(json.loads(call.arguments), WEATHER["parameters"])

    second = client().responses.create(
        model="gpt-4o",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"temp": 4}'}],
        tools=[WEATHER],  # type: ignore[list-item]
    )

    assert second.output[0].type == "message" and second.output_text
    assert second.previous_response_id == first.id
    request = fake_openai.responses.calls.last.request
    assert request.last_user_message == "Weather in Oslo?"  # found in the stored conversation
    assert request.function_call_outputs[0].name == "get_weather"
    assert request.function_call_outputs[0].json() == {"temp": 4}


@pytest.mark.parametrize(
    "tool_choice",
    [
        "required",
        {"type": "function", "name": "get_weather"},
        {"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "get_weather"}]},
    ],
)
def test_simulator_calls_a_forced_tool_with_valid_arguments(fake_openai: FakeOpenAI, tool_choice: Any) -> None:
    response = client().responses.create(
        model="gpt-4o",
        input=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}],
        tools=[SEARCH, WEATHER],  # type: ignore[list-item]
        tool_choice=tool_choice,
    )
    [call] = response.output
    assert call.type == "function_call" and call.name in ("search", "get_weather")
    if tool_choice != "required":
        assert call.name == "get_weather"
        jsonschema.validate(json.loads(call.arguments), WEATHER["parameters"])


def test_simulator_answers_in_text_with_tool_choice_none(fake_openai: FakeOpenAI) -> None:
    response = client().responses.create(model="gpt-4o", input="hi", tools=[WEATHER], tool_choice="none")  # type: ignore[list-item]
    assert [item.type for item in response.output] == ["message"] and response.output_text


def test_parallel_tool_calls(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_tool_calls(
        ("get_weather", {"city": "Paris", "unit": "c"}),
        ToolCall("get_weather", {"city": "Oslo", "unit": "c"}, id="call_oslo"),
    )
    response = client().responses.create(model="gpt-4o", input="Paris or Oslo?", tools=[WEATHER])  # type: ignore[list-item]
    calls = [item for item in response.output if item.type == "function_call"]
    assert [json.loads(c.arguments)["city"] for c in calls] == ["Paris", "Oslo"]
    assert calls[1].call_id == "call_oslo" and calls[0].id != calls[1].id
    validated(fake_openai.responses.calls.last.response)


# --- structured outputs ---------------------------------------------------------------------------


def test_parse_with_the_simulator(fake_openai: FakeOpenAI) -> None:
    response = client().responses.parse(model="gpt-4o", input="Who?", text_format=Person)
    assert isinstance(response.output_parsed, Person)
    sent = fake_openai.responses.calls.last.request.text_format
    assert sent is not None and sent["type"] == "json_schema" and sent["strict"] is True
    assert response.text is not None and response.text.format is not None
    assert response.text.format.type == "json_schema" and response.text.format.name == "Person"


async def test_async_parse_with_a_scripted_answer(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_json({"name": "Ada", "age": 36, "emails": ["ada@example.com"]})
    response = await openai.AsyncOpenAI().responses.parse(model="gpt-4o", input="Who?", text_format=Person)
    assert response.output_parsed == Person(name="Ada", age=36, emails=["ada@example.com"])


def test_parse_with_a_refusal(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_refusal("I can't help with that.")
    response = client().responses.parse(model="gpt-4o", input="Who?", text_format=Person)
    assert response.output_parsed is None
    assert response.output[0].content[0].type == "refusal"  # type: ignore[union-attr]


def test_parse_parses_strict_function_arguments(fake_openai: FakeOpenAI) -> None:
    class GetWeather(pydantic.BaseModel):
        city: str

    response = client().responses.parse(
        model="gpt-4o", input="Rome?", tools=[openai.pydantic_function_tool(GetWeather)], tool_choice="required"
    )
    [call] = response.output
    assert isinstance(call.parsed_arguments, GetWeather)  # type: ignore[union-attr]


def test_json_object_mode(fake_openai: FakeOpenAI) -> None:
    response = client().responses.create(
        model="gpt-4o", input="Answer in JSON", text={"format": {"type": "json_object"}}
    )
    assert isinstance(json.loads(response.output_text), dict)


# --- reasoning and max_output_tokens -------------------------------------------------------------------


def test_reasoning_model_adds_a_reasoning_item_with_its_summary(fake_openai: FakeOpenAI) -> None:
    response = client().responses.create(model="gpt-5", input="Think", reasoning={"effort": "high", "summary": "auto"})
    reasoning, message = response.output
    assert reasoning.type == "reasoning" and reasoning.id.startswith("rs_")
    assert reasoning.summary and reasoning.summary[0].type == "summary_text" and reasoning.summary[0].text
    assert message.type == "message"
    assert response.reasoning is not None and (response.reasoning.effort, response.reasoning.summary) == (
        "high",
        "auto",
    )
    assert response.usage is not None and response.usage.output_tokens_details.reasoning_tokens > 0
    assert response.usage.output_tokens > response.usage.output_tokens_details.reasoning_tokens
    validated(fake_openai.responses.calls.last.response)


def test_reasoning_without_summary_and_encrypted_content(fake_openai: FakeOpenAI) -> None:
    response = client().responses.create(model="o4-mini", input="Think", include=["reasoning.encrypted_content"])
    reasoning = response.output[0]
    assert reasoning.type == "reasoning" and reasoning.summary == []
    assert reasoning.encrypted_content
    assert response.reasoning is not None and response.reasoning.effort == "medium"


def test_max_output_tokens_makes_an_incomplete_response(fake_openai: FakeOpenAI) -> None:
    response = client().responses.create(model="gpt-4o", input="Tell me a long story", max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None and response.incomplete_details.reason == "max_output_tokens"
    assert response.output[0].status == "incomplete"  # type: ignore[union-attr]
    assert response.usage is not None and 0 < response.usage.output_tokens <= 16


def test_reasoning_can_use_up_max_output_tokens(fake_openai: FakeOpenAI) -> None:
    response = client().responses.create(model="gpt-5-mini", input="Tell me a story", max_output_tokens=32)
    assert response.status == "incomplete" and [item.type for item in response.output] == ["reasoning"]
    assert response.output_text == ""
    assert response.usage is not None and response.usage.output_tokens == 32


async def test_async_reasoning(fake_openai: FakeOpenAI) -> None:
    response = await openai.AsyncOpenAI().responses.create(model="o3", input="Hi", reasoning={"effort": "low"})
    assert [item.type for item in response.output] == ["reasoning", "message"]


# --- previous_response_id and store -------------------------------------------------------------------


def test_previous_response_id_carries_the_conversation(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_message("Nice to meet you, Ada.")
    first = client().responses.create(model="gpt-4o", input="My name is Ada.", instructions="Be warm.")
    second = client().responses.create(model="gpt-4o", previous_response_id=first.id, input="What is my name?")

    request = fake_openai.responses.calls.last.request
    assert [item["role"] for item in request.history] == ["user", "assistant"]
    assert request.history[1]["content"][0]["text"] == "Nice to meet you, Ada."
    assert request.instructions == "" and second.instructions is None  # instructions are not carried over
    items = client().responses.input_items.list(second.id, order="asc").data
    assert [(item.type, item.role) for item in items] == [  # type: ignore[union-attr]
        ("message", "user"),
        ("message", "assistant"),
        ("message", "user"),
    ]
    assert items[1].id == first.output[0].id
    assert second.usage is not None and first.usage is not None
    assert second.usage.input_tokens > first.usage.input_tokens - 3  # the history counts


def test_a_stored_response_can_be_retrieved_and_deleted(fake_openai: FakeOpenAI) -> None:
    created = client().responses.create(model="gpt-4o", input="Hi", metadata={"k": "v"})
    retrieved = client().responses.retrieve(created.id)
    assert retrieved == created

    assert client().responses.delete(created.id) is None
    assert fake_openai.responses.calls.last.response == {"id": created.id, "object": "response", "deleted": True}
    with pytest.raises(openai.NotFoundError) as caught:
        client().responses.retrieve(created.id)
    assert caught.value.body == {
        "message": f"Response with id '{created.id}' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError):
        client().responses.delete(created.id)


async def test_async_retrieve_delete_and_items(fake_openai: FakeOpenAI) -> None:
    async_client = openai.AsyncOpenAI()
    created = await async_client.responses.create(model="gpt-4o", input="Hi")
    assert (await async_client.responses.retrieve(created.id)).output_text == created.output_text
    items = [item async for item in async_client.responses.input_items.list(created.id)]
    assert [item.type for item in items] == ["message"]
    await async_client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        await async_client.responses.retrieve(created.id)


@problems_expected
def test_store_false_cannot_be_retrieved_nor_continued(fake_openai: FakeOpenAI) -> None:
    response = client().responses.create(model="gpt-4o", input="Hi", store=False)
    assert fake_openai.responses.calls.last.response["store"] is False
    with pytest.raises(openai.NotFoundError):
        client().responses.retrieve(response.id)
    with pytest.raises(openai.BadRequestError) as caught:
        client().responses.create(model="gpt-4o", input="Again", previous_response_id=response.id)
    assert caught.value.code == "previous_response_not_found"


@problems_expected
def test_unknown_previous_response_id(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client().responses.create(model="gpt-4o", input="Hi", previous_response_id="resp_missing")
    assert caught.value.status_code == 400
    assert caught.value.body == {
        "message": "Previous response with id 'resp_missing' not found.",
        "type": "invalid_request_error",
        "param": "previous_response_id",
        "code": "previous_response_not_found",
    }
    assert fake_openai.responses.calls.last.problems[0].param == "previous_response_id"


# --- bad input ----------------------------------------------------------------------------------


@problems_expected
def test_tool_output_for_an_unknown_call_id(fake_openai: FakeOpenAI) -> None:
    first = client().responses.create(model="gpt-4o", input="Weather?", tools=[WEATHER])  # type: ignore[list-item]
    with pytest.raises(openai.BadRequestError) as caught:
        client().responses.create(
            model="gpt-4o",
            previous_response_id=first.id,
            input=[{"type": "function_call_output", "call_id": "call_nope", "output": "sunny"}],
            tools=[WEATHER],  # type: ignore[list-item]
        )
    assert caught.value.body == {
        "message": "No tool call found for function call output with call_id call_nope.",
        "type": "invalid_request_error",
        "param": "input",
        "code": None,
    }


@problems_expected
def test_a_tool_call_left_without_output(fake_openai: FakeOpenAI) -> None:
    first = client().responses.create(model="gpt-4o", input="Weather?", tools=[WEATHER])  # type: ignore[list-item]
    call_id = first.output[0].call_id  # type: ignore[union-attr]
    with pytest.raises(openai.BadRequestError) as caught:
        client().responses.create(model="gpt-4o", previous_response_id=first.id, input="And tomorrow?", tools=[WEATHER])  # type: ignore[list-item]
    assert api_message(caught.value).endswith(f"No tool output found for function call {call_id}.")


@problems_expected
def test_invalid_strict_text_format_schema(fake_openai: FakeOpenAI) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    with pytest.raises(openai.BadRequestError) as caught:
        client().responses.create(
            model="gpt-4o",
            input="Hi",
            text={"format": {"type": "json_schema", "name": "person", "schema": schema, "strict": True}},
        )
    assert caught.value.body == {
        "message": "Invalid schema for response_format 'person': In context=(), 'additionalProperties' is "
        "required to be supplied and to be false.",
        "type": "invalid_request_error",
        "param": "text.format.schema",
        "code": "invalid_json_schema",
    }


@problems_expected
def test_invalid_strict_function_schema(fake_openai: FakeOpenAI) -> None:
    tool = {**WEATHER, "parameters": {**WEATHER["parameters"], "required": ["city"]}}  # type: ignore[dict-item]
    with pytest.raises(openai.BadRequestError) as caught:
        client().responses.create(model="gpt-4o", input="Hi", tools=[tool])  # type: ignore[list-item]
    assert caught.value.code == "invalid_function_parameters"
    assert caught.value.param == "tools[0].parameters"
    assert "Missing 'unit'" in caught.value.message


@problems_expected
@pytest.mark.parametrize(
    ("fields", "message", "param"),
    [
        (
            {"tools": [SEARCH], "tool_choice": {"type": "function", "name": "get_weather"}},
            "Tool choice 'function' not found in 'tools' parameter.",
            "tool_choice",
        ),
        (
            {"reasoning": {"effort": "high"}},
            "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
            "reasoning.effort",
        ),
        (
            {"text": {"format": {"type": "json_object"}}},
            "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.",
            "input",
        ),
        ({"max_output_tokens": 8}, "Invalid 'max_output_tokens': integer below minimum value.", "max_output_tokens"),
        ({"input": 42}, "Invalid type for 'input'", "input"),
    ],
)
def test_invalid_requests(fake_openai: FakeOpenAI, fields: dict[str, Any], message: str, param: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client().responses.create(**{"model": "gpt-4o", "input": "Hi", **fields})
    assert message in caught.value.message
    assert caught.value.param == param


@problems_expected
def test_missing_model(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client().responses.create(input="Hi")
    assert caught.value.code == "missing_required_parameter" and caught.value.param == "model"


@problems_expected
def test_unknown_item_reference(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client().responses.create(model="gpt-4o", input=[{"type": "item_reference", "id": "msg_nope"}])
    assert api_message(caught.value).endswith("Item with id 'msg_nope' not found.")


def test_item_reference_to_a_stored_item(fake_openai: FakeOpenAI) -> None:
    first = client().responses.create(model="gpt-4o", input="Remember this.")
    second = client().responses.create(
        model="gpt-4o",
        input=[{"type": "item_reference", "id": first.output[0].id}, {"role": "user", "content": "Go on."}],
    )
    items = client().responses.input_items.list(second.id, order="asc").data
    assert len(items) == 2 and items[0].id == first.output[0].id
    assert items[0].type == "message" and items[0].role == "assistant"


# --- background and cancel ----------------------------------------------------------------------------


def test_background_response_is_done_on_the_first_retrieve(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_message("Done in the background.")
    started = client().responses.create(model="gpt-4o", input="Long task", background=True)
    assert started.status == "queued" and started.background is True
    assert started.output == [] and started.usage is None and started.completed_at is None
    validated(fake_openai.responses.calls.last.response)

    finished = client().responses.retrieve(started.id)
    assert finished.status == "completed" and finished.output_text == "Done in the background."
    validated(fake_openai.responses.calls.last.response)


def test_background_response_held_for_some_polls(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.hold_background(polls=2)
    started = client().responses.create(model="gpt-4o", input="Long task", background=True)
    statuses = [client().responses.retrieve(started.id).status for _ in range(4)]
    assert statuses == ["in_progress", "in_progress", "completed", "completed"]


def test_background_response_completed_by_the_test(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.hold_background()
    started = client().responses.create(model="gpt-4o", input="Long task", background=True)
    assert [client().responses.retrieve(started.id).status for _ in range(3)] == ["in_progress"] * 3

    fake_openai.responses.complete_background(started.id)

    assert client().responses.retrieve(started.id).status == "completed"
    with pytest.raises(Exception, match="No background response"):
        fake_openai.responses.complete_background(started.id)


async def test_cancel_a_background_response(fake_openai: FakeOpenAI) -> None:
    async_client = openai.AsyncOpenAI()
    started = await async_client.responses.create(model="gpt-4o", input="Long task", background=True)
    cancelled = await async_client.responses.cancel(started.id)
    assert cancelled.status == "cancelled" and cancelled.output == []
    assert (await async_client.responses.cancel(started.id)).status == "cancelled"  # cancelling again changes nothing
    assert (await async_client.responses.retrieve(started.id)).status == "cancelled"


def test_cancelling_a_finished_background_response_leaves_it(fake_openai: FakeOpenAI) -> None:
    started = client().responses.create(model="gpt-4o", input="Task", background=True)
    done = client().responses.retrieve(started.id)
    assert client().responses.cancel(started.id) == done


@problems_expected
def test_only_background_responses_can_be_cancelled(fake_openai: FakeOpenAI) -> None:
    response = client().responses.create(model="gpt-4o", input="Hi")
    with pytest.raises(openai.BadRequestError) as caught:
        client().responses.cancel(response.id)
    assert caught.value.body == {
        "message": "Cannot cancel a synchronous response.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError):
        client().responses.cancel("resp_nope")


def test_background_failure(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_failure("Ran out of time.", code="server_error")
    started = client().responses.create(model="gpt-4o", input="Task", background=True)
    finished = client().responses.retrieve(started.id)
    assert finished.status == "failed"
    assert finished.error is not None and (finished.error.code, finished.error.message) == (
        "server_error",
        "Ran out of time.",
    )
    validated(fake_openai.responses.calls.last.response)


# --- input items -------------------------------------------------------------------------------


def five_items(fake: FakeOpenAI) -> str:
    conversation: Any = [{"role": "user", "content": f"message {n}"} for n in range(5)]
    return client().responses.create(model="gpt-4o", input=conversation).id


def test_input_items_pages(fake_openai: FakeOpenAI) -> None:
    response_id = five_items(fake_openai)
    newest = client().responses.input_items.list(response_id, limit=2)
    assert [item.content[0].text for item in newest.data] == ["message 4", "message 3"]  # type: ignore[union-attr]
    assert newest.has_more is True
    body = ResponseItemList.model_validate(fake_openai.responses.calls.last.response)
    assert (body.first_id, body.last_id) == (newest.data[0].id, newest.data[1].id)
    assert list(extras(body)) == []

    after = client().responses.input_items.list(response_id, limit=2, order="asc", after=newest.data[1].id)
    assert [item.content[0].text for item in after.data] == ["message 4"]  # type: ignore[union-attr]
    assert after.has_more is False
    every = [item.content[0].text for item in client().responses.input_items.list(response_id, limit=2, order="asc")]  # type: ignore[union-attr]
    assert every == [f"message {n}" for n in range(5)]


def test_input_items_before(fake_openai: FakeOpenAI) -> None:
    response_id = five_items(fake_openai)
    ids = [item.id for item in client().responses.input_items.list(response_id, order="asc")]
    page = httpx.get(
        f"{fake_openai.base_url}/responses/{response_id}/input_items",
        params={"order": "asc", "before": ids[3], "limit": 2},
        headers={"Authorization": "Bearer sk-test"},
    ).json()
    assert [item["id"] for item in page["data"]] == ids[1:3] and page["has_more"] is True


@problems_expected
def test_input_items_bad_query(fake_openai: FakeOpenAI) -> None:
    response_id = five_items(fake_openai)
    with pytest.raises(openai.BadRequestError) as caught:
        client().responses.input_items.list(response_id, limit=101)
    assert caught.value.code == "integer_above_max_value" and caught.value.param == "limit"
    with pytest.raises(openai.NotFoundError):
        client().responses.input_items.list("resp_nope")


def test_function_tool_without_strict_is_accepted(fake_openai: FakeOpenAI) -> None:
    tool = {"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}
    response = openai.OpenAI().responses.create(model="gpt-4o", input="hi", tools=[tool], tool_choice="required")  # type: ignore[list-item]
    assert response.output[0].type == "function_call"


@problems_expected
def test_a_refusal_on_stored_state_is_logged_as_an_error(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        openai.OpenAI().responses.create(model="gpt-4o", input="hi", previous_response_id="resp_unknown")
    call = fake_openai.responses.calls.last
    assert call.answered_by == "error"
    assert call.problems[0].param == "previous_response_id"
