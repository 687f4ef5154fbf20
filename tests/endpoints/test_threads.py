"""Threads and messages through the official SDK, sync and async: CRUD, content blocks, attachments, lists."""

from __future__ import annotations

import openai
import pytest
from openai.types.beta import Thread, ThreadDeleted
from openai.types.beta.threads import Message, MessageDeleted

from fakeopenai import FakeOpenAI
from fakeopenai._errors import ConfigurationError

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")  # the SDK deprecates Assistants


def upload(client: openai.OpenAI, text: str = "notes") -> str:
    return client.files.create(file=("notes.txt", text.encode()), purpose="assistants").id


def test_thread_crud(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    thread = client.beta.threads.create(
        messages=[{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi! How can I help?"}],
        metadata={"user": "u1"},
        tool_resources={"code_interpreter": {"file_ids": []}},
    )
    assert thread.id.startswith("thread_") and len(thread.id) == 31
    assert thread.metadata == {"user": "u1"}
    raw = client.beta.threads.with_raw_response.retrieve(thread.id).http_response.json()
    assert Thread.model_validate(raw).model_extra == {}
    assert raw["tool_resources"] == {"code_interpreter": {"file_ids": []}}

    updated = client.beta.threads.update(thread.id, metadata={"user": "u2"})
    assert updated.metadata == {"user": "u2"} and client.beta.threads.retrieve(thread.id).metadata == {"user": "u2"}

    texts = [(m.role, m.content[0].text.value) for m in client.beta.threads.messages.list(thread.id, order="asc")]  # type: ignore[union-attr]
    assert texts == [("user", "Hello"), ("assistant", "Hi! How can I help?")]

    assert client.beta.threads.delete(thread.id) == ThreadDeleted(id=thread.id, object="thread.deleted", deleted=True)
    for call in (
        lambda: client.beta.threads.retrieve(thread.id),
        lambda: client.beta.threads.messages.list(thread.id),
        lambda: client.beta.threads.messages.create(thread.id, role="user", content="again"),
    ):
        with pytest.raises(openai.NotFoundError, match=f"No thread found with id '{thread.id}'."):
            call()


def test_message_content_blocks_and_crud(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    thread = client.beta.threads.create()
    image = upload(client, "png bytes")
    message = client.beta.threads.messages.create(
        thread.id,
        role="user",
        content=[
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_file", "image_file": {"file_id": image, "detail": "low"}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        ],
        metadata={"k": "v"},
    )
    assert message.id.startswith("msg_") and message.thread_id == thread.id
    assert (message.role, message.status, message.run_id, message.assistant_id) == ("user", "completed", None, None)
    assert [block.type for block in message.content] == ["text", "image_file", "image_url"]
    text = message.content[0]
    assert text.type == "text" and text.text.value == "What is in this picture?" and text.text.annotations == []
    raw = client.beta.threads.messages.with_raw_response.retrieve(message.id, thread_id=thread.id).http_response.json()
    assert Message.model_validate(raw).model_extra == {}

    updated = client.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={"k": "w"})
    assert updated.metadata == {"k": "w"}
    gone = client.beta.threads.messages.delete(message.id, thread_id=thread.id)
    assert gone == MessageDeleted(id=message.id, object="thread.message.deleted", deleted=True)
    with pytest.raises(openai.NotFoundError, match=f"No message found with id '{message.id}'."):
        client.beta.threads.messages.retrieve(message.id, thread_id=thread.id)


def test_attachments_must_name_uploaded_files(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    thread = client.beta.threads.create()
    file_id = upload(client)
    message = client.beta.threads.messages.create(
        thread.id,
        role="user",
        content="Summarise the notes.",
        attachments=[{"file_id": file_id, "tools": [{"type": "file_search"}, {"type": "code_interpreter"}]}],
    )
    assert message.attachments is not None
    [attachment] = message.attachments
    assert attachment.file_id == file_id and [t.type for t in attachment.tools or []] == [
        "file_search",
        "code_interpreter",
    ]

    with pytest.raises(openai.NotFoundError) as caught:
        client.beta.threads.messages.create(
            thread.id, role="user", content="x", attachments=[{"file_id": "file-nope", "tools": []}]
        )
    assert caught.value.body["message"] == "No file found with id 'file-nope'."
    assert caught.value.body["param"] == "attachments[0].file_id"
    with pytest.raises(openai.NotFoundError, match="file-gone"):
        client.beta.threads.create(
            messages=[{"role": "user", "content": [{"type": "image_file", "image_file": {"file_id": "file-gone"}}]}]
        )
    assert len(client.beta.threads.messages.list(thread.id).data) == 1


def test_messages_list_pagination_and_run_filter(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    thread = client.beta.threads.create()
    ids = [client.beta.threads.messages.create(thread.id, role="user", content=f"m{i}").id for i in range(5)]

    page = client.beta.threads.messages.list(thread.id, limit=2)
    assert [m.id for m in page.data] == [ids[4], ids[3]] and page.has_more
    assert [m.id for m in client.beta.threads.messages.list(thread.id, limit=2)] == ids[::-1]
    assert [m.id for m in client.beta.threads.messages.list(thread.id, order="asc", before=ids[3]).data] == ids[:3]

    assistant = client.beta.assistants.create(model="gpt-4o")
    fake_openai.runs.respond_with_message("Done.")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    by_run = client.beta.threads.messages.list(thread.id, run_id=run.id).data
    assert [(m.role, m.run_id, m.assistant_id) for m in by_run] == [("assistant", run.id, assistant.id)]
    assert len(client.beta.threads.messages.list(thread.id).data) == 6


def test_no_new_message_while_a_run_is_active(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    fake_openai.runs.hold()
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)

    with pytest.raises(openai.BadRequestError) as caught:
        client.beta.threads.messages.create(thread.id, role="user", content="another")
    assert caught.value.body["message"] == f"Can't add messages to {thread.id} while a run {run.id} is active."

    fake_openai.runs.release()
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "completed"
    assert client.beta.threads.messages.create(thread.id, role="user", content="another").role == "user"


def test_seed_threads_and_read_what_the_code_stored(fake_openai: FakeOpenAI) -> None:
    fake_openai.threads.add([{"role": "user", "content": "Remember: I like tea."}], id="thread_abc123")
    client = openai.OpenAI()
    client.beta.threads.messages.create("thread_abc123", role="user", content="What do I like?")

    assert fake_openai.threads.texts("thread_abc123") == [
        ("user", "Remember: I like tea."),
        ("user", "What do I like?"),
    ]
    made = client.beta.threads.create(metadata={"customer": "42"})
    fake_openai.threads.add_message(made.id, "seeded later", role="assistant")
    assert [t["id"] for t in fake_openai.threads.all()] == ["thread_abc123", made.id]
    stored = fake_openai.threads.get(made.id)
    assert stored is not None and stored["metadata"] == {"customer": "42"}
    assert [m["role"] for m in fake_openai.threads.messages(made.id)] == ["assistant"]
    with pytest.raises(ConfigurationError, match="No thread with id 'thread_nope'"):
        fake_openai.threads.messages("thread_nope")
    with pytest.raises(ConfigurationError, match="file-x"):
        fake_openai.threads.add_message(made.id, "x", attachments=[{"file_id": "file-x", "tools": []}])


async def test_async_threads_and_messages(fake_openai: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI()
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": "one"}])
    await client.beta.threads.messages.create(thread.id, role="user", content="two")
    values = [m.content[0].text.value async for m in client.beta.threads.messages.list(thread.id, limit=1)]  # type: ignore[union-attr]
    assert values == ["two", "one"]
    assert (await client.beta.threads.delete(thread.id)).deleted is True
    with pytest.raises(openai.NotFoundError):
        await client.beta.threads.retrieve(thread.id)
