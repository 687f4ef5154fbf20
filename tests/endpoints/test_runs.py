"""Assistants runs through the official SDK, sync and async: scripted turns, tools, streams, polling, lifecycle."""

from __future__ import annotations

import json
import re
from typing import Any

import openai
import pytest
from openai import AssistantEventHandler, AsyncAssistantEventHandler
from openai.types.beta.threads import Message, Run
from openai.types.beta.threads.runs import RunStep, ToolCall, ToolCallDelta
from typing_extensions import override

from fakeopenai import FakeOpenAI, Fault
from fakeopenai._errors import ConfigurationError

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")  # the SDK deprecates Assistants

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


def setup_thread(client: openai.OpenAI, question: str = "Weather in Paris?", **assistant: Any) -> tuple[str, str]:
    made = client.beta.assistants.create(model="gpt-4o", instructions="You are a weather bot.", **assistant)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": question}])
    return made.id, thread.id


def raw_run(client: openai.OpenAI, thread_id: str, run_id: str) -> dict[str, Any]:
    raw: dict[str, Any] = client.beta.threads.runs.with_raw_response.retrieve(
        run_id, thread_id=thread_id
    ).http_response.json()
    return raw


def test_a_scripted_message_completes_the_run(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client)
    fake_openai.respond_with_message("It is sunny in Paris.")

    created = client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    assert created.status == "queued" and created.id.startswith("run_") and created.expires_at is not None
    assert created.instructions == "You are a weather bot." and created.model == "gpt-4o"

    run = client.beta.threads.runs.retrieve(created.id, thread_id=thread_id)
    assert run.status == "completed" and run.completed_at is not None and run.expires_at is None
    assert run.usage is not None and run.usage.total_tokens == run.usage.prompt_tokens + run.usage.completion_tokens
    assert Run.model_validate(raw_run(client, thread_id, run.id)).model_extra == {}

    reply = client.beta.threads.messages.list(thread_id).data[0]
    assert (reply.role, reply.run_id, reply.assistant_id) == ("assistant", run.id, assistant_id)
    assert reply.content[0].type == "text" and reply.content[0].text.value == "It is sunny in Paris."
    [step] = client.beta.threads.runs.steps.list(run.id, thread_id=thread_id).data
    assert step.type == "message_creation" and step.status == "completed"
    assert step.step_details.type == "message_creation" and step.step_details.message_creation.message_id == reply.id
    assert step.usage is not None and step.usage.total_tokens == run.usage.total_tokens
    raw_step = client.beta.threads.runs.steps.with_raw_response.retrieve(
        step.id, thread_id=thread_id, run_id=run.id
    ).http_response.json()
    assert RunStep.model_validate(raw_step).model_extra == {}

    [turn] = fake_openai.runs.turns
    assert turn.system_prompt == "You are a weather bot." and turn.last_user_message == "Weather in Paris?"
    assert (turn.thread_id, turn.run_id, turn.assistant_id) == (thread_id, run.id, assistant_id)
    assert fake_openai.runs.calls.last.answered_by == "script"


def test_tool_call_requires_action_then_outputs_complete_it(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client, tools=[WEATHER])
    fake_openai.runs.respond_with_tool_call("get_weather", {"city": "Paris"}, id="call_paris")
    fake_openai.runs.respond_with_message("18°C in Paris.")

    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    assert run.status == "requires_action" and run.usage is None
    assert run.required_action is not None and run.required_action.type == "submit_tool_outputs"
    [call] = run.required_action.submit_tool_outputs.tool_calls
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == (
        "call_paris",
        "get_weather",
        {"city": "Paris"},
    )
    [pending] = fake_openai.runs.steps(run.id)
    assert pending["type"] == "tool_calls" and pending["status"] == "in_progress"

    done = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread_id, tool_outputs=[{"tool_call_id": "call_paris", "output": "18C"}]
    )
    assert done.status == "completed" and done.required_action is None
    tools_step, message_step = client.beta.threads.runs.steps.list(run.id, thread_id=thread_id, order="asc").data
    assert tools_step.status == "completed" and tools_step.step_details.type == "tool_calls"
    function_call = tools_step.step_details.tool_calls[0]
    assert function_call.type == "function" and function_call.function.output == "18C"
    assert message_step.step_details.type == "message_creation"
    second = fake_openai.runs.turns[-1]
    assert [(r.name, r.content) for r in second.tool_results] == [("get_weather", "18C")]
    assert second.tool_names == ["get_weather"]


def test_tool_outputs_must_answer_every_call(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client, tools=[WEATHER])
    fake_openai.runs.respond_with_tool_calls(("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Oslo"}))
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    assert run.required_action is not None
    first, second = (c.id for c in run.required_action.submit_tool_outputs.tool_calls)

    with pytest.raises(openai.BadRequestError) as caught:
        client.beta.threads.runs.submit_tool_outputs(
            run.id, thread_id=thread_id, tool_outputs=[{"tool_call_id": first, "output": "x"}]
        )
    assert (
        caught.value.body["message"] == f"Expected tool outputs for call_ids ['{first}', '{second}'], got ['{first}']"
    )
    with pytest.raises(openai.BadRequestError, match="got \\['call_unknown', "):
        client.beta.threads.runs.submit_tool_outputs(
            run.id,
            thread_id=thread_id,
            tool_outputs=[{"tool_call_id": "call_unknown", "output": "x"}, {"tool_call_id": second, "output": "y"}],
        )
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread_id).status == "requires_action"

    outputs = [{"tool_call_id": first, "output": "a"}, {"tool_call_id": second, "output": "b"}]
    queued = client.beta.threads.runs.submit_tool_outputs(run.id, thread_id=thread_id, tool_outputs=outputs)
    assert queued.status == "queued"
    with pytest.raises(openai.BadRequestError) as late:
        client.beta.threads.runs.submit_tool_outputs(run.id, thread_id=thread_id, tool_outputs=outputs)
    assert late.value.body["message"] == 'Runs in status "completed" do not accept tool outputs.'


class Recorder(AssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.text: list[str] = []
        self.tool_calls: list[ToolCall] = []

    @override
    def on_event(self, event: Any) -> None:
        self.events.append(event.event)

    @override
    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.text.append(delta.value)

    @override
    def on_tool_call_done(self, tool_call: ToolCall) -> None:
        self.tool_calls.append(tool_call)


TOOL_EVENTS = [
    "thread.run.created",
    "thread.run.queued",
    "thread.run.in_progress",
    "thread.run.step.created",
    "thread.run.step.in_progress",
    "thread.run.step.delta",
]
AFTER_OUTPUTS = [
    "thread.run.step.completed",
    "thread.run.queued",
    "thread.run.in_progress",
    "thread.run.step.created",
    "thread.run.step.in_progress",
    "thread.message.created",
    "thread.message.in_progress",
    "thread.message.delta",
    "thread.message.delta",
    "thread.message.completed",
    "thread.run.step.completed",
    "thread.run.completed",
]


def test_streamed_run_with_a_tool_call(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client, tools=[WEATHER])
    fake_openai.runs.respond_with_tool_call("get_weather", {"city": "Paris"})
    fake_openai.runs.respond_with_message("Sunny, 18C.", chunks=["Sunny,", " 18C."])

    first = Recorder()
    with client.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id, event_handler=first) as stream:
        stream.until_done()
    run = first.current_run
    assert run is not None and run.status == "requires_action" and run.required_action is not None
    assert first.events[: len(TOOL_EVENTS)] == TOOL_EVENTS
    assert first.events[-1] == "thread.run.requires_action"
    assert set(first.events[len(TOOL_EVENTS) : -1]) == {"thread.run.step.delta"}
    [call] = first.tool_calls
    assert call.type == "function" and json.loads(call.function.arguments) == {"city": "Paris"}
    assert fake_openai.runs.calls.last.response[-1] == "[DONE]"

    second = Recorder()
    outputs = [{"tool_call_id": call.id, "output": "18C"}]
    with client.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=thread_id, run_id=run.id, tool_outputs=outputs, event_handler=second
    ) as stream:
        stream.until_done()
        [message] = stream.get_final_messages()
    assert second.events == AFTER_OUTPUTS
    assert second.text == ["Sunny,", " 18C."]
    assert message.content[0].type == "text" and message.content[0].text.value == "Sunny, 18C."
    assert second.current_run is not None and second.current_run.status == "completed"
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread_id).status == "completed"


def test_stream_events_carry_the_real_shapes(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client)
    fake_openai.runs.respond_with_message("Hi there")
    events = list(client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id, stream=True))
    deltas = [e.data for e in events if e.event == "thread.message.delta"]
    assert deltas[0].delta.content is not None and deltas[0].delta.content[0].type == "text"
    assert "".join(d.delta.content[0].text.value for d in deltas) == "Hi there"  # type: ignore[union-attr, index, misc]
    completed = next(e.data for e in events if e.event == "thread.message.completed")
    assert isinstance(completed, Message) and completed.status == "completed"
    data = fake_openai.runs.calls.last.response
    assert all(
        Run.model_validate(d).model_extra == {} for d in data if isinstance(d, dict) and d["object"] == "thread.run"
    )


def test_create_and_run_and_its_stream(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant = client.beta.assistants.create(model="gpt-4o-mini")
    fake_openai.runs.respond_with_message("One.")
    fake_openai.runs.respond_with_message("Two.")

    run = client.beta.threads.create_and_run_poll(
        assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "Count"}]}
    )
    assert run.status == "completed" and run.model == "gpt-4o-mini"
    assert fake_openai.threads.texts(run.thread_id) == [("user", "Count"), ("assistant", "One.")]

    recorder = Recorder()
    with client.beta.threads.create_and_run_stream(
        assistant_id=assistant.id,
        thread={"messages": [{"role": "user", "content": "Again"}]},
        event_handler=recorder,
    ) as stream:
        stream.until_done()
    assert recorder.events[:2] == ["thread.created", "thread.run.created"]
    assert recorder.events[-1] == "thread.run.completed" and "".join(recorder.text) == "Two."


def test_run_overrides_reach_the_model(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client, tools=[WEATHER])
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    run = client.beta.threads.runs.create_and_poll(
        thread_id=thread_id,
        assistant_id=assistant_id,
        instructions="Reply in JSON.",
        additional_instructions="Be terse.",
        additional_messages=[{"role": "user", "content": "And in Oslo?"}],
        tools=[],
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
        metadata={"trace": "t1"},
    )
    assert run.instructions == "Reply in JSON.\n\nBe terse." and run.tools == [] and run.metadata == {"trace": "t1"}
    turn = fake_openai.runs.turns[-1]
    assert turn.system_prompt == "Reply in JSON.\n\nBe terse." and turn.last_user_message == "And in Oslo?"
    assert turn.tools == [] and turn.response_format is not None
    answer = json.loads(client.beta.threads.messages.list(thread_id).data[0].content[0].text.value)  # type: ignore[union-attr]
    assert isinstance(answer["answer"], str)  # the simulator follows the schema


def test_simulator_calls_a_forced_tool(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client, tools=[WEATHER])
    run = client.beta.threads.runs.create_and_poll(
        thread_id=thread_id,
        assistant_id=assistant_id,
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    assert run.status == "requires_action" and run.required_action is not None
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    assert isinstance(json.loads(call.function.arguments)["city"], str)
    assert fake_openai.runs.calls.last.answered_by == "simulator"
    none = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread_id, tool_outputs=[{"tool_call_id": call.id, "output": "rain"}]
    )
    assert none.status == "completed"  # the forced choice held for the first turn; then the model answers


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        (Fault(429), "rate_limit_exceeded", "Rate limit reached for requests. Please try again in 1s."),
        (Fault(500), "server_error", "Sorry, something went wrong."),
        (Fault(400, "Prompt rejected.", code="invalid_prompt"), "invalid_prompt", "Prompt rejected."),
    ],
)
def test_a_scripted_fault_fails_the_run(fake_openai: FakeOpenAI, fault: Fault, code: str, message: str) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client)
    fake_openai.runs.respond_with(fault)
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    assert run.status == "failed" and run.failed_at is not None
    assert run.last_error is not None and (run.last_error.code, run.last_error.message) == (code, message)
    assert [m.role for m in client.beta.threads.messages.list(thread_id)] == ["user"]


def test_streamed_failure(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client)
    fake_openai.runs.respond_with_error(500)
    events = [
        e.event for e in client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id, stream=True)
    ]
    assert events == ["thread.run.created", "thread.run.queued", "thread.run.in_progress", "thread.run.failed"]


def test_length_and_refusal(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client)
    fake_openai.runs.respond_with_message("It is sunny and", finish_reason="length")
    run = client.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id, max_completion_tokens=256
    )
    assert run.status == "incomplete" and run.incomplete_details is not None
    assert run.incomplete_details.reason == "max_completion_tokens"
    message = client.beta.threads.messages.list(thread_id).data[0]
    assert message.status == "incomplete" and message.incomplete_details is not None
    assert message.incomplete_details.reason == "max_tokens"

    fake_openai.runs.respond_with_refusal("I can't help with that.")
    client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    refusal = client.beta.threads.messages.list(thread_id).data[0].content[0]
    assert refusal.type == "refusal" and refusal.refusal == "I can't help with that."


def test_hold_and_advance(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client)
    fake_openai.runs.hold()
    run = client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread_id).status == "queued"
    with pytest.raises(openai.BadRequestError) as busy:
        client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    assert busy.value.body["message"] == f"Thread {thread_id} already has an active run {run.id}."

    assert fake_openai.runs.advance()["status"] == "in_progress"
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread_id).started_at is not None
    assert fake_openai.runs.advance(run.id)["status"] == "completed"
    with pytest.raises(ConfigurationError, match="cannot move by itself"):
        fake_openai.runs.advance(run.id)
    assert fake_openai.runs.holding


def test_hold_for_some_polls_lets_polling_helpers_watch_progress(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client)
    fake_openai.runs.hold(polls=2)
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    assert run.status == "completed"
    retrieves = [c for c in fake_openai.calls if c.operation == "beta.threads.runs.retrieve"]
    assert [c.response["status"] for c in retrieves] == ["queued", "in_progress", "in_progress", "completed"]


def test_cancel(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client, tools=[WEATHER])
    fake_openai.runs.respond_with_tool_call("get_weather", {"city": "Paris"})
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    cancelling = client.beta.threads.runs.cancel(run.id, thread_id=thread_id)
    assert cancelling.status == "cancelling" and cancelling.required_action is None
    cancelled = client.beta.threads.runs.retrieve(run.id, thread_id=thread_id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert [s["status"] for s in fake_openai.runs.steps(run.id)] == ["cancelled"]
    with pytest.raises(openai.BadRequestError, match=re.escape("Cannot cancel run with status 'cancelled'.")):
        client.beta.threads.runs.cancel(run.id, thread_id=thread_id)

    fake_openai.runs.hold()
    held = client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    client.beta.threads.runs.cancel(held.id, thread_id=thread_id)
    assert client.beta.threads.runs.retrieve(held.id, thread_id=thread_id).status == "cancelling"
    assert fake_openai.runs.advance(held.id)["status"] == "cancelled"


def test_expiry(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client, tools=[WEATHER])
    fake_openai.runs.respond_with_tool_call("get_weather", {"city": "Paris"})
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    assert fake_openai.runs.expire()["status"] == "expired"
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread_id).status == "expired"
    [step] = client.beta.threads.runs.steps.list(run.id, thread_id=thread_id).data
    assert step.status == "expired" and step.expired_at is not None
    assert run.required_action is not None
    outputs = [{"tool_call_id": run.required_action.submit_tool_outputs.tool_calls[0].id, "output": "x"}]
    with pytest.raises(openai.BadRequestError, match=re.escape('Runs in status "expired" do not accept tool outputs.')):
        client.beta.threads.runs.submit_tool_outputs(run.id, thread_id=thread_id, tool_outputs=outputs)


def test_runs_expire_when_their_time_passes() -> None:
    now = [1_700_000_000.0]
    with FakeOpenAI(clock=lambda: now[0]) as fake:
        client = fake.client()
        assistant_id, thread_id = setup_thread(client, tools=[WEATHER])
        run = client.beta.threads.runs.create_and_poll(
            thread_id=thread_id, assistant_id=assistant_id, tool_choice="required"
        )
        assert run.status == "requires_action" and run.expires_at == 1_700_000_600
        now[0] += 599
        assert client.beta.threads.runs.retrieve(run.id, thread_id=thread_id).status == "requires_action"
        now[0] += 1
        assert client.beta.threads.runs.retrieve(run.id, thread_id=thread_id).status == "expired"


def test_fail_verb_and_update_and_list(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client)
    fake_openai.runs.hold()
    run = client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id, metadata={"a": "1"})
    failed = fake_openai.runs.fail(code="rate_limit_exceeded", message="Slow down.")
    assert failed["status"] == "failed" and failed["last_error"] == {
        "code": "rate_limit_exceeded",
        "message": "Slow down.",
    }
    updated = client.beta.threads.runs.update(run.id, thread_id=thread_id, metadata={"a": "2"})
    assert updated.metadata == {"a": "2"} and updated.status == "failed"
    fake_openai.runs.release()
    second = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    assert [r.id for r in client.beta.threads.runs.list(thread_id, limit=1)] == [second.id, run.id]
    assert [r["id"] for r in fake_openai.runs.all(thread_id)] == [run.id, second.id]
    with pytest.raises(ConfigurationError, match="already ended"):
        fake_openai.runs.expire(run.id)


def test_unknown_ids(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client)
    with pytest.raises(openai.NotFoundError, match=re.escape("No assistant found with id 'asst_nope'.")):
        client.beta.threads.runs.create(thread_id=thread_id, assistant_id="asst_nope")
    with pytest.raises(openai.NotFoundError, match=re.escape("No thread found with id 'thread_nope'.")):
        client.beta.threads.runs.create(thread_id="thread_nope", assistant_id=assistant_id)
    with pytest.raises(openai.NotFoundError, match=re.escape("No run found with id 'run_nope'.")):
        client.beta.threads.runs.retrieve("run_nope", thread_id=thread_id)
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    with pytest.raises(openai.NotFoundError, match=re.escape("No step found with id 'step_nope'.")):
        client.beta.threads.runs.steps.retrieve("step_nope", thread_id=thread_id, run_id=run.id)
    other = client.beta.threads.create()
    with pytest.raises(openai.NotFoundError, match=f"No run found with id '{run.id}'."):
        client.beta.threads.runs.retrieve(run.id, thread_id=other.id)


def test_scripts_for_runs_and_for_chat_stay_apart(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client, question="hello there")
    fake_openai.chat.respond_with_message("for chat only")
    fake_openai.runs.respond_with_message("for runs only", user_message="hello")
    client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    chat = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hello"}])
    assert chat.choices[0].message.content == "for chat only"
    assert fake_openai.threads.texts(thread_id)[-1] == ("assistant", "for runs only")


@pytest.mark.fakeopenai(teardown_check=False)
def test_impossible_scripted_answers_are_reported(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant_id, thread_id = setup_thread(client, tools=[WEATHER])
    fake_openai.runs.respond_with_tool_call("send_email", {"to": "x"})
    client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    report = fake_openai.report()
    assert report is not None and "it calls 'send_email', but the request offers no such tool" in report


class AsyncRecorder(AsyncAssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.tool_deltas: list[ToolCallDelta] = []

    @override
    async def on_event(self, event: Any) -> None:
        self.events.append(event.event)

    @override
    async def on_tool_call_delta(self, delta: ToolCallDelta, snapshot: ToolCall) -> None:
        self.tool_deltas.append(delta)


async def test_async_streamed_tool_loop_and_polling(fake_openai: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI()
    assistant = await client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])  # type: ignore[list-item]
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": "Weather?"}])
    fake_openai.runs.respond_with_tool_call("get_weather", {"city": "Rome"})
    fake_openai.runs.respond_with_message("Warm.")

    recorder = AsyncRecorder()
    async with client.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant.id, event_handler=recorder
    ) as stream:
        await stream.until_done()
    run = recorder.current_run
    assert run is not None and run.status == "requires_action" and run.required_action is not None
    assert recorder.events[-1] == "thread.run.requires_action"
    assert "".join(d.function.arguments or "" for d in recorder.tool_deltas if d.type == "function" and d.function) == (
        '{"city": "Rome"}'
    )
    call_id = run.required_action.submit_tool_outputs.tool_calls[0].id
    done = await client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call_id, "output": "25C"}]
    )
    assert done.status == "completed"
    again = await client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert again.status in ("completed", "requires_action")
    ids = [r.id async for r in client.beta.threads.runs.list(thread.id, limit=1)]
    assert ids == [again.id, run.id]
    steps = [s.type async for s in client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc")]
    assert steps == ["tool_calls", "message_creation"]
