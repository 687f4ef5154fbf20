import os
import unittest
from unittest import mock

import openai

from fakeopenai import FakeOpenAI


def summarize(text: str) -> str:
    reply = openai.OpenAI().chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Summarize the text in one sentence."},
            {"role": "user", "content": text},
        ],
    )
    return reply.choices[0].message.content or ""


# --8<-- [start:with]
class SummarizeTest(unittest.TestCase):
    def test_summarize(self) -> None:
        with FakeOpenAI() as fake, fake.patched_environ():
            fake.chat.respond_with_message("Cats sleep most of the day.")

            summary = summarize("Cats sleep 12 to 16 hours a day.")

            self.assertEqual(summary, "Cats sleep most of the day.")
            fake.chat.calls.assert_called_once()


# --8<-- [end:with]


# --8<-- [start:shared]
class SharedServerTest(unittest.TestCase):
    """One server for the class, a clean slate and a check for every test."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.fake = FakeOpenAI().start()
        cls.addClassCleanup(cls.fake.stop)

    def setUp(self) -> None:
        self.fake.reset()
        environ = mock.patch.dict(os.environ, self.fake.environ())  # OPENAI_BASE_URL, OPENAI_API_KEY
        environ.start()
        self.addCleanup(environ.stop)
        self.addCleanup(self.fake.check)  # fail on invalid requests or unused scripts

    def test_summarize(self) -> None:
        self.fake.chat.respond_with_message("Short.")
        self.assertEqual(summarize("A long text."), "Short.")

    def test_explicit_client(self) -> None:
        client = self.fake.client()  # an openai.OpenAI already pointed at the fake
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
        self.assertTrue(reply.choices[0].message.content)


# --8<-- [end:shared]
