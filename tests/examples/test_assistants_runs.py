import json

import openai
import pytest

from fakeopenai import FakeOpenAI

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")  # the SDK deprecates Assistants

# --8<-- [start:code]
ASSISTANT_ID = "asst_support"  # made once, in the dashboard


def lookup_order(order_id: str) -> dict:
    return {"order_id": order_id, "status": "shipped"}  # in real life: a database query


def ask_support(question: str, thread_id: str | None = None) -> tuple[str, str]:
    """Ask the support assistant; run its tools until it answers. Returns (answer, thread id)."""
    client = openai.OpenAI()
    if thread_id is None:
        thread_id = client.beta.threads.create().id
    client.beta.threads.messages.create(thread_id, role="user", content=question)
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=ASSISTANT_ID)
    while run.status == "requires_action":
        outputs = []
        for call in run.required_action.submit_tool_outputs.tool_calls:
            result = lookup_order(**json.loads(call.function.arguments))
            outputs.append({"tool_call_id": call.id, "output": json.dumps(result)})
        run = client.beta.threads.runs.submit_tool_outputs_and_poll(
            thread_id=thread_id, run_id=run.id, tool_outputs=outputs
        )
    if run.status != "completed":
        raise RuntimeError(f"The run ended {run.status}: {run.last_error}")
    reply = client.beta.threads.messages.list(thread_id, run_id=run.id).data[0]
    return reply.content[0].text.value, thread_id


# --8<-- [end:code]


LOOKUP = {
    "type": "function",
    "function": {
        "name": "lookup_order",
        "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
    },
}


# --8<-- [start:test]
def test_support_answers_from_the_order(fake_openai: FakeOpenAI) -> None:
    # The assistant the code expects exists, as it does in production.
    fake_openai.assistants.add(id=ASSISTANT_ID, model="gpt-4o", tools=[LOOKUP])
    # The run's model turns: first a tool call, then the answer.
    fake_openai.runs.respond_with_tool_call("lookup_order", {"order_id": "A42"})
    fake_openai.runs.respond_with_message("Order A42 has shipped.")

    answer, thread_id = ask_support("Where is my order A42?")

    assert answer == "Order A42 has shipped."
    # What the code stored, as the real API would hold it:
    assert fake_openai.threads.texts(thread_id) == [
        ("user", "Where is my order A42?"),
        ("assistant", "Order A42 has shipped."),
    ]
    # What the model saw on its second turn: the tool's output.
    [result] = fake_openai.runs.turns[-1].tool_results
    assert result.name == "lookup_order" and result.json()["status"] == "shipped"


# --8<-- [end:test]


# --8<-- [start:seed-thread]
def test_a_conversation_goes_on(fake_openai: FakeOpenAI) -> None:
    fake_openai.assistants.add(id=ASSISTANT_ID, model="gpt-4o", tools=[LOOKUP])
    fake_openai.threads.add([{"role": "user", "content": "Hi, I'm Ana."}], id="thread_ana")
    fake_openai.runs.respond_with_message("Hello again, Ana!", user_message="Remember me?")

    answer, _ = ask_support("Remember me?", thread_id="thread_ana")

    assert answer == "Hello again, Ana!"
    assert [m["role"] for m in fake_openai.threads.messages("thread_ana")] == ["user", "user", "assistant"]


# --8<-- [end:seed-thread]


# --8<-- [start:failure]
def test_a_failed_run_is_reported(fake_openai: FakeOpenAI) -> None:
    fake_openai.assistants.add(id=ASSISTANT_ID, model="gpt-4o")
    fake_openai.runs.respond_with_error(429)  # the run fails with last_error, as the real API reports it

    with pytest.raises(RuntimeError, match="rate_limit_exceeded"):
        ask_support("Where is my order?")


# --8<-- [end:failure]
