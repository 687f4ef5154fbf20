import time

import openai
import pytest

from fakeopenai import FakeOpenAI

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")  # the SDK deprecates Assistants


# --8<-- [start:code]
def wait_for_run(thread_id: str, run_id: str, timeout: float = 5.0) -> str:
    """Poll a run until it ends; cancel it if it takes too long. Returns its final status."""
    client = openai.OpenAI()
    deadline = time.monotonic() + timeout
    while True:
        run = client.beta.threads.runs.retrieve(run_id, thread_id=thread_id)
        if run.status in ("completed", "failed", "cancelled", "expired", "incomplete", "requires_action"):
            return run.status
        if time.monotonic() > deadline:
            client.beta.threads.runs.cancel(run_id, thread_id=thread_id)
            return "cancelled"
        time.sleep(0.01)


# --8<-- [end:code]


def start_run(fake: FakeOpenAI) -> tuple[str, str]:
    assistant = fake.assistants.add(model="gpt-4o")
    thread = fake.threads.add([{"role": "user", "content": "Hi"}])
    run = openai.OpenAI().beta.threads.runs.create(thread_id=thread["id"], assistant_id=assistant["id"])
    return thread["id"], run.id


# --8<-- [start:polls]
def test_the_poller_sees_the_run_progress(fake_openai: FakeOpenAI) -> None:
    fake_openai.runs.hold(polls=2)  # each status lasts two retrieves
    thread_id, run_id = start_run(fake_openai)

    assert wait_for_run(thread_id, run_id) == "completed"

    statuses = [c.response["status"] for c in fake_openai.calls if c.operation == "beta.threads.runs.retrieve"]
    assert statuses == ["queued", "in_progress", "in_progress", "completed"]


# --8<-- [end:polls]


# --8<-- [start:hold]
def test_a_stuck_run_is_cancelled(fake_openai: FakeOpenAI) -> None:
    fake_openai.runs.hold()  # runs stay queued until the test moves them
    thread_id, run_id = start_run(fake_openai)

    assert wait_for_run(thread_id, run_id, timeout=0.05) == "cancelled"

    assert fake_openai.runs.get(run_id)["status"] == "cancelling"  # still held
    assert fake_openai.runs.advance(run_id)["status"] == "cancelled"


# --8<-- [end:hold]


# --8<-- [start:expire]
def test_an_expired_run(fake_openai: FakeOpenAI) -> None:
    fake_openai.runs.hold()
    thread_id, run_id = start_run(fake_openai)
    fake_openai.runs.expire(run_id)  # as if its ten minutes had passed

    assert wait_for_run(thread_id, run_id) == "expired"


# --8<-- [end:expire]
