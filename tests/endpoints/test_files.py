"""Files and Uploads through the official SDK, sync and async: a store per server that behaves as the API's."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import openai
import pytest
from openai.types import FileObject
from openai.types.upload import Upload
from sdk_shapes import api_message

from fakeopenai import FakeOpenAI

ALL_BYTES = bytes(range(256)) * 3
EXAMPLE = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
SAMPLES = {
    "assistants": ("notes.md", b"# Notes\n"),
    "batch": ("requests.jsonl", b'{"custom_id": "a"}\n'),
    "fine-tune": ("train.jsonl", (json.dumps(EXAMPLE) + "\n").encode()),
    "vision": ("cat.png", b"\x89PNG\r\n\x1a\n"),
    "user_data": ("data.bin", ALL_BYTES),
    "evals": ("items.jsonl", b'{"item": {"q": "1+1"}}\n'),
}


def strict_file(body: dict[str, Any]) -> FileObject:
    """The SDK's own model accepts the raw JSON, with no field the SDK does not know."""
    parsed = FileObject.model_validate(body, strict=True)
    assert parsed.model_extra in (None, {})
    return parsed


def error_of(call_response: Any) -> dict[str, Any]:
    assert set(call_response) == {"error"}
    assert set(call_response["error"]) == {"message", "type", "param", "code"}
    return call_response["error"]  # type: ignore[no-any-return]


def test_upload_retrieve_download_round_trip(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()

    uploaded = client.files.create(file=("data.bin", ALL_BYTES), purpose="user_data")

    assert uploaded.id.startswith("file-") and len(uploaded.id) > 20
    assert (uploaded.object, uploaded.bytes, uploaded.filename) == ("file", len(ALL_BYTES), "data.bin")
    assert uploaded.purpose == "user_data" and uploaded.status == "processed" and uploaded.expires_at is None
    strict_file(fake_openai.files.calls.last.response)
    assert client.files.retrieve(uploaded.id) == uploaded
    assert client.files.content(uploaded.id).content == ALL_BYTES
    assert fake_openai.files.content(uploaded.id) == ALL_BYTES


async def test_async_round_trip_and_delete(fake_openai: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI()
    uploaded = await client.files.create(file=("notes.txt", b"line one\nline two\n"), purpose="user_data")

    downloaded = await client.files.content(uploaded.id)
    deleted = await client.files.delete(uploaded.id)

    assert downloaded.content == b"line one\nline two\n"
    assert (deleted.id, deleted.deleted, deleted.object) == (uploaded.id, True, "file")
    with pytest.raises(openai.NotFoundError):
        await client.files.retrieve(uploaded.id)
    assert fake_openai.files.all() == []


@pytest.mark.parametrize("purpose", sorted(SAMPLES))
def test_every_purpose_is_accepted(fake_openai: FakeOpenAI, purpose: str) -> None:
    filename, content = SAMPLES[purpose]

    uploaded = openai.OpenAI().files.create(file=(filename, content), purpose=purpose)  # type: ignore[arg-type]

    raw = fake_openai.files.calls.last.response
    assert raw["purpose"] == purpose and raw["bytes"] == len(content)
    if purpose != "evals":  # the SDK's FileObject does not list `evals` among its purposes yet
        strict_file(raw)
    assert [f["id"] for f in fake_openai.files.all(purpose=purpose)] == [uploaded.id]


def test_batch_files_expire_after_30_days_unless_told(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    batch = client.files.create(file=("in.jsonl", b"{}\n"), purpose="batch")
    short = client.files.create(
        file=("in.jsonl", b"{}\n"), purpose="batch", expires_after={"anchor": "created_at", "seconds": 3600}
    )
    kept = client.files.create(file=("a.txt", b"x"), purpose="user_data")

    assert batch.expires_at == batch.created_at + 30 * 24 * 3600
    assert short.expires_at == short.created_at + 3600
    assert kept.expires_at is None


def test_list_filters_by_purpose_and_orders(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    ids = [client.files.create(file=(f"f{i}.txt", b"x"), purpose="user_data").id for i in range(3)]
    other = client.files.create(file=("t.jsonl", b"{}\n"), purpose="batch").id

    newest_first = [f.id for f in client.files.list()]
    oldest_first = [f.id for f in client.files.list(order="asc")]
    only_batch = [f.id for f in client.files.list(purpose="batch")]

    assert newest_first == [other, *reversed(ids)]
    assert oldest_first == [*ids, other]
    assert only_batch == [other]


def test_auto_pagination_walks_every_page(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    ids = [client.files.create(file=(f"f{i}.txt", b"x"), purpose="user_data").id for i in range(7)]

    first = client.files.list(limit=3, order="asc")
    walked = [f.id for f in client.files.list(limit=3, order="asc")]

    assert [f.id for f in first.data] == ids[:3] and first.has_more is True
    assert walked == ids
    pages = [call.query for call in fake_openai.files.calls if call.operation == "files.list"][1:]
    assert [page.get("after") for page in pages] == [None, ids[2], ids[5]]


async def test_async_auto_pagination(fake_openai: FakeOpenAI) -> None:
    for i in range(5):
        fake_openai.files.add(f"file {i}", filename=f"f{i}.txt")
    client = openai.AsyncOpenAI()

    walked = [f.filename async for f in client.files.list(limit=2)]

    assert walked == [f"f{i}.txt" for i in reversed(range(5))]


def test_seeded_file_exists_for_the_code_under_test(fake_openai: FakeOpenAI) -> None:
    seeded = fake_openai.files.add([EXAMPLE] * 2, purpose="fine-tune", id="file-abc123")

    found = openai.OpenAI().files.retrieve("file-abc123")

    assert found.id == seeded["id"] == "file-abc123"
    assert (found.purpose, found.filename) == ("fine-tune", "data.jsonl")
    assert openai.OpenAI().files.content("file-abc123").text.splitlines() == [json.dumps(EXAMPLE)] * 2
    assert fake_openai.files.get("file-abc123") == found.model_dump()
    assert fake_openai.files.get("file-nope") is None


def test_unknown_ids_answer_the_real_404(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    for action in (client.files.retrieve, client.files.delete, client.files.content):
        with pytest.raises(openai.NotFoundError) as caught:
            action("file-missing")
        assert caught.value.body == {
            "message": "No such File object: file-missing",
            "type": "invalid_request_error",
            "param": "id",
            "code": None,
        }


def test_assistants_files_cannot_be_downloaded(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    uploaded = client.files.create(file=("notes.md", b"# Notes"), purpose="assistants")

    with pytest.raises(openai.BadRequestError) as caught:
        client.files.content(uploaded.id)

    assert api_message(caught.value).endswith("Not allowed to download files of purpose: assistants.")


@pytest.mark.fakeopenai(teardown_check=False)
@pytest.mark.parametrize(
    ("purpose", "filename", "content", "message"),
    [
        ("batch", "requests.txt", b"{}\n", "Invalid file format for Batch API. Must be .jsonl"),
        ("fine-tune", "train.csv", b"{}\n", "Invalid file format for Fine-Tuning API. Must be .jsonl"),
        (
            "fine-tune",
            "train.jsonl",
            b'{"messages": []}\n["not", "a", "dict"]\n',
            "Expected file to have JSONL format, where every line is a JSON dictionary. "
            'Line 2 is not a dictionary (HINT: line starts with: "["n...").',
        ),
    ],
)
def test_files_the_api_refuses(
    fake_openai: FakeOpenAI, purpose: str, filename: str, content: bytes, message: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().files.create(file=(filename, content), purpose=purpose)  # type: ignore[arg-type]

    assert error_of(fake_openai.files.calls.last.response)["message"] == message
    assert caught.value.status_code == 400
    assert fake_openai.files.calls.last.problems[0].message == message
    assert fake_openai.files.all() == []


@pytest.mark.fakeopenai(teardown_check=False)
def test_missing_file_part_and_unknown_purpose_are_refused(fake_openai: FakeOpenAI) -> None:
    auth = {"Authorization": f"Bearer {fake_openai.api_key}"}
    no_file = httpx.post(
        fake_openai.base_url + "/files", data={"purpose": "batch"}, files={"x": ("a", b"")}, headers=auth
    )
    bad_purpose = httpx.post(
        fake_openai.base_url + "/files", data={"purpose": "memes"}, files={"file": ("a.txt", b"x")}, headers=auth
    )

    assert no_file.status_code == 400 and "file" in no_file.json()["error"]["message"]
    assert bad_purpose.status_code == 400 and bad_purpose.json()["error"]["param"] == "purpose"


def test_bad_list_limit_is_refused(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().files.list(limit=0)
    assert caught.value.code == "integer_below_min_value"


def test_scripted_error_on_the_files_api(fake_openai: FakeOpenAI) -> None:
    fake_openai.files.respond_with_error(503)

    with pytest.raises(openai.InternalServerError):
        openai.OpenAI(max_retries=0).files.create(file=("a.txt", b"x"), purpose="user_data")

    assert fake_openai.files.all() == []


def test_reset_forgets_files_and_restarts_ids(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    first = client.files.create(file=("a.txt", b"x"), purpose="user_data")

    fake_openai.reset()

    assert list(client.files.list()) == []
    again = client.files.create(file=("a.txt", b"x"), purpose="user_data")
    assert again.id == first.id, "ids are reproducible after a reset"


def test_state_never_leaks_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import openai

        def test_first_uploads(fake_openai):
            openai.OpenAI().files.create(file=("a.txt", b"x"), purpose="user_data")
            assert len(list(openai.OpenAI().files.list())) == 1

        def test_second_sees_nothing(fake_openai):
            assert list(openai.OpenAI().files.list()) == []
            assert list(openai.OpenAI().batches.list()) == []
            assert list(openai.OpenAI().fine_tuning.jobs.list()) == []
        """
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_chunked_upload_round_trip(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()

    upload = client.uploads.upload_file_chunked(
        file=ALL_BYTES, filename="big.bin", bytes=len(ALL_BYTES), mime_type="application/octet-stream",
        purpose="assistants", part_size=100, md5=hashlib.md5(ALL_BYTES).hexdigest(),
    )  # fmt: skip

    assert upload.status == "completed" and upload.file is not None
    assert upload.file.bytes == len(ALL_BYTES) and upload.file.purpose == "assistants"
    assert fake_openai.files.content(upload.file.id) == ALL_BYTES
    parts = [c for c in fake_openai.files.calls if c.operation == "uploads.parts.create"]
    assert len(parts) == 8
    completed = fake_openai.files.calls.last.response
    Upload.model_validate(completed, strict=True)
    strict_file(completed["file"])


async def test_async_upload_parts_join_in_the_order_given(fake_openai: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI()
    upload = await client.uploads.create(bytes=12, filename="t.jsonl", mime_type="text/jsonl", purpose="batch")
    assert (upload.status, upload.file, upload.expires_at) == ("pending", None, upload.created_at + 3600)
    first = await client.uploads.parts.create(upload.id, data=b"world\n")
    second = await client.uploads.parts.create(upload.id, data=b"hello\n")

    done = await client.uploads.complete(upload.id, part_ids=[second.id, first.id])

    assert first.object == "upload.part" and first.upload_id == upload.id and first.id.startswith("part_")
    assert done.file is not None and done.file.expires_at == done.file.created_at + 30 * 24 * 3600
    assert (await client.files.content(done.file.id)).content == b"hello\nworld\n"


def test_upload_errors(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    upload = client.uploads.create(bytes=5, filename="a.txt", mime_type="text/plain", purpose="user_data")
    part = client.uploads.parts.create(upload.id, data=b"abc")

    with pytest.raises(openai.BadRequestError) as wrong_size:
        client.uploads.complete(upload.id, part_ids=[part.id])
    with pytest.raises(openai.BadRequestError) as wrong_part:
        client.uploads.complete(upload.id, part_ids=["part_nope"])
    cancelled = client.uploads.cancel(upload.id)
    with pytest.raises(openai.BadRequestError) as after_cancel:
        client.uploads.parts.create(upload.id, data=b"de")
    with pytest.raises(openai.NotFoundError):
        client.uploads.cancel("upload_nope")

    assert "(3)" in wrong_size.value.message and "(5)" in wrong_size.value.message
    assert wrong_part.value.param == "part_ids"
    assert cancelled.status == "cancelled"
    assert "cancelled" in after_cancel.value.message
    assert fake_openai.files.all() == []


def test_completed_upload_gets_the_same_checks_as_a_file(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    upload = client.uploads.create(bytes=4, filename="train.txt", mime_type="text/plain", purpose="fine-tune")
    part = client.uploads.parts.create(upload.id, data=b"{}\n\n")

    with pytest.raises(openai.BadRequestError) as caught:
        client.uploads.complete(upload.id, part_ids=[part.id])

    assert api_message(caught.value).endswith("Invalid file format for Fine-Tuning API. Must be .jsonl")
