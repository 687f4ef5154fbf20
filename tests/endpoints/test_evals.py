"""Evals through the official SDK, sync and async: evals CRUD, runs that really grade, output items, lifecycle."""

from __future__ import annotations

import json
import re
from typing import Any

import openai
import pytest
from openai.types import EvalCreateResponse
from openai.types.evals import RunCreateResponse
from openai.types.evals.runs import OutputItemListResponse

from fakeopenai import FakeOpenAI
from fakeopenai._errors import ConfigurationError
from fakeopenai.endpoints._evals_similarity import METRICS

# openai 3.63 deprecates the Evals API (its shutdown was set for 2026-11-30); the fake still serves code that calls it.
pytestmark = pytest.mark.filterwarnings("ignore:The Evals API is deprecated:DeprecationWarning")

ITEM_SCHEMA = {
    "type": "object",
    "properties": {"question": {"type": "string"}, "answer": {"type": "string"}},
    "required": ["question", "answer"],
}
CUSTOM = {"type": "custom", "item_schema": ITEM_SCHEMA, "include_sample_schema": True}
EXACT = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "operation": "eq",
}
CLOSE = {
    "type": "text_similarity",
    "name": "close",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "evaluation_metric": "fuzzy_match",
    "pass_threshold": 0.8,
}
TONE = {
    "type": "label_model",
    "name": "tone",
    "model": "gpt-4o-mini",
    "input": [{"role": "user", "content": "Is this polite? {{sample.output_text}}"}],
    "labels": ["polite", "rude"],
    "passing_labels": ["polite"],
}
QUALITY = {
    "type": "score_model",
    "name": "quality",
    "model": "gpt-4o-mini",
    "input": [{"role": "user", "content": "Rate: {{sample.output_text}}"}],
    "range": [0, 10],
    "pass_threshold": 7,
}
LENGTH = {
    "type": "python",
    "name": "short",
    "source": "def grade(sample, item):\n    return 1.0 if len(sample['output_text']) < 10 else 0.0\n",
    "pass_threshold": 1.0,
}
ROWS = [
    {"item": {"question": "Capital of France?", "answer": "Paris"}},
    {"item": {"question": "Capital of Italy?", "answer": "Rome"}},
]


def completions(rows: list[dict[str, Any]] = ROWS, **extra: Any) -> dict[str, Any]:
    return {
        "type": "completions",
        "model": "gpt-4o",
        "input_messages": {"type": "template", "template": [{"role": "user", "content": "{{item.question}}"}]},
        "source": {"type": "file_content", "content": rows},
        **extra,
    }


def raw(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.http_response.json()
    return body


def test_eval_crud_with_every_config_and_grader(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    made = client.evals.create(
        name="Capitals",
        data_source_config=CUSTOM,  # type: ignore[arg-type]
        testing_criteria=[EXACT, CLOSE, TONE, QUALITY, LENGTH],  # type: ignore[list-item]
        metadata={"suite": "geo"},
    )
    assert made.id.startswith("eval_") and len(made.id) == 37 and made.object == "eval"
    assert [c.type for c in made.testing_criteria] == [
        "string_check",
        "text_similarity",
        "label_model",
        "score_model",
        "python",
    ]
    schema = made.data_source_config.schema_
    assert schema["properties"]["item"] == ITEM_SCHEMA and schema["required"] == ["item", "sample"]
    body = raw(client.evals.with_raw_response.retrieve(made.id))
    assert EvalCreateResponse.model_validate(body).model_extra == {}

    for config in ({"type": "logs", "metadata": {"env": "prod"}}, {"type": "stored_completions"}):
        other = client.evals.create(data_source_config=config, testing_criteria=[EXACT])  # type: ignore[arg-type, list-item]
        assert other.data_source_config.type == config["type"]
        assert set(other.data_source_config.schema_["required"]) == {"item", "sample"}

    renamed = client.evals.update(made.id, name="Capitals v2", metadata={"suite": "geo2"})
    assert (renamed.name, renamed.metadata) == ("Capitals v2", {"suite": "geo2"})
    assert next(e.id for e in client.evals.list(limit=1)) == made.id  # oldest first, auto-paginated
    assert [e.name for e in client.evals.list(order_by="updated_at", order="desc", limit=1).data] == ["Capitals v2"]
    deleted = client.evals.delete(made.id)
    assert (deleted.object, deleted.deleted, deleted.eval_id) == ("eval.deleted", True, made.id)
    with pytest.raises(openai.NotFoundError, match=f"No eval found with id '{made.id}'."):
        client.evals.retrieve(made.id)


def test_a_run_samples_the_model_and_grades_for_real(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    made = client.evals.create(data_source_config=CUSTOM, testing_criteria=[EXACT, CLOSE, TONE, QUALITY, LENGTH])  # type: ignore[arg-type, list-item]
    # per item: the sample (gpt-4o), then the model graders in order (gpt-4o-mini)
    fake_openai.chat.respond_with_message("Paris", model="gpt-4o")
    fake_openai.chat.respond_with_json({"label": "polite"}, model="gpt-4o-mini")
    fake_openai.chat.respond_with_json({"score": 9}, model="gpt-4o-mini")
    fake_openai.chat.respond_with_message("Milan, probably", model="gpt-4o")
    fake_openai.chat.respond_with_json({"label": "rude"}, model="gpt-4o-mini")
    fake_openai.chat.respond_with_json({"score": 3}, model="gpt-4o-mini")

    created = client.evals.runs.create(made.id, name="baseline", data_source=completions())  # type: ignore[arg-type]
    assert created.status == "queued" and created.result_counts.total == 0
    assert created.report_url == f"https://platform.openai.com/evaluations/{made.id}?run_id={created.id}"
    run = client.evals.runs.retrieve(created.id, eval_id=made.id)
    assert run.status == "completed" and run.name == "baseline" and run.model == "gpt-4o"
    assert (run.result_counts.total, run.result_counts.passed, run.result_counts.failed) == (2, 1, 1)
    per = {r.testing_criteria: (r.passed, r.failed) for r in run.per_testing_criteria_results}
    assert per == {"exact": (1, 1), "close": (1, 1), "tone": (1, 1), "quality": (1, 1), "short": (1, 1)}
    usage = {u.run_model_name: u.invocation_count for u in run.per_model_usage}
    assert usage == {"gpt-4o": 2, "gpt-4o-mini": 4}
    body = raw(client.evals.runs.with_raw_response.retrieve(created.id, eval_id=made.id))
    assert RunCreateResponse.model_validate(body | {"error": {"code": "", "message": ""}}).model_extra == {}
    assert body["error"] is None  # the API sends null although the SDK's type wants an object

    first, second = client.evals.runs.output_items.list(run.id, eval_id=made.id)
    assert (first.status, first.datasource_item_id, first.datasource_item) == ("pass", 0, ROWS[0]["item"])
    assert first.sample.output[0].content == "Paris" and first.sample.input[0].content == "Capital of France?"
    scores = {r.name: r.score for r in second.results}
    assert scores["exact"] == 0.0 and scores["quality"] == 3.0 and scores["short"] == 0.0
    assert 0 < scores["close"] < 0.8
    assert [r.type for r in first.results][:2] == ["string-check-grader", "text-similarity-grader"]
    item_body = raw(
        client.evals.runs.output_items.with_raw_response.retrieve(second.id, eval_id=made.id, run_id=run.id)
    )
    assert item_body["sample"]["error"] is None  # null when the sample worked, although the SDK's type wants an object
    item_body["sample"]["error"] = {"code": "", "message": ""}
    assert OutputItemListResponse.model_validate(item_body).model_extra == {}
    failing = client.evals.runs.output_items.list(run.id, eval_id=made.id, status="fail").data
    assert [i.id for i in failing] == [second.id]
    grader_call = fake_openai.chat.calls[1].request
    assert grader_call.last_user_message == "Is this polite? Paris" and grader_call.response_format is not None


def test_jsonl_runs_grade_the_samples_they_carry(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    made = client.evals.create(
        data_source_config=CUSTOM,  # type: ignore[arg-type]
        testing_criteria=[{**EXACT, "operation": "ilike"}],  # type: ignore[list-item]
    )
    rows = [
        {"item": {"question": "q1", "answer": "paris"}, "sample": {"output_text": "It is PARIS."}},
        {"item": {"question": "q2", "answer": "rome"}, "sample": {"output_text": "Milan"}},
        {"item": {"question": "q3", "answer": "oslo"}, "sample": {"output_text": "Oslo"}},
    ]
    run = client.evals.runs.create(
        made.id, data_source={"type": "jsonl", "source": {"type": "file_content", "content": rows}}
    )
    done = client.evals.runs.retrieve(run.id, eval_id=made.id)
    assert (done.result_counts.passed, done.result_counts.failed) == (2, 1)
    items = list(client.evals.runs.output_items.list(run.id, eval_id=made.id, limit=1))
    assert [i.status for i in items] == ["pass", "fail", "pass"]
    assert not fake_openai.chat.calls  # nothing to sample


def test_runs_read_a_stored_file(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    made = client.evals.create(data_source_config=CUSTOM, testing_criteria=[EXACT])  # type: ignore[arg-type, list-item]
    data = "".join(json.dumps(row) + "\n" for row in ROWS).encode()
    file_id = client.files.create(file=("capitals.jsonl", data), purpose="evals").id
    fake_openai.chat.respond_with_message("Paris")
    fake_openai.chat.respond_with_message("Rome")
    run = client.evals.runs.create(
        made.id,
        data_source=completions(source={"type": "file_id", "id": file_id}),  # type: ignore[arg-type]
    )
    assert client.evals.runs.retrieve(run.id, eval_id=made.id).result_counts.passed == 2
    with pytest.raises(openai.NotFoundError) as caught:
        client.evals.runs.create(made.id, data_source=completions(source={"type": "file_id", "id": "file-nope"}))  # type: ignore[arg-type]
    assert caught.value.body["message"] == "No file found with id 'file-nope'."


def test_a_failed_sample_counts_as_errored(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    made = client.evals.create(data_source_config=CUSTOM, testing_criteria=[EXACT])  # type: ignore[arg-type, list-item]
    fake_openai.chat.respond_with_error(429, "Slow down.", headers={"Retry-After": "0"})
    fake_openai.chat.respond_with_message("Rome")
    run = client.evals.runs.create(made.id, data_source=completions())  # type: ignore[arg-type]
    done = client.evals.runs.retrieve(run.id, eval_id=made.id)
    counts = done.result_counts
    assert (counts.total, counts.errored, counts.passed, counts.failed) == (2, 1, 1, 0)
    errored = client.evals.runs.output_items.list(run.id, eval_id=made.id).data[0]
    assert errored.status == "fail" and errored.results == []
    assert (errored.sample.error.code, errored.sample.error.message) == ("rate_limit_exceeded", "Slow down.")


def test_hold_advance_cancel_delete(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    made = client.evals.create(data_source_config=CUSTOM, testing_criteria=[EXACT])  # type: ignore[arg-type, list-item]
    fake_openai.evals.hold()
    first = client.evals.runs.create(made.id, data_source=completions())  # type: ignore[arg-type]
    second = client.evals.runs.create(made.id, data_source=completions())  # type: ignore[arg-type]
    assert client.evals.runs.retrieve(first.id, eval_id=made.id).status == "queued"
    assert fake_openai.evals.advance(first.id)["status"] == "in_progress"
    assert fake_openai.evals.advance(first.id)["status"] == "completed"
    assert [r.id for r in client.evals.runs.list(made.id, status="queued")] == [second.id]

    canceled = client.evals.runs.cancel(second.id, eval_id=made.id)
    assert canceled.status == "canceled"
    with pytest.raises(openai.BadRequestError, match=re.escape("Cannot cancel run with status 'canceled'.")):
        client.evals.runs.cancel(second.id, eval_id=made.id)
    third = client.evals.runs.create(made.id, data_source=completions())  # type: ignore[arg-type]
    assert fake_openai.evals.fail(message="Boom.")["error"] == {"code": "server_error", "message": "Boom."}
    assert client.evals.runs.retrieve(third.id, eval_id=made.id).status == "failed"
    fourth = client.evals.runs.create(made.id, data_source=completions())  # type: ignore[arg-type]
    fake_openai.evals.release()
    assert client.evals.runs.retrieve(fourth.id, eval_id=made.id).status == "completed"

    gone = client.evals.runs.delete(first.id, eval_id=made.id)
    assert (gone.object, gone.deleted, gone.run_id) == ("eval.run.deleted", True, first.id)
    with pytest.raises(openai.NotFoundError, match=f"No eval run found with id '{first.id}'."):
        client.evals.runs.output_items.list(first.id, eval_id=made.id)
    assert [r["id"] for r in fake_openai.evals.runs(made.id)] == [second.id, third.id, fourth.id]
    assert len(fake_openai.evals.output_items(fourth.id)) == 2
    with pytest.raises(ConfigurationError, match="No eval run is queued or in progress"):
        fake_openai.evals.advance()


def test_seed_an_eval(fake_openai: FakeOpenAI) -> None:
    fake_openai.evals.add(id="eval_fixed", name="Seeded", data_source_config=CUSTOM, testing_criteria=[EXACT])
    client = openai.OpenAI()
    assert client.evals.retrieve("eval_fixed").name == "Seeded"
    assert [e["id"] for e in fake_openai.evals.all()] == ["eval_fixed"]
    with pytest.raises(ConfigurationError, match="Cannot seed this eval"):
        fake_openai.evals.add(data_source_config={"type": "nope"}, testing_criteria=[])


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_similarity_metrics(metric: str) -> None:
    score = METRICS[metric]
    assert score("the cat sat on the mat", "the cat sat on the mat") == pytest.approx(1.0, abs=0.01)
    assert score("the cat sat on the mat", "dogs bark loudly") < 0.25
    assert 0.0 < score("the cat sat on the mat today", "the cat sat on the mat yesterday") < 1.0


def test_known_similarity_values() -> None:
    assert METRICS["rouge_1"]("a b c d", "a b x y") == pytest.approx(0.5)
    assert METRICS["rouge_l"]("a b c d", "a x b d") == pytest.approx(0.75)
    assert METRICS["cosine"]("a a b", "a b b") == pytest.approx(0.8)
    assert METRICS["gleu"]("a b", "a c") == pytest.approx(1 / 3)
    assert METRICS["fuzzy_match"]("abcd", "abce") == pytest.approx(0.75)


async def test_async_evals(fake_openai: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI()
    made = await client.evals.create(data_source_config=CUSTOM, testing_criteria=[EXACT])  # type: ignore[arg-type, list-item]
    fake_openai.chat.respond_with_message("Paris")
    fake_openai.chat.respond_with_message("Rome")
    run = await client.evals.runs.create(made.id, data_source=completions())  # type: ignore[arg-type]
    done = await client.evals.runs.retrieve(run.id, eval_id=made.id)
    assert done.result_counts.passed == 2
    statuses = [i.status async for i in client.evals.runs.output_items.list(run.id, eval_id=made.id, limit=1)]
    assert statuses == ["pass", "pass"]
    assert [r.id async for r in client.evals.runs.list(made.id)] == [run.id]
    assert (await client.evals.delete(made.id)).deleted is True


def test_responses_data_source(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    made = client.evals.create(data_source_config=CUSTOM, testing_criteria=[EXACT])  # type: ignore[arg-type, list-item]
    fake_openai.respond_with_message("Paris")
    fake_openai.respond_with_message("Rome")
    source = {**completions(), "type": "responses"}
    run = client.evals.runs.create(made.id, data_source=source)  # type: ignore[arg-type]
    assert client.evals.runs.retrieve(run.id, eval_id=made.id).result_counts.passed == 2
    assert len(fake_openai.responses.calls) == 2
