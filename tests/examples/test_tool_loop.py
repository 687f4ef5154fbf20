import json

import openai

from fakeopenai import FakeOpenAI, ToolCall

# --8<-- [start:agent]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


def get_weather(city: str) -> str:
    return f"18°C and sunny in {city}"  # in real life: a call to a weather service


def weather_agent(question: str) -> str:
    """Answer a question, calling `get_weather` as often as the model asks."""
    client = openai.OpenAI()
    messages: list = [{"role": "user", "content": question}]
    while True:
        reply = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER_TOOL])
        message = reply.choices[0].message
        if not message.tool_calls:
            return message.content or ""
        messages.append(message)  # the assistant turn that asked for the tools
        for call in message.tool_calls:
            arguments = json.loads(call.function.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": get_weather(**arguments)})


# --8<-- [end:agent]


# --8<-- [start:test]
def test_agent_answers_from_the_tool_result(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_tool_call("get_weather", {"city": "Paris"})
    fake_openai.chat.respond_with_message("It is 18°C and sunny in Paris.")

    answer = weather_agent("What's the weather in Paris?")

    assert answer == "It is 18°C and sunny in Paris."
    first, second = fake_openai.chat.calls
    assert first.request.tool_names == ["get_weather"]
    [result] = second.request.tool_results
    assert result.name == "get_weather"
    assert result.content == "18°C and sunny in Paris"


# --8<-- [end:test]


# --8<-- [start:parallel]
def test_parallel_tool_calls(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_tool_calls(
        ("get_weather", {"city": "Paris"}),
        ToolCall("get_weather", {"city": "Oslo"}, id="call_oslo"),  # a fixed id, to assert on
    )
    fake_openai.chat.respond_with_message("Sunny in both.")

    assert weather_agent("Paris or Oslo, where is it warmer?") == "Sunny in both."

    results = fake_openai.chat.calls.last.request.tool_results
    assert [result.content for result in results] == ["18°C and sunny in Paris", "18°C and sunny in Oslo"]
    assert results[1].tool_call_id == "call_oslo"


# --8<-- [end:parallel]


# --8<-- [start:simulator]
def test_agent_against_the_simulator(fake_openai: FakeOpenAI) -> None:
    # Nothing scripted: the simulator calls the offered tool with arguments that fit
    # its schema, then answers in text once the tool result comes back.
    answer = weather_agent("What's the weather in Paris?")

    assert answer
    first, second = fake_openai.chat.calls
    assert first.response["choices"][0]["finish_reason"] == "tool_calls"
    assert second.request.tool_results[0].name == "get_weather"


# --8<-- [end:simulator]
