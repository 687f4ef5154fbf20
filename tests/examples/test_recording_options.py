"""Cassette settings for a whole module: volatile fields left out of matching, e-mail addresses kept off disk."""

import json
import re
import uuid
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:config]
def hide_emails(document: Any) -> Any:
    """Replace every e-mail address in a JSON body about to be written to a cassette."""
    text = json.dumps(document)
    return json.loads(re.sub(r"[\w.+-]+@[\w-]+\.[\w.]+", "someone@example.com", text))


@pytest.fixture
def fakeopenai_config() -> dict[str, Any]:
    """Every test in this module uses its own cassette, with these settings."""
    return {"cassette": True, "match_ignore": ["user"], "redact": hide_emails}


# --8<-- [end:config]


# --8<-- [start:test]
def test_support_reply(fake_openai: FakeOpenAI) -> None:
    reply = openai.OpenAI().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Tell jane.doe@acme.test that her order has shipped."}],
        user=f"run-{uuid.uuid4()}",  # differs on every run: left out of matching
    )

    # Recording, the client gets the real answer; the cassette keeps it with the address replaced,
    # and on replay the request, redacted the same way, still matches it.
    assert reply.choices[0].message.content in (
        "Done: I told jane.doe@acme.test that her order has shipped.",  # while recording
        "Done: I told someone@example.com that her order has shipped.",  # replayed
    )


# --8<-- [end:test]
