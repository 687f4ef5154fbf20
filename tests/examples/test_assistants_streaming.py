import json

import openai
import pytest
from openai import AssistantEventHandler
from typing_extensions import override

from fakeopenai import FakeOpenAI

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")  # the SDK deprecates Assistants


# --8<-- [start:code]
class Printer(AssistantEventHandler):
    """Collects the streamed text, as a chat UI would print it."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""

    @override
    def on_text_delta(self, delta, snapshot) -> None:
        self.text += delta.value


def stream_answer(assistant_id: str, thread_id: str) -> str:
    """Stream a run; when it asks for the weather, answer and stream the rest."""
    client = openai.OpenAI()
    handler = Printer()
    with client.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id, event_handler=handler) as s:
        s.until_done()
    run = handler.current_run
    while run.status == "requires_action":
        outputs = [
            {"tool_call_id": call.id, "output": f"18°C in {json.loads(call.function.arguments)['city']}"}
            for call in run.required_action.submit_tool_outputs.tool_calls
        ]
        handler = Printer()
        with client.beta.threads.runs.submit_tool_outputs_stream(
            thread_id=thread_id, run_id=run.id, tool_outputs=outputs, event_handler=handler
        ) as s:
            s.until_done()
        run = handler.current_run
    return handler.text


# --8<-- [end:code]


# --8<-- [start:test]
def test_streamed_run_with_a_tool_call(fake_openai: FakeOpenAI) -> None:
    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    assistant = fake_openai.assistants.add(model="gpt-4o", tools=[weather])
    thread = fake_openai.threads.add([{"role": "user", "content": "Weather in Paris?"}])
    fake_openai.runs.respond_with_tool_call("get_weather", {"city": "Paris"})
    fake_openai.runs.respond_with_message("It is 18°C in Paris.", chunks=["It is ", "18°C", " in Paris."])

    assert stream_answer(assistant["id"], thread["id"]) == "It is 18°C in Paris."

    first, second = fake_openai.runs.calls  # the run, then the tool outputs
    assert [event["status"] for event in first.response if event != "[DONE]" and event["object"] == "thread.run"] == [
        "queued",
        "queued",
        "in_progress",
        "requires_action",
    ]
    assert second.request["tool_outputs"][0]["output"] == "18°C in Paris"
    [run] = fake_openai.runs.all()
    assert run["status"] == "completed"


# --8<-- [end:test]
