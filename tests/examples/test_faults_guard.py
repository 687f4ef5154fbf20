import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:guard]
def summarize(text: str) -> str:
    """A bug: the base URL is hard-coded, so this ignores OPENAI_BASE_URL."""
    client = openai.OpenAI(base_url="https://api.openai.com/v1", max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"Summarize: {text}"}])
    return reply.choices[0].message.content or ""


def test_a_hard_coded_url_never_reaches_the_real_api(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.APIConnectionError):  # refused before a byte leaves the machine
        summarize("A long report.")

    report = fake_openai.report() or ""
    assert "Requests to the real OpenAI API were blocked (1, to api.openai.com)" in report
    fake_openai.reset()  # this test made the blocked request on purpose; any other test would fail at teardown


# --8<-- [end:guard]
