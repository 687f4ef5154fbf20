import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:caught]
def creative_answer(question: str) -> str:
    reply = openai.OpenAI().chat.completions.create(
        model="gpt-4o",
        temperature=2.5,  # a bug: the API allows 0 to 2
        messages=[{"role": "user", "content": question}],
    )
    return reply.choices[0].message.content or ""


@pytest.mark.fakeopenai(teardown_check=False)  # this test means to send a bad request
def test_the_bug_is_caught(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="Invalid 'temperature': decimal above maximum value") as caught:
        creative_answer("Write a poem.")

    assert caught.value.param == "temperature"
    assert caught.value.code == "decimal_above_max_value"


# --8<-- [end:caught]


# --8<-- [start:tool-order]
def broken_agent_turn(tool_call_id: str) -> None:
    """Sends a tool result but forgets the assistant message that asked for it."""
    openai.OpenAI().chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "tool", "tool_call_id": tool_call_id, "content": "sunny"},
        ],
    )


@pytest.mark.fakeopenai(teardown_check=False)
def test_a_tool_result_needs_its_tool_call(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="must be a response to a preceeding message with 'tool_calls'"):
        broken_agent_turn("call_123")

    [problem] = fake_openai.chat.calls.last.problems
    assert problem.json_path == "$.messages[1].role"


# --8<-- [end:tool-order]


# --8<-- [start:handled]
def safe_answer(question: str, temperature: float) -> str:
    """Turn a rejected request into a clear error for our own callers."""
    try:
        reply = openai.OpenAI().chat.completions.create(
            model="gpt-4o", temperature=temperature, messages=[{"role": "user", "content": question}]
        )
    except openai.BadRequestError as error:
        raise ValueError(f"OpenAI rejected the request: {error.message}") from error
    return reply.choices[0].message.content or ""


@pytest.mark.fakeopenai(teardown_check=False)
def test_rejections_become_value_errors(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(ValueError, match="Invalid 'temperature'"):
        safe_answer("Hi", temperature=-1)


# --8<-- [end:handled]
