import re

import openai

from fakeopenai import ChatRequest, FakeOpenAI


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


# --8<-- [start:user-message]
def test_answer_by_what_the_user_asked(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("billing", user_message="charged")
    fake_openai.chat.respond_with_message("bug", user_message=re.compile(r"crash(es|ed)?\b"))

    # Requests come in any order; each script answers the one it matches.
    assert triage("The app crashed twice today") == "bug"
    assert triage("I was charged twice") == "billing"


# --8<-- [end:user-message]


# --8<-- [start:model]
def test_answer_by_model(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("other", model="gpt-4o-mini", always=True)
    fake_openai.chat.respond_with_message("bug", model="gpt-4o", always=True)

    assert triage("It's broken", model="gpt-4o") == "bug"
    assert triage("It's broken") == "other"


# --8<-- [end:model]


# --8<-- [start:when]
def is_triage(request: ChatRequest) -> bool:
    return "billing, bug or other" in request.system_prompt


def test_answer_by_any_condition(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("billing", when=is_triage, always=True)

    assert triage("Where is my invoice?") == "billing"


# --8<-- [end:when]
