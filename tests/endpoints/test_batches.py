"""Batches through the official SDK, sync and async: they really run, through the fake's own endpoints."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types import Batch
from sdk_shapes import api_message

from fakeopenai import ConfigurationError, FakeOpenAI, Fault

CHAT = "/v1/chat/completions"


def line(custom_id: str, question: str, *, model: str = "gpt-4o-mini", url: str = CHAT) -> dict[str, Any]:
    body = {"model": model, "messages": [{"role": "user", "content": question}]}
    return {"custom_id": custom_id, "method": "POST", "url": url, "body": body}


def upload(lines: list[Any]) -> str:
    """Upload a batch input file through the API, as the code under test would."""
    content = b"".join((item if isinstance(item, bytes) else json.dumps(item).encode()) + b"\n" for item in lines)
    return openai.OpenAI().files.create(file=("requests.jsonl", content), purpose="batch").id


def records(client: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id is not None
    return [json.loads(text) for text in client.files.content(file_id).text.splitlines()]


def strict_batch(body: dict[str, Any]) -> Batch:
    batch = Batch.model_validate(body, strict=True)
    assert batch.model_extra in (None, {})
    return batch


QUESTIONS = [line("q1", "What is 2+2?"), line("q2", "Capital of France?"), line("q3", "Spell cat")]


def test_a_batch_whose_lines_hit_scripted_answers_and_one_failure(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("4", user_message="2+2")
    fake_openai.chat.respond_with_message("Paris", user_message="France")
    fake_openai.chat.respond_with_error(500, "The engine exploded.", user_message="Spell")
    client = openai.OpenAI()

    batch = client.batches.create(
        input_file_id=upload(QUESTIONS), endpoint=CHAT, completion_window="24h", metadata={"job": "nightly"}
    )
    assert batch.status == "validating" and batch.id.startswith("batch_")
    strict_batch(fake_openai.batches.calls.last.response)
    done = client.batches.retrieve(batch.id)

    assert done.status == "completed" and done.model == "gpt-4o-mini" and done.metadata == {"job": "nightly"}
    assert done.request_counts is not None
    assert (done.request_counts.total, done.request_counts.completed, done.request_counts.failed) == (3, 2, 1)
    outputs, failures = records(client, done.output_file_id), records(client, done.error_file_id)
    assert [r["custom_id"] for r in outputs] == ["q1", "q2"]
    assert [r["response"]["body"]["choices"][0]["message"]["content"] for r in outputs] == ["4", "Paris"]
    assert all(r["id"].startswith("batch_req_") and r["error"] is None for r in outputs + failures)
    assert all(r["response"]["status_code"] == 200 and len(r["response"]["request_id"]) == 32 for r in outputs)
    assert failures[0]["custom_id"] == "q3"
    assert failures[0]["response"]["status_code"] == 500
    assert failures[0]["response"]["body"]["error"]["message"] == "The engine exploded."
    assert [c.request.last_user_message for c in fake_openai.chat.calls] == [
        "What is 2+2?",
        "Capital of France?",
        "Spell cat",
    ]
    usage = done.usage
    assert usage is not None and usage.total_tokens == usage.input_tokens + usage.output_tokens > 0
    strict_batch(fake_openai.batches.calls.last.response)
    assert client.files.retrieve(done.output_file_id or "").purpose == "batch_output"
    assert client.files.retrieve(done.error_file_id or "").filename == f"{batch.id}_error.jsonl"


async def test_async_batch_completes_at_once_through_the_simulator(fake_openai: FakeOpenAI) -> None:
    fake_openai.batches.complete_at_once()
    file_id = upload(QUESTIONS)
    client = openai.AsyncOpenAI()

    created = await client.batches.create(input_file_id=file_id, endpoint=CHAT, completion_window="24h")
    done = await client.batches.retrieve(created.id)

    assert created.status == "validating"
    assert done.status == "completed" and done.error_file_id is None
    assert done.request_counts is not None and done.request_counts.completed == 3
    content = await client.files.content(done.output_file_id or "")
    bodies = [json.loads(text)["response"]["body"] for text in content.text.splitlines()]
    assert all(body["object"] == "chat.completion" and body["choices"][0]["message"]["content"] for body in bodies)
    assert [call.answered_by for call in fake_openai.chat.calls] == ["simulator"] * 3


def test_a_line_failure_scripted_with_a_predicate_on_its_body(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with(
        Fault(429, "Slow down.", code="rate_limit_exceeded"),
        when=lambda request: request.get("max_tokens") == 7,
    )
    lines = [line("a", "hello"), {**line("b", "hello"), "body": {**line("b", "hello")["body"], "max_tokens": 7}}]
    client = openai.OpenAI()
    batch = client.batches.create(input_file_id=upload(lines), endpoint=CHAT, completion_window="24h")

    done = client.batches.retrieve(batch.id)

    failures = records(client, done.error_file_id)
    assert [r["custom_id"] for r in failures] == ["b"]
    assert failures[0]["response"]["body"]["error"]["code"] == "rate_limit_exceeded"
    assert [r["custom_id"] for r in records(client, done.output_file_id)] == ["a"]


@pytest.mark.parametrize(
    ("endpoint", "body", "kind"),
    [
        ("/v1/embeddings", {"model": "text-embedding-3-small", "input": ["a", "b"]}, "list"),
        ("/v1/responses", {"model": "gpt-4o-mini", "input": "Hello"}, "response"),
    ],
)
def test_lines_reach_other_endpoints(fake_openai: FakeOpenAI, endpoint: str, body: dict[str, Any], kind: str) -> None:
    client = openai.OpenAI()
    lines = [{"custom_id": "only", "method": "POST", "url": endpoint, "body": body}]
    batch = client.batches.create(input_file_id=upload(lines), endpoint=endpoint, completion_window="24h")  # type: ignore[arg-type]

    done = client.batches.retrieve(batch.id)

    [record] = records(client, done.output_file_id)
    assert record["response"]["body"]["object"] == kind
    assert done.usage is not None and done.usage.total_tokens > 0
    [call] = [call for call in fake_openai.calls if call.path == endpoint]
    assert call.body == body and call.answered_by == "simulator"


def test_a_batch_driven_step_by_step(fake_openai: FakeOpenAI) -> None:
    fake_openai.batches.manual()
    client = openai.OpenAI()
    batch = client.batches.create(input_file_id=upload(QUESTIONS), endpoint=CHAT, completion_window="24h")
    assert client.batches.retrieve(batch.id).status == "validating"

    in_progress = fake_openai.batches.advance(batch.id)
    assert in_progress["status"] == "in_progress" and in_progress["request_counts"]["total"] == 3
    assert fake_openai.chat.calls == [], "nothing runs before the batch is in progress"
    finalizing = fake_openai.batches.advance(batch.id)
    assert finalizing["status"] == "finalizing" and finalizing["request_counts"]["completed"] == 3
    assert finalizing["output_file_id"] is None
    completed = fake_openai.batches.advance(batch.id)
    seen = client.batches.retrieve(batch.id)

    assert completed["status"] == seen.status == "completed"
    assert seen.created_at <= (seen.in_progress_at or 0) <= (seen.finalizing_at or 0) <= (seen.completed_at or 0)
    assert seen.expires_at == seen.created_at + 24 * 3600
    assert len(records(client, seen.output_file_id)) == 3
    with pytest.raises(ConfigurationError, match="already ended"):
        fake_openai.batches.advance(batch.id)


def test_complete_on_nth_retrieve(fake_openai: FakeOpenAI) -> None:
    fake_openai.batches.complete_on_retrieve(2)
    client = openai.OpenAI()
    batch = client.batches.create(input_file_id=upload(QUESTIONS), endpoint=CHAT, completion_window="24h")

    statuses = [client.batches.retrieve(batch.id).status for _ in range(2)]

    assert statuses == ["validating", "completed"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([line("a", "x"), line("a", "y")], [("duplicate_custom_id", "custom_id", 2)]),
        ([b"{not json", line("a", "x")], [("invalid_json_line", None, 1)]),
        ([line("a", "x", url="/v1/embeddings")], [("invalid_url", "url", 1)]),
        ([line("a", "x"), line("b", "y", model="gpt-4o")], [("mismatched_model", "body.model", 2)]),
        ([{"custom_id": "a", "method": "POST", "url": CHAT}], [("missing_required_parameter", "body", 1)]),
        ([{**line("a", "x"), "method": "GET"}], [("invalid_value", "method", 1)]),
        ([b"   "], [("empty_file", None, None)]),
    ],
)
def test_an_invalid_input_file_fails_the_batch(
    fake_openai: FakeOpenAI, lines: list[Any], expected: list[tuple[str, str | None, int | None]]
) -> None:
    client = openai.OpenAI()
    batch = client.batches.create(input_file_id=upload(lines), endpoint=CHAT, completion_window="24h")

    failed = client.batches.retrieve(batch.id)

    assert failed.status == "failed" and failed.failed_at is not None and failed.errors is not None
    assert failed.errors.object == "list" and failed.errors.data is not None
    assert [(e.code, e.param, e.line) for e in failed.errors.data] == expected
    assert all(e.message for e in failed.errors.data)
    assert (failed.output_file_id, failed.error_file_id) == (None, None)
    assert fake_openai.chat.calls == []
    strict_batch(fake_openai.batches.calls.last.response)


def test_cancel_then_cancelled(fake_openai: FakeOpenAI) -> None:
    fake_openai.batches.manual()
    client = openai.OpenAI()
    batch = client.batches.create(input_file_id=upload(QUESTIONS), endpoint=CHAT, completion_window="24h")
    fake_openai.batches.advance(batch.id)

    cancelling = client.batches.cancel(batch.id)
    cancelled = fake_openai.batches.advance(batch.id)
    with pytest.raises(openai.BadRequestError) as again:
        client.batches.cancel(batch.id)

    assert cancelling.status == "cancelling" and cancelling.cancelling_at is not None
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"] is not None
    assert cancelled["output_file_id"] is None
    failures = records(client, cancelled["error_file_id"])
    assert [(r["custom_id"], r["response"], r["error"]["code"]) for r in failures] == [
        ("q1", None, "batch_cancelled"),
        ("q2", None, "batch_cancelled"),
        ("q3", None, "batch_cancelled"),
    ]
    assert "'cancelled'" in again.value.message
    assert fake_openai.chat.calls == []


async def test_async_cancel_finishes_on_retrieve(fake_openai: FakeOpenAI) -> None:
    file_id = upload(QUESTIONS)
    client = openai.AsyncOpenAI()
    batch = await client.batches.create(input_file_id=file_id, endpoint=CHAT, completion_window="24h")

    cancelling = await client.batches.cancel(batch.id)
    cancelled = await client.batches.retrieve(batch.id)

    assert (cancelling.status, cancelled.status) == ("cancelling", "cancelled")
    assert cancelled.request_counts is not None and cancelled.request_counts.completed == 0


def test_expire_writes_unfinished_requests_to_the_error_file(fake_openai: FakeOpenAI) -> None:
    fake_openai.batches.manual()
    client = openai.OpenAI()
    batch = client.batches.create(input_file_id=upload(QUESTIONS), endpoint=CHAT, completion_window="24h")
    fake_openai.batches.advance(batch.id)

    expired = fake_openai.batches.expire(batch.id)

    assert expired["status"] == "expired" and expired["expired_at"] is not None
    failures = records(client, expired["error_file_id"])
    assert {r["error"]["code"] for r in failures} == {"batch_expired"}
    assert failures[0]["error"]["message"] == (
        "This request could not be executed before the completion window expired."
    )


@pytest.mark.fakeopenai(teardown_check=False)
def test_create_refuses_what_the_api_refuses(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    other = client.files.create(file=("a.txt", b"x"), purpose="user_data").id
    good = upload(QUESTIONS)

    with pytest.raises(openai.NotFoundError) as missing:
        client.batches.create(input_file_id="file-missing", endpoint=CHAT, completion_window="24h")
    with pytest.raises(openai.BadRequestError) as purpose:
        client.batches.create(input_file_id=other, endpoint=CHAT, completion_window="24h")
    with pytest.raises(openai.BadRequestError) as window:
        client.batches.create(input_file_id=good, endpoint=CHAT, completion_window="48h")  # type: ignore[arg-type]
    with pytest.raises(openai.BadRequestError) as endpoint:
        client.batches.create(input_file_id=good, endpoint="/v1/assistants", completion_window="24h")  # type: ignore[arg-type]

    assert api_message(missing.value).endswith("No such File object: file-missing")
    assert missing.value.param == "input_file_id"
    assert purpose.value.param == "input_file_id" and "'user_data'" in purpose.value.message
    assert window.value.param == "completion_window"
    assert endpoint.value.param == "endpoint"
    assert list(client.batches.list()) == []


def test_unknown_batch_ids_answer_404(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    for action in (client.batches.retrieve, client.batches.cancel):
        with pytest.raises(openai.NotFoundError) as caught:
            action("batch_nope")
        assert api_message(caught.value).endswith("No batch found with id 'batch_nope'.")
    with pytest.raises(ConfigurationError, match="batch_nope"):
        fake_openai.batches.run("batch_nope")


def test_list_walks_every_page(fake_openai: FakeOpenAI) -> None:
    fake_openai.batches.manual()
    file_id = upload(QUESTIONS)
    client = openai.OpenAI()
    ids = [client.batches.create(input_file_id=file_id, endpoint=CHAT, completion_window="24h").id for _ in range(5)]

    first = client.batches.list(limit=2)
    walked = [batch.id for batch in client.batches.list(limit=2)]

    assert first.has_more is True and len(first.data) == 2
    assert walked == list(reversed(ids))
    assert fake_openai.batches.get(ids[0]) is not None and fake_openai.batches.get("batch_x") is None


async def test_async_list_walks_every_page(fake_openai: FakeOpenAI) -> None:
    fake_openai.batches.manual()
    file_id = upload(QUESTIONS)
    client = openai.AsyncOpenAI()
    ids = [
        (await client.batches.create(input_file_id=file_id, endpoint=CHAT, completion_window="24h")).id
        for _ in range(4)
    ]

    walked = [batch.id async for batch in client.batches.list(limit=3)]

    assert walked == list(reversed(ids))


def test_scripted_error_on_batches_api(fake_openai: FakeOpenAI) -> None:
    fake_openai.batches.respond_with_error(500)
    client = openai.OpenAI(max_retries=0)

    with pytest.raises(openai.InternalServerError):
        client.batches.create(input_file_id=upload(QUESTIONS), endpoint=CHAT, completion_window="24h")

    assert list(client.batches.list()) == []
