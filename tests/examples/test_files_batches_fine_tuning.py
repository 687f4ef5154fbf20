import json
import time

import openai
import pytest

from fakeopenai import FakeOpenAI

EXAMPLES = [
    {"messages": [{"role": "user", "content": f"Ticket {n}: refund?"}, {"role": "assistant", "content": "Billing"}]}
    for n in range(10)
]


# --8<-- [start:code]
def start_training(examples: list[dict]) -> str:
    """Upload the examples and start fine-tuning gpt-4o-mini on them; return the job's id."""
    client = openai.OpenAI()
    data = "".join(json.dumps(example) + "\n" for example in examples).encode()
    training = client.files.create(file=("tickets.jsonl", data), purpose="fine-tune")
    return client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training.id, suffix="tickets").id


def wait_for_model(job_id: str) -> str:
    """Wait for the job to end; return the fine-tuned model's name."""
    client = openai.OpenAI()
    job = client.fine_tuning.jobs.retrieve(job_id)
    while job.status not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.01)  # in production: minutes
        job = client.fine_tuning.jobs.retrieve(job_id)
    if job.status != "succeeded" or job.fine_tuned_model is None:
        raise RuntimeError(f"fine-tuning {job.status}: {job.error.message if job.error else ''}")
    return job.fine_tuned_model


def train_classifier(examples: list[dict]) -> str:
    return wait_for_model(start_training(examples))


# --8<-- [end:code]


# --8<-- [start:default]
def test_training_yields_a_usable_model(fake_openai: FakeOpenAI) -> None:
    model = train_classifier(EXAMPLES)

    assert model.startswith("ft:gpt-4o-mini-2024-07-18:personal:tickets:")
    assert openai.OpenAI().models.retrieve(model).id == model  # the models endpoints know it now


# --8<-- [end:default]


# --8<-- [start:steps]
def test_a_job_step_by_step(fake_openai: FakeOpenAI) -> None:
    fake_openai.fine_tuning.manual()  # jobs wait for the test
    client = openai.OpenAI()
    data = "".join(json.dumps(example) + "\n" for example in EXAMPLES).encode()
    training = client.files.create(file=("tickets.jsonl", data), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training.id)

    assert job.status == "validating_files"
    assert fake_openai.fine_tuning.advance(job.id)["status"] == "queued"
    assert fake_openai.fine_tuning.advance(job.id)["status"] == "running"
    assert client.fine_tuning.jobs.retrieve(job.id).status == "running"
    assert fake_openai.fine_tuning.advance(job.id)["status"] == "succeeded"

    events = [event.message for event in client.fine_tuning.jobs.list_events(job.id)]
    assert events[0] == "The job has successfully completed"
    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id)
    assert [checkpoint.step_number for checkpoint in checkpoints] == [30, 20, 10]


# --8<-- [end:steps]


# --8<-- [start:failures]
def test_a_job_that_fails(fake_openai: FakeOpenAI) -> None:
    fake_openai.fine_tuning.manual()
    job_id = start_training(EXAMPLES)

    fake_openai.fine_tuning.fail(job_id, "Out of capacity.", code="server_error")

    with pytest.raises(RuntimeError, match=r"fine-tuning failed: Out of capacity\."):
        wait_for_model(job_id)


def test_too_few_examples_fail_the_job(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(RuntimeError, match="must have at least 10 examples"):
        train_classifier(EXAMPLES[:3])  # the real API refuses training files of fewer than 10 examples


# --8<-- [end:failures]
