"""fakeopenai's cassettes are vcrpy's: vcrpy reads what fakeopenai writes, and fakeopenai replays what vcrpy recorded."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
import vcr  # type: ignore[import-untyped]
from vcr.cassette import Cassette as VcrCassette  # type: ignore[import-untyped]

from fakeopenai import FakeOpenAI

HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture
def upstream() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server
        server.reset()


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def test_vcrpy_loads_and_replays_a_cassette_fakeopenai_wrote(
    tmp_path: Path, upstream: FakeOpenAI, fake: FakeOpenAI
) -> None:
    upstream.chat.respond_with_message("Recorded by fakeopenai.", always=True)
    path = tmp_path / "ours.yaml"
    with fake.use_cassette(path, record_mode="once", upstream=upstream.base_url, upstream_api_key="key-0001"):
        client = fake.client(max_retries=0)
        client.chat.completions.create(model="gpt-4o", messages=HELLO)
        streamed = httpx.post(
            fake.base_url + "/chat/completions",
            headers={"Authorization": "Bearer x"},
            json={"model": "gpt-4o", "messages": HELLO, "stream": True},
        ).content

    loaded = VcrCassette.load(path=str(path), record_mode="none")
    assert len(loaded) == 2
    first_request, second_request = loaded.requests
    assert first_request.method == "POST"
    assert first_request.uri == upstream.base_url + "/chat/completions"
    assert json.loads(first_request.body) == {"model": "gpt-4o", "messages": HELLO}
    assert json.loads(second_request.body)["stream"] is True
    first_response, second_response = loaded.responses
    assert json.loads(first_response["body"]["string"])["choices"][0]["message"]["content"] == "Recorded by fakeopenai."
    assert second_response["body"]["string"] == streamed

    with vcr.use_cassette(str(path), record_mode="none", match_on=["method", "uri"]):
        replayed = httpx.post(upstream.base_url + "/chat/completions", json={"model": "gpt-4o", "messages": HELLO})
        replayed_stream = httpx.post(upstream.base_url + "/chat/completions", json={"stream": True})
    assert replayed.json()["choices"][0]["message"]["content"] == "Recorded by fakeopenai."
    assert replayed_stream.content == streamed
    fake.reset()


def test_a_client_side_vcrpy_recording_replays_through_the_fake(
    tmp_path: Path, upstream: FakeOpenAI, fake: FakeOpenAI
) -> None:
    upstream.chat.respond_with_message("Recorded on the client side.", always=True)
    path = tmp_path / "client_side.yaml"
    recorder = openai.OpenAI(base_url=upstream.base_url, api_key="sk-client-side-key-000000000000000000", max_retries=0)
    with vcr.use_cassette(str(path), record_mode="all"):
        recorded = recorder.chat.completions.create(model="gpt-4o", messages=HELLO)
        recorded_chunks = [
            c.model_dump() for c in recorder.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
        ]
    text = path.read_text().replace(upstream.url, "https://api.openai.com")
    assert "authorization" in text.lower() and "api.openai.com/v1/chat/completions" in text
    path.write_text(text)
    upstream_calls = upstream.calls.call_count

    client = fake.client(max_retries=0)
    with fake.use_cassette(path):
        replayed = client.chat.completions.create(model="gpt-4o", messages=HELLO)
        replayed_chunks = [
            c.model_dump() for c in client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
        ]
    assert replayed.model_dump() == recorded.model_dump()
    assert replayed_chunks == recorded_chunks
    assert upstream.calls.call_count == upstream_calls
    assert fake.report() is None

    with fake.use_cassette(path, record_mode="new_episodes", upstream=upstream.base_url, upstream_api_key="key-0001"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "one more"}])
    rewritten = path.read_text()
    assert "authorization" not in rewritten.lower() and "sk-client-side-key" not in rewritten
    assert rewritten.count("- request:") == 3


def test_gzip_bodies_and_the_old_httpx_format_replay_decompressed(tmp_path: Path, fake: FakeOpenAI) -> None:
    answer = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "From a gzip body."},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
    }
    packed = base64.b64encode(gzip.compress(json.dumps(answer).encode())).decode()
    path = tmp_path / "recorded_by_pytest_recording.yaml"
    path.write_text(
        f"""interactions:
- request:
    body: '{{"messages":[{{"role":"user","content":"Hello"}}],"model":"gpt-4o"}}'
    headers:
      Authorization:
      - Bearer sk-real-key-that-was-never-filtered-000000
      Content-Type:
      - application/json
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    body:
      string: !!binary |
        {packed}
    headers:
      Content-Encoding:
      - gzip
      Content-Type:
      - application/json
    status:
      code: 200
      message: OK
- request:
    body: '{{"messages":[{{"role":"user","content":"Again"}}],"model":"gpt-4o"}}'
    headers: {{}}
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    content: '{{"id": "chatcmpl-2", "object": "chat.completion", "created": 1, "model": "gpt-4o", "choices": [{{"index": 0, "message": {{"role": "assistant", "content": "Old httpx format."}}, "finish_reason": "stop"}}]}}'
    headers:
      content-type:
      - application/json
    http_version: HTTP/1.1
    status_code: 200
version: 1
"""
    )
    client = fake.client(max_retries=0)
    with fake.use_cassette(path):
        first = client.chat.completions.create(model="gpt-4o", messages=HELLO)
        second = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Again"}])
    assert first.choices[0].message.content == "From a gzip body."
    assert second.choices[0].message.content == "Old httpx format."
    assert fake.report() is None
