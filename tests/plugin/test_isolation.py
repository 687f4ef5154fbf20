"""Nothing leaks from one test to the next: scripts, the request log, stored resources, stalls, cassettes,
settings, server errors and blocked calls, even when a test fails mid-way or abandons a stream.

Each test runs a small suite in-process with `pytester`: a test that leaves a mess and fails (or errors at
teardown), then a test that must find a clean fake.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import openai
import pytest

from fakeopenai import FakeOpenAI

HI = [{"role": "user", "content": "Hi"}]
EXAMPLE_CASSETTE = Path(__file__).parents[1] / "examples" / "cassettes" / "test_recording_basic" / "test_capital.yaml"

PRELUDE = """
import time

import openai
import pytest

HI = [{"role": "user", "content": "Hi"}]
SEEN = {}


def client():
    return openai.OpenAI(max_retries=0, timeout=10)


def chat(**kwargs):
    return client().chat.completions.create(model="gpt-4o", messages=HI, **kwargs)
"""


def run(pytester: pytest.Pytester, tests: str, *, leakers: set[str], clean: set[str]) -> None:
    """Run the tests in order; exactly `leakers` fail (in any phase), every test in `clean` passes."""
    pytester.makepyfile(test_inner=PRELUDE + tests)
    reprec = pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning")
    reports = reprec.getreports("pytest_runtest_logreport")
    failed = {report.nodeid.split("::")[-1] for report in reports if report.failed}
    passed = {report.nodeid.split("::")[-1] for report in reports if report.when == "call" and report.passed}
    longrepr = "\n\n".join(str(report.longrepr) for report in reports if report.failed)
    assert failed == leakers, longrepr
    assert clean <= passed, longrepr


def test_scripts_and_the_request_log_do_not_leak(pytester: pytest.Pytester) -> None:
    run(
        pytester,
        """
def test_1_scripts_then_fails(fake_openai):
    fake_openai.chat.respond_with_message("leaked", always=True)
    fake_openai.respond_with_error(500, times=3)
    fake_openai.embeddings.respond_with_error(429, always=True)
    assert chat().choices[0].message.content == "leaked"
    assert False, "a deliberate failure mid-way"


def test_2_finds_no_scripts_and_an_empty_log(fake_openai):
    assert fake_openai.calls.call_count == 0
    assert chat().choices[0].message.content != "leaked"
    assert fake_openai.chat.calls.last.answered_by == "simulator"
    client().embeddings.create(model="text-embedding-3-small", input="Hi")
    assert fake_openai.report() is None


def test_3_passes_but_leaves_an_unused_script(fake_openai):
    fake_openai.chat.respond_with_message("never asked for")


def test_4_is_not_blamed_for_it(fake_openai):
    assert fake_openai.report() is None
    assert chat().choices[0].message.content != "never asked for"
""",
        leakers={"test_1_scripts_then_fails", "test_3_passes_but_leaves_an_unused_script"},
        clean={"test_2_finds_no_scripts_and_an_empty_log", "test_4_is_not_blamed_for_it"},
    )


def test_an_abandoned_stalled_stream_does_not_hold_up_the_next_test(pytester: pytest.Pytester) -> None:
    run(
        pytester,
        """
def test_1_breaks_out_of_a_stalled_stream_and_fails(fake_openai):
    fake_openai.chat.respond_with_message("one two three four five", stall_after=2, stall_for=60)
    stream = chat(stream=True)
    for number, _ in enumerate(stream, 1):
        if number == 2:
            break
    SEEN["stream"] = stream
    SEEN["failed_at"] = time.perf_counter()
    assert False, "a deliberate failure mid-stream"


def test_2_starts_promptly_with_no_stall_pending(fake_openai):
    assert time.perf_counter() - SEEN["failed_at"] < 2, "the next test waited for the stall"
    began = time.perf_counter()
    try:
        for _ in SEEN["stream"]:  # the stall ended with the reset: the abandoned connection was dropped
            pass
    except Exception as error:  # the SDK may wrap the transport's error: look down the chain
        chain = []
        while error is not None:
            chain.append(str(error))
            error = error.__cause__ or error.__context__
        assert any("incomplete chunked read" in text for text in chain), chain
    else:
        raise AssertionError("the abandoned stream ended cleanly: it was not dropped")
    assert time.perf_counter() - began < 2
    assert "".join(c.choices[0].delta.content or "" for c in chat(stream=True) if c.choices)
    assert fake_openai.calls.call_count == 1
    assert fake_openai.report() is None
""",
        leakers={"test_1_breaks_out_of_a_stalled_stream_and_fails"},
        clean={"test_2_starts_promptly_with_no_stall_pending"},
    )


def test_stored_resources_do_not_leak(pytester: pytest.Pytester) -> None:
    run(
        pytester,
        """
import json

LINE = json.dumps({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
                   "body": {"model": "gpt-4o-mini", "messages": HI}}).encode()
TRAINING = b"".join(
    json.dumps({"messages": [{"role": "user", "content": f"q{n}"}, {"role": "assistant", "content": "a"}]}).encode()
    + b"\\n" for n in range(10)
)


def test_1_stores_resources_then_fails(fake_openai):
    api = client()
    batch_input = api.files.create(file=("in.jsonl", LINE), purpose="batch")
    training = api.files.create(file=("train.jsonl", TRAINING), purpose="fine-tune")
    SEEN["file"] = batch_input.id
    SEEN["batch"] = api.batches.create(
        input_file_id=batch_input.id, endpoint="/v1/chat/completions", completion_window="24h").id
    SEEN["job"] = api.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training.id).id
    SEEN["response"] = api.responses.create(model="gpt-4o", input="Hi", store=True).id
    SEEN["assistant"] = api.beta.assistants.create(model="gpt-4o").id
    SEEN["thread"] = api.beta.threads.create(messages=HI).id
    SEEN["upload"] = api.uploads.create(bytes=1, filename="a.txt", mime_type="text/plain", purpose="assistants").id
    raise RuntimeError("a deliberate failure mid-way")


def test_2_finds_nothing_stored(fake_openai):
    api = client()
    assert api.files.list().data == []
    assert api.batches.list().data == []
    assert api.fine_tuning.jobs.list().data == []
    assert api.beta.assistants.list().data == []
    lookups = [
        lambda: api.files.retrieve(SEEN["file"]),
        lambda: api.batches.retrieve(SEEN["batch"]),
        lambda: api.fine_tuning.jobs.retrieve(SEEN["job"]),
        lambda: api.responses.retrieve(SEEN["response"]),
        lambda: api.beta.assistants.retrieve(SEEN["assistant"]),
        lambda: api.beta.threads.retrieve(SEEN["thread"]),
        lambda: api.uploads.cancel(SEEN["upload"]),
    ]
    for lookup in lookups:
        with pytest.raises(openai.NotFoundError):
            lookup()
    with pytest.raises(openai.APIStatusError) as caught:
        api.responses.create(model="gpt-4o", input="And?", previous_response_id=SEEN["response"])
    assert caught.value.status_code in (400, 404)
    fake_openai.reset()  # that invalid request was on purpose
""",
        leakers={"test_1_stores_resources_then_fails"},
        clean={"test_2_finds_nothing_stored"},
    )


def test_a_cassette_ends_with_its_test(pytester: pytest.Pytester) -> None:
    cassettes = pytester.path / "cassettes" / "test_inner"
    cassettes.mkdir(parents=True)
    shutil.copy(EXAMPLE_CASSETTE, cassettes / "capital.yaml")
    run(
        pytester,
        """
def ask():
    reply = client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "What is the capital of France?"}])
    return reply.choices[0].message.content


@pytest.mark.fakeopenai(cassette="capital")
def test_1_replays_then_fails(fake_openai):
    assert ask() == "The capital of France is Paris."
    assert fake_openai.chat.calls.last.answered_by == "cassette"
    assert False, "a deliberate failure mid-way"


def test_2_without_a_cassette_gets_the_simulator(fake_openai):
    assert fake_openai.cassette is None
    assert ask() != "The capital of France is Paris."
    assert fake_openai.chat.calls.last.answered_by == "simulator"


@pytest.mark.fakeopenai(cassette="capital")
def test_3_misses_the_cassette_and_fails(fake_openai):
    with pytest.raises(openai.BadRequestError, match="no recorded answer"):
        chat()


def test_4_without_a_cassette_is_answered(fake_openai):
    assert chat().choices[0].message.content
    assert fake_openai.report() is None


@pytest.mark.fakeopenai(cassette="capital")
def test_5_replays_and_passes(fake_openai):
    assert ask() == "The capital of France is Paris."


def test_6_again_without_a_cassette(fake_openai):
    assert fake_openai.cassette is None
    assert ask() != "The capital of France is Paris."
""",
        leakers={"test_1_replays_then_fails", "test_3_misses_the_cassette_and_fails"},
        clean={
            "test_2_without_a_cassette_gets_the_simulator",
            "test_4_without_a_cassette_is_answered",
            "test_5_replays_and_passes",
            "test_6_again_without_a_cassette",
        },
    )
    assert (cassettes / "capital.yaml").read_bytes() == EXAMPLE_CASSETTE.read_bytes(), "replaying never rewrites"


def test_settings_server_errors_and_blocked_calls_do_not_leak(pytester: pytest.Pytester) -> None:
    run(
        pytester,
        """
@pytest.mark.fakeopenai(validate=False)
def test_1_breaks_everything_then_fails(fake_openai):
    assert chat(temperature=5).choices  # accepted: validation is off for this test
    fake_openai.chat.respond_with_message("never", when=lambda request: 1 / 0)
    with pytest.raises(openai.InternalServerError):
        chat()
    with pytest.raises(openai.APIConnectionError):
        openai.OpenAI(base_url="https://api.openai.com/v1", max_retries=0).models.list()
    assert fake_openai.state.errors and fake_openai.state.blocked
    assert False, "a deliberate failure mid-way"


def test_2_validates_again_with_no_errors_or_blocked_calls_left(fake_openai):
    assert fake_openai.state.errors == [] and fake_openai.state.blocked == []
    with pytest.raises(openai.BadRequestError):
        chat(temperature=5)
    assert chat().choices[0].message.content != "never"
    fake_openai.reset()  # the invalid request above was on purpose
""",
        leakers={"test_1_breaks_everything_then_fails"},
        clean={"test_2_validates_again_with_no_errors_or_blocked_calls_left"},
    )


def test_two_fakes_in_one_process_each_answer_only_their_own_clients() -> None:
    async def ask_async(client: openai.AsyncOpenAI) -> str | None:
        async with client:
            reply = await client.chat.completions.create(model="gpt-4o", messages=HI)
        return reply.choices[0].message.content

    def ask(client: openai.OpenAI) -> str | None:
        with client:
            return client.chat.completions.create(model="gpt-4o", messages=HI).choices[0].message.content

    with FakeOpenAI() as first, FakeOpenAI() as second:
        for fake, name in ((first, "first"), (second, "second")):
            fake.chat.respond_with_message(name, always=True)
        answers = {
            name: [
                ask(fake.client()),
                ask(fake.client(memory=True)),
                asyncio.run(ask_async(fake.async_client())),
                asyncio.run(ask_async(fake.async_client(memory=True))),
            ]
            for fake, name in ((first, "first"), (second, "second"))
        }
        assert answers == {"first": ["first"] * 4, "second": ["second"] * 4}
        assert len(first.calls) == len(second.calls) == 4
