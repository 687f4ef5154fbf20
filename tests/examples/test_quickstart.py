import openai

from fakeopenai import FakeOpenAI


# --8<-- [start:code]
def summarize(text: str) -> str:
    """The code under test: plain production code, no test hooks."""
    client = openai.OpenAI()  # reads OPENAI_BASE_URL and OPENAI_API_KEY
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Summarize the text in one sentence."},
            {"role": "user", "content": text},
        ],
    )
    return reply.choices[0].message.content or ""


# --8<-- [end:code]


# --8<-- [start:test]
def test_summarize(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Cats sleep most of the day.")

    summary = summarize("Cats sleep 12 to 16 hours a day, mostly in short naps.")

    assert summary == "Cats sleep most of the day."
    request = fake_openai.chat.calls.last.request
    assert request.model == "gpt-4o-mini"
    assert request.system_prompt == "Summarize the text in one sentence."


# --8<-- [end:test]


# --8<-- [start:simulator]
def test_summarize_with_the_simulator(fake_openai: FakeOpenAI) -> None:
    # Nothing scripted: the simulator answers, and the same request always gets the same answer.
    first = summarize("Cats sleep 12 to 16 hours a day.")

    assert first and first == summarize("Cats sleep 12 to 16 hours a day.")
    assert fake_openai.chat.calls.last.answered_by == "simulator"


# --8<-- [end:simulator]
