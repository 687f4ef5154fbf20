"""Fine-tuning jobs through the official SDK, sync and async: lifecycle as the test chooses, events, checkpoints."""

from __future__ import annotations

import json
import re
from typing import Any

import openai
import pytest
from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint
from sdk_shapes import api_message

from fakeopenai import ConfigurationError, FakeOpenAI

CHAT = {"messages": [{"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris."}]}
PREFERENCE = {
    "input": {"messages": [{"role": "user", "content": "Say hi"}]},
    "preferred_output": [{"role": "assistant", "content": "Hi!"}],
    "non_preferred_output": [{"role": "assistant", "content": "Go away."}],
}
PROMPT = {"messages": [{"role": "user", "content": "2+2?"}], "answer": "4"}
GRADER = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}", "reference": "{{item.answer}}",
          "operation": "eq"}  # fmt: skip


def training_file(fake: FakeOpenAI, example: dict[str, Any] = CHAT, count: int = 10) -> str:
    """Upload a fine-tune file through the API, as the code under test would."""
    content = b"".join(json.dumps(example).encode() + b"\n" for _ in range(count))
    return openai.OpenAI().files.create(file=("train.jsonl", content), purpose="fine-tune").id


def strict_job(body: dict[str, Any]) -> FineTuningJob:
    job = FineTuningJob.model_validate(body, strict=True)
    assert job.model_extra in (None, {})
    return job


def test_a_job_driven_step_by_step(fake_openai: FakeOpenAI) -> None:
    fake_openai.fine_tuning.manual()
    client = openai.OpenAI()
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file(fake_openai), suffix="faq")
    assert job.id.startswith("ftjob-") and job.status == "validating_files"
    assert job.model == "gpt-4o-mini-2024-07-18" and job.fine_tuned_model is None
    assert job.hyperparameters.n_epochs == "auto"
    strict_job(fake_openai.fine_tuning.calls.last.response)

    assert fake_openai.fine_tuning.advance(job.id)["status"] == "queued"
    assert client.fine_tuning.jobs.retrieve(job.id).status == "queued", "a job in manual mode waits for the test"
    assert fake_openai.fine_tuning.advance(job.id)["status"] == "running"
    running = client.fine_tuning.jobs.retrieve(job.id)
    assert running.hyperparameters.n_epochs == 3 and running.estimated_finish is not None
    fake_openai.fine_tuning.advance(job.id)
    done = client.fine_tuning.jobs.retrieve(job.id)

    assert done.status == "succeeded" and done.finished_at is not None and done.estimated_finish is None
    assert done.fine_tuned_model is not None
    assert re.fullmatch(r"ft:gpt-4o-mini-2024-07-18:personal:faq:[A-Za-z0-9]{8}", done.fine_tuned_model)
    assert done.trained_tokens and done.trained_tokens > 0
    strict_job(fake_openai.fine_tuning.calls.last.response)
    results = client.files.retrieve(done.result_files[0])
    assert results.purpose == "fine-tune-results"
    assert client.files.content(results.id).text.startswith("step,train_loss")


def test_a_succeeded_job_adds_its_model_to_the_models_endpoints(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file(fake_openai))

    model = client.fine_tuning.jobs.retrieve(job.id).fine_tuned_model

    assert model is not None and model.startswith("ft:gpt-4o-mini-2024-07-18:personal::")
    assert client.models.retrieve(model).owned_by == job.organization_id
    assert model in [m.id for m in client.models.list()]
    again = client.fine_tuning.jobs.create(model=model, training_file=job.training_file)
    assert again.model == model, "a fine-tuned model can be fine-tuned again"


def test_events_and_checkpoints_paginate(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini",
        training_file=training_file(fake_openai),
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 4, "batch_size": 5}}},
    )
    fake_openai.fine_tuning.complete(job.id)

    first = client.fine_tuning.jobs.list_events(job.id, limit=3)
    events = list(client.fine_tuning.jobs.list_events(job.id, limit=3))
    checkpoints = list(client.fine_tuning.jobs.checkpoints.list(job.id, limit=2))

    assert len(first.data) == 3 and first.has_more is True
    assert events[0].message == "The job has successfully completed"
    assert events[-1].message.startswith("Validating training file: file-")
    assert len({event.id for event in events}) == len(events) > 6
    assert all(event.id.startswith("ftevent-") for event in events)
    assert any(event.type == "metrics" and event.data for event in events)
    for raw in fake_openai.fine_tuning.calls.last.response["data"]:
        FineTuningJobCheckpoint.model_validate(raw, strict=True)
    assert [c.step_number for c in checkpoints] == [8, 6, 4], "the last three epochs of 2 steps each, newest first"
    assert all(c.id.startswith("ftckpt_") and c.fine_tuning_job_id == job.id for c in checkpoints)
    assert checkpoints[0].fine_tuned_model_checkpoint.endswith(":ckpt-step-8")
    raw_events = [c for c in fake_openai.fine_tuning.calls if c.operation == "fine_tuning.jobs.list_events"]
    for raw in raw_events[0].response["data"]:
        FineTuningJobEvent.model_validate(raw, strict=True)


async def test_async_jobs_finish_on_first_retrieve_by_default(fake_openai: FakeOpenAI) -> None:
    file_id = training_file(fake_openai)
    client = openai.AsyncOpenAI()

    job = await client.fine_tuning.jobs.create(model="gpt-4.1-nano", training_file=file_id, seed=7)
    fetched = await client.fine_tuning.jobs.retrieve(job.id)

    assert job.status == "validating_files" and job.seed == 7
    assert fetched.status == "succeeded" and fetched.model == "gpt-4.1-nano-2025-04-14"


async def test_async_list_walks_pages_and_filters_by_metadata(fake_openai: FakeOpenAI) -> None:
    file_id = training_file(fake_openai)
    client = openai.AsyncOpenAI()
    ids = [
        (await client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id, metadata={"n": str(i)})).id
        for i in range(5)
    ]

    walked = [job.id async for job in client.fine_tuning.jobs.list(limit=2)]
    third = [job.id async for job in client.fine_tuning.jobs.list(metadata={"n": "2"})]

    assert walked == list(reversed(ids))
    assert third == [ids[2]]


def test_complete_at_once_and_on_nth_retrieve(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    file_id = training_file(fake_openai)
    fake_openai.fine_tuning.complete_at_once()
    instant = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id)
    assert instant.status == "validating_files"
    assert fake_openai.fine_tuning.get(instant.id)["status"] == "succeeded"  # type: ignore[index]

    fake_openai.fine_tuning.complete_on_retrieve(3)
    slow = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id)
    statuses = [client.fine_tuning.jobs.retrieve(slow.id).status for _ in range(3)]

    assert statuses == ["validating_files", "validating_files", "succeeded"]


def test_fail_a_job_from_the_test(fake_openai: FakeOpenAI) -> None:
    fake_openai.fine_tuning.manual()
    client = openai.OpenAI()
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file(fake_openai))
    fake_openai.fine_tuning.advance(job.id)

    fake_openai.fine_tuning.fail(job.id, "Out of capacity.", code="server_error")
    failed = client.fine_tuning.jobs.retrieve(job.id)

    assert failed.status == "failed" and failed.fine_tuned_model is None
    assert failed.error is not None
    assert (failed.error.code, failed.error.message, failed.error.param) == ("server_error", "Out of capacity.", None)
    assert next(iter(client.fine_tuning.jobs.list_events(job.id))).level == "error"
    with pytest.raises(ConfigurationError, match="already failed"):
        fake_openai.fine_tuning.advance(job.id)
    with pytest.raises(ConfigurationError, match="ftjob-nope"):
        fake_openai.fine_tuning.complete("ftjob-nope")


@pytest.mark.parametrize(
    ("example", "count", "message"),
    [
        (CHAT, 3, "Training file has 3 example(s), but must have at least 10 examples"),
        ({"messages": [{"role": "user", "content": "Hi"}]}, 10, "at least one assistant message"),
        ({"messages": [{"role": "robot", "content": "Hi"}]}, 10, "unrecognized role: 'robot'"),
        ({"prompt": "Hi", "completion": "Hello"}, 10, '"messages" must be a non-empty list'),
    ],
)
def test_an_invalid_training_file_fails_the_job(
    fake_openai: FakeOpenAI, example: dict[str, Any], count: int, message: str
) -> None:
    client = openai.OpenAI()
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file(fake_openai, example, count))

    failed = client.fine_tuning.jobs.retrieve(job.id)

    assert failed.status == "failed" and failed.error is not None
    assert (failed.error.code, failed.error.param) == ("invalid_training_file", "training_file")
    assert failed.error.message.startswith("The job failed due to an invalid training file.")
    assert message in failed.error.message


def test_other_methods_and_formats(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    dpo = client.fine_tuning.jobs.create(
        model="gpt-4o-mini",
        training_file=training_file(fake_openai, PREFERENCE),
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2}}},
    )
    reinforcement = client.fine_tuning.jobs.create(
        model="o4-mini",
        training_file=training_file(fake_openai, PROMPT),
        method={"type": "reinforcement", "reinforcement": {"grader": GRADER}},  # type: ignore[typeddict-item]
    )
    legacy = client.fine_tuning.jobs.create(
        model="davinci-002", training_file=training_file(fake_openai, {"prompt": "Hi", "completion": "Hello"})
    )

    done = [client.fine_tuning.jobs.retrieve(job.id) for job in (dpo, reinforcement, legacy)]

    assert [job.status for job in done] == ["succeeded"] * 3
    assert done[0].method is not None and done[0].method.dpo is not None
    assert done[0].method.dpo.hyperparameters is not None and done[0].method.dpo.hyperparameters.beta == 0.2
    assert done[1].model == "o4-mini-2025-04-16" and done[2].fine_tuned_model is not None
    assert done[2].fine_tuned_model.startswith("ft:davinci-002:")


def test_validation_file_is_checked_too(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    bad = fake_openai.files.add([{"messages": "nope"}], purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=training_file(fake_openai), validation_file=bad["id"]
    )

    failed = client.fine_tuning.jobs.retrieve(job.id)

    assert failed.validation_file == bad["id"]
    assert failed.error is not None and failed.error.code == "invalid_validation_file"
    assert failed.error.param == "validation_file"


@pytest.mark.fakeopenai(teardown_check=False)
def test_create_refuses_what_the_api_refuses(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    file_id = training_file(fake_openai)
    assistants = client.files.create(file=("a.md", b"x"), purpose="assistants").id

    cases = {
        "model": dict(model="gpt-4-turbo", training_file=file_id),
        "missing": dict(model="gpt-4o-mini", training_file="file-missing"),
        "purpose": dict(model="gpt-4o-mini", training_file=assistants),
        "validation": dict(model="gpt-4o-mini", training_file=file_id, validation_file="file-gone"),
        "method": dict(model="gpt-3.5-turbo", training_file=file_id, method={"type": "dpo"}),
        "grader": dict(model="o4-mini", training_file=file_id, method={"type": "reinforcement"}),
        "suffix": dict(model="gpt-4o-mini", training_file=file_id, suffix="x" * 65),
    }
    errors = {}
    for name, kwargs in cases.items():
        with pytest.raises(openai.BadRequestError) as caught:
            client.fine_tuning.jobs.create(**kwargs)  # type: ignore[arg-type]
        errors[name] = caught.value

    assert api_message(errors["model"]).endswith("Model gpt-4-turbo is not available for fine-tuning or does not exist.")
    assert (errors["model"].code, errors["model"].param) == ("model_not_available", "model")
    assert api_message(errors["missing"]).endswith("invalid training_file: file-missing")
    assert errors["missing"].param == "training_file"
    assert errors["purpose"].param == "training_file" and "'assistants'" in errors["purpose"].message
    assert errors["validation"].param == "validation_file"
    assert errors["method"].param == "method"
    assert errors["grader"].param == "method.reinforcement.grader"
    assert errors["suffix"].param == "suffix"
    assert list(client.fine_tuning.jobs.list()) == []


def test_cancel_pause_resume(fake_openai: FakeOpenAI) -> None:
    fake_openai.fine_tuning.manual()
    client = openai.OpenAI()
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file(fake_openai))
    with pytest.raises(openai.BadRequestError) as not_running:
        client.fine_tuning.jobs.pause(job.id)
    fake_openai.fine_tuning.advance(job.id)
    fake_openai.fine_tuning.advance(job.id)

    paused = client.fine_tuning.jobs.pause(job.id)
    with pytest.raises(ConfigurationError, match="paused"):
        fake_openai.fine_tuning.advance(job.id)
    resumed = client.fine_tuning.jobs.resume(job.id)
    with pytest.raises(openai.BadRequestError) as not_paused:
        client.fine_tuning.jobs.resume(job.id)
    cancelled = client.fine_tuning.jobs.cancel(job.id)
    with pytest.raises(openai.BadRequestError) as twice:
        client.fine_tuning.jobs.cancel(job.id)

    assert "'validating_files'" in not_running.value.message
    assert paused.status == "paused"  # type: ignore[comparison-overlap]
    assert resumed.status == "queued"
    assert "'queued'" in not_paused.value.message
    assert cancelled.status == "cancelled"
    assert "'cancelled'" in twice.value.message
    strict_job(fake_openai.fine_tuning.calls[-2].response)
    messages = [event.message for event in client.fine_tuning.jobs.list_events(job.id)]
    assert messages[:3] == ["Fine-tuning job cancelled", "Fine-tuning job resumed", "Fine-tuning job paused"]


def test_unknown_job_ids_answer_404(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    actions = [
        client.fine_tuning.jobs.retrieve,
        client.fine_tuning.jobs.cancel,
        client.fine_tuning.jobs.pause,
        client.fine_tuning.jobs.resume,
        client.fine_tuning.jobs.list_events,
        client.fine_tuning.jobs.checkpoints.list,
    ]
    for action in actions:
        with pytest.raises(openai.NotFoundError) as caught:
            action("ftjob-nope")
        assert api_message(caught.value).endswith("ftjob-nope")


def test_scripted_error_on_fine_tuning(fake_openai: FakeOpenAI) -> None:
    fake_openai.fine_tuning.respond_with_error(429, when=lambda request: request.get("suffix") == "busy")
    client = openai.OpenAI(max_retries=0)
    file_id = training_file(fake_openai)

    with pytest.raises(openai.RateLimitError):
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id, suffix="busy")
    created = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id, suffix="calm")

    assert [job.id for job in client.fine_tuning.jobs.list()] == [created.id]
