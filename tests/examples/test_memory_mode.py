"""The no-socket mode: the same fake, reached in-process."""

import asyncio

import httpx

from fakeopenai import MEMORY_BASE_URL, FakeOpenAI


# --8<-- [start:sdk]
def test_sdk_clients_without_a_socket(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Straight from memory.")
    client = fake_openai.client(memory=True)  # an openai.OpenAI; no socket opened

    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])

    assert reply.choices[0].message.content == "Straight from memory."
    fake_openai.chat.calls.assert_called_once()  # validated and logged as usual


def test_async_streaming_without_a_socket(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("one two three")

    async def collect() -> str:
        client = fake_openai.async_client(memory=True)
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Count"}], stream=True
        )
        return "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])

    assert asyncio.run(collect()) == "one two three"


# --8<-- [end:sdk]


# --8<-- [start:httpx]
def test_any_httpx_client(fake_openai: FakeOpenAI) -> None:
    sync_transport, _async_transport = fake_openai.transports()  # for httpx; pass httpx2 for the SDK's own
    with httpx.Client(transport=sync_transport, base_url=MEMORY_BASE_URL) as http:
        answer = http.get("/models", headers={"Authorization": "Bearer any"})
    assert answer.status_code == 200
    assert answer.json()["object"] == "list"


# --8<-- [end:httpx]
