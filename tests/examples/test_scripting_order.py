import openai

from fakeopenai import FakeOpenAI, Fault


# --8<-- [start:triage]
def triage(ticket: str, model: str = "gpt-4o-mini") -> str:
    """Sort a support ticket into billing, bug or other."""
    reply = openai.OpenAI().chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": "Answer with one word: billing, bug or other."},
            {"role": "user", "content": ticket},
        ],
    )
    return (reply.choices[0].message.content or "").strip().lower()


# --8<-- [end:triage]


# --8<-- [start:in-order]
def test_answers_are_used_in_order(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with("billing", "bug")  # one answer per request, in order
    fake_openai.chat.respond_with_message("other")  # queued after them

    assert triage("I was charged twice") == "billing"
    assert triage("The app crashes on start") == "bug"
    assert triage("Do you have a dark mode?") == "other"


# --8<-- [end:in-order]


# --8<-- [start:times]
def test_times_and_always(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("billing", times=2)  # the next two requests
    fake_openai.chat.respond_with_message("other", always=True)  # every request after that

    answers = [triage(ticket) for ticket in ["refund?", "invoice?", "hello", "thanks"]]

    assert answers == ["billing", "billing", "other", "other"]


# --8<-- [end:times]


# --8<-- [start:objects]
def test_answer_objects(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with(Fault(503), "billing")  # an error (the SDK retries it), then a message

    assert triage("I was charged twice") == "billing"
    assert [call.status for call in fake_openai.chat.calls] == [503, 200]


# --8<-- [end:objects]
