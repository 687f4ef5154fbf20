import json
import time
from collections.abc import Iterator

import openai
import pydantic
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:basic]
def summarize(text: str) -> str:
    response = openai.OpenAI().responses.create(
        model="gpt-4o",
        instructions="Summarize in one sentence.",
        input=text,
    )
    return response.output_text


def test_summarize(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_message("A cat sat on a mat.")

    assert summarize("The cat, after much thought, sat down on the mat.") == "A cat sat on a mat."
    request = fake_openai.responses.calls.last.request
    assert request.instructions == "Summarize in one sentence."
    assert request.last_user_message.startswith("The cat")


# --8<-- [end:basic]


# --8<-- [start:agent]
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


def get_weather(city: str) -> str:
    return f"18°C and sunny in {city}"  # in real life: a call to a weather service


def weather_agent(question: str) -> str:
    """Answer a question, running `get_weather` whenever the model calls it."""
    client = openai.OpenAI()
    response = client.responses.create(model="gpt-4o", input=question, tools=[WEATHER_TOOL])
    while calls := [item for item in response.output if item.type == "function_call"]:
        outputs = [
            {
                "type": "function_call_output",
                "call_id": call.call_id,
                "output": get_weather(**json.loads(call.arguments)),
            }
            for call in calls
        ]
        response = client.responses.create(
            model="gpt-4o", previous_response_id=response.id, input=outputs, tools=[WEATHER_TOOL]
        )
    return response.output_text


# --8<-- [end:agent]


# --8<-- [start:tool-loop]
def test_agent_answers_from_the_tool_output(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_tool_call("get_weather", {"city": "Paris"})
    fake_openai.responses.respond_with_message("It is 18°C and sunny in Paris.")

    assert weather_agent("What's the weather in Paris?") == "It is 18°C and sunny in Paris."

    first, second = fake_openai.responses.calls
    assert first.request.tool_names == ["get_weather"]
    [output] = second.request.function_call_outputs
    assert output.name == "get_weather"  # found in the stored response that made the call
    assert output.content == "18°C and sunny in Paris"
    assert second.request.last_user_message == "What's the weather in Paris?"  # carried over


# --8<-- [end:tool-loop]


# --8<-- [start:simulator]
def test_agent_against_the_simulator(fake_openai: FakeOpenAI) -> None:
    # Nothing scripted: the simulator calls the tool with arguments that fit its
    # schema, then answers in text once the tool output comes back.
    assert weather_agent("What's the weather in Paris?")

    first, second = fake_openai.responses.calls
    assert first.response["output"][0]["type"] == "function_call"
    assert second.response["output"][0]["type"] == "message"


# --8<-- [end:simulator]


# --8<-- [start:chain]
def test_a_conversation_continued_with_previous_response_id(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_message("Nice to meet you, Ada.")
    fake_openai.responses.respond_with_message("Your name is Ada.")
    client = openai.OpenAI()

    first = client.responses.create(model="gpt-4o", input="Hi, I'm Ada.")
    second = client.responses.create(model="gpt-4o", previous_response_id=first.id, input="What's my name?")

    assert second.output_text == "Your name is Ada."
    request = fake_openai.responses.calls.last.request
    assert [item["role"] for item in request.history] == ["user", "assistant"]  # what the chain carried over
    assert [item["role"] for item in request.conversation] == ["user", "assistant", "user"]
    items = client.responses.input_items.list(second.id, order="asc")
    assert [item.content[0].text for item in items] == ["Hi, I'm Ada.", "Nice to meet you, Ada.", "What's my name?"]


# --8<-- [end:chain]


# --8<-- [start:chain-errors]
@pytest.mark.fakeopenai(teardown_check=False)  # the invalid request is what this test is about
def test_a_response_not_stored_cannot_be_continued(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    first = client.responses.create(model="gpt-4o", input="Hi", store=False)

    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-4o", previous_response_id=first.id, input="Again")

    assert caught.value.code == "previous_response_not_found"
    assert fake_openai.responses.calls.last.problems  # the fake's report names it too


# --8<-- [end:chain-errors]


# --8<-- [start:structured]
class Invoice(pydantic.BaseModel):
    vendor: str
    total: float


def read_invoice(text: str) -> Invoice | None:
    response = openai.OpenAI().responses.parse(model="gpt-4o", input=text, text_format=Invoice)
    return response.output_parsed


def test_structured_output(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_json({"vendor": "ACME", "total": 42.5})

    assert read_invoice("ACME Corp. Total due: $42.50") == Invoice(vendor="ACME", total=42.5)
    text_format = fake_openai.responses.calls.last.request.text_format
    assert text_format is not None and text_format["name"] == "Invoice" and text_format["strict"] is True


def test_simulated_structured_output_fits_the_schema(fake_openai: FakeOpenAI) -> None:
    assert isinstance(read_invoice("ACME Corp. Total due: $42.50"), Invoice)  # nothing scripted


# --8<-- [end:structured]


# --8<-- [start:streaming]
def stream_answer(question: str) -> Iterator[str]:
    stream = openai.OpenAI().responses.create(model="gpt-4o", input=question, stream=True)
    for event in stream:
        if event.type == "response.output_text.delta":
            yield event.delta


def test_stream(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_message("Hello there!", chunks=["Hel", "lo ", "there!"])

    assert list(stream_answer("Hi")) == ["Hel", "lo ", "there!"]

    events = fake_openai.responses.calls.last.response  # the data of every event, parsed
    assert [event["type"] for event in events[:4]] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert events[-1]["type"] == "response.completed"
    assert [event["sequence_number"] for event in events] == list(range(len(events)))


# --8<-- [end:streaming]


# --8<-- [start:stream-helper]
def test_stream_helper_with_structured_output(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_json({"vendor": "ACME", "total": 42.5})

    with openai.OpenAI().responses.stream(model="gpt-4o", input="Read it", text_format=Invoice) as stream:
        for _event in stream:
            pass  # a UI would show the deltas
        final = stream.get_final_response()

    assert final.output_parsed == Invoice(vendor="ACME", total=42.5)


# --8<-- [end:stream-helper]


# --8<-- [start:background]
def run_in_background(task: str) -> str:
    client = openai.OpenAI()
    response = client.responses.create(model="gpt-4o", input=task, background=True)
    while response.status in ("queued", "in_progress"):
        time.sleep(0.01)
        response = client.responses.retrieve(response.id)
    return response.output_text


def test_background_response_is_polled(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_message("Report ready.")
    fake_openai.responses.hold_background(polls=2)  # two retrieves see it in progress, the third sees it done

    assert run_in_background("Write the report") == "Report ready."

    statuses = [call.response["status"] for call in fake_openai.responses.calls]
    assert statuses == ["queued", "in_progress", "in_progress", "completed"]


# --8<-- [end:background]


# --8<-- [start:failure]
def test_a_background_response_that_fails(fake_openai: FakeOpenAI) -> None:
    fake_openai.responses.respond_with_failure("The model ran out of time.")
    client = openai.OpenAI()

    started = client.responses.create(model="gpt-4o", input="Write the report", background=True)
    finished = client.responses.retrieve(started.id)

    assert finished.status == "failed"
    assert finished.error is not None and finished.error.message == "The model ran out of time."


# --8<-- [end:failure]
