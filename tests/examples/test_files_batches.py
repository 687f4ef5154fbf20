import json
import time

import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:upload]
def archive_report(text: str) -> str:
    """Upload a report; return its file id."""
    uploaded = openai.OpenAI().files.create(file=("report.txt", text.encode()), purpose="user_data")
    return uploaded.id


def test_the_report_is_stored_byte_for_byte(fake_openai: FakeOpenAI) -> None:
    file_id = archive_report("Q3: revenue up 4%.")

    assert fake_openai.files.content(file_id) == b"Q3: revenue up 4%."
    assert fake_openai.files.get(file_id)["filename"] == "report.txt"  # type: ignore[index]
    assert openai.OpenAI().files.content(file_id).text == "Q3: revenue up 4%."


# --8<-- [end:upload]


# --8<-- [start:seed]
def count_examples(file_id: str) -> int:
    """How many examples a stored JSONL file holds."""
    return len(openai.OpenAI().files.content(file_id).text.splitlines())


def test_a_file_that_already_exists(fake_openai: FakeOpenAI) -> None:
    fake_openai.files.add([{"q": "1+1"}, {"q": "2+2"}], purpose="evals", id="file-abc123")

    assert count_examples("file-abc123") == 2


def test_an_unknown_file(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.NotFoundError, match="No such File object: file-nope"):
        count_examples("file-nope")


# --8<-- [end:seed]


# --8<-- [start:batch-code]
def answer_all(questions: dict[str, str]) -> dict[str, str]:
    """Answer many questions with one batch; a question whose request failed gets "(failed)"."""
    client = openai.OpenAI()
    lines = [
        {
            "custom_id": key,
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]},
        }
        for key, question in questions.items()
    ]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    input_file = client.files.create(file=("questions.jsonl", data), purpose="batch")
    batch = client.batches.create(input_file_id=input_file.id, endpoint="/v1/chat/completions", completion_window="24h")
    while batch.status not in ("completed", "failed", "expired", "cancelled"):
        time.sleep(0.01)  # in production: minutes
        batch = client.batches.retrieve(batch.id)
    answers = {key: "(failed)" for key in questions}
    if batch.output_file_id:
        for text in client.files.content(batch.output_file_id).text.splitlines():
            record = json.loads(text)
            answers[record["custom_id"]] = record["response"]["body"]["choices"][0]["message"]["content"]
    return answers


# --8<-- [end:batch-code]


# --8<-- [start:batch-test]
def test_each_line_gets_its_scripted_answer(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Paris", user_message="France")
    fake_openai.chat.respond_with_message("Rome", user_message="Italy")
    fake_openai.chat.respond_with_error(500, user_message="Atlantis")

    answers = answer_all({"fr": "Capital of France?", "it": "Capital of Italy?", "at": "Capital of Atlantis?"})

    assert answers == {"fr": "Paris", "it": "Rome", "at": "(failed)"}
    assert len(fake_openai.chat.calls) == 3  # every line went through the chat endpoint


# --8<-- [end:batch-test]


# --8<-- [start:batch-steps]
def test_a_batch_step_by_step(fake_openai: FakeOpenAI) -> None:
    fake_openai.batches.manual()  # batches wait for the test
    client = openai.OpenAI()
    line = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}}  # fmt: skip
    data = (json.dumps(line) + "\n").encode()
    file_id = client.files.create(file=("in.jsonl", data), purpose="batch").id
    batch = client.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h")

    assert client.batches.retrieve(batch.id).status == "validating"
    assert fake_openai.batches.advance(batch.id)["status"] == "in_progress"
    assert fake_openai.batches.advance(batch.id)["status"] == "finalizing"  # the requests ran
    done = fake_openai.batches.advance(batch.id)

    assert done["status"] == "completed"
    assert done["request_counts"] == {"total": 1, "completed": 1, "failed": 0}


# --8<-- [end:batch-steps]


# --8<-- [start:batch-invalid]
def test_an_invalid_input_file_fails_the_batch(fake_openai: FakeOpenAI) -> None:
    line = {"custom_id": "same", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}}  # fmt: skip
    file_id = fake_openai.files.add([line, line], purpose="batch")["id"]
    client = openai.OpenAI()

    batch = client.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h")
    batch = client.batches.retrieve(batch.id)

    assert batch.status == "failed"
    assert batch.errors is not None and batch.errors.data is not None
    [error] = batch.errors.data
    assert (error.code, error.line) == ("duplicate_custom_id", 2)


# --8<-- [end:batch-invalid]
