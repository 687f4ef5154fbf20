"""Deprecated and removed endpoints answer as the real API does today (the SDK has no methods for them)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openai.types import Completion, CreateEmbeddingResponse

from fakeopenai import FakeOpenAI

AUTH = {"Authorization": "Bearer sk-test"}


def call(fake: FakeOpenAI, method: str, path: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, fake.url + path, headers=AUTH, json=body)


@pytest.mark.fakeopenai(teardown_check=False)
@pytest.mark.parametrize(
    ("method", "path", "replacement"),
    [
        ("POST", "/v1/answers", "removed on 2022-12-03"),
        ("POST", "/v1/classifications", "removed on 2022-12-03"),
        ("POST", "/v1/engines/davinci/search", "removed on 2022-12-03"),
        ("POST", "/v1/edits", "shut down on 2024-01-04"),
        ("POST", "/v1/fine-tunes", "use /v1/fine_tuning/jobs"),
        ("GET", "/v1/fine-tunes/ft-abc123/events", "use /v1/fine_tuning/jobs"),
    ],
)
def test_removed_endpoints_are_invalid_urls(fake_openai: FakeOpenAI, method: str, path: str, replacement: str) -> None:
    response = call(fake_openai, method, path, {"question": "What?", "model": "davinci"})

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": f"Invalid URL ({method} {path})",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }
    assert fake_openai.calls.last.unmatched is not None
    assert replacement in (fake_openai.report() or "")


def test_engines_list_every_model_as_an_engine(fake_openai: FakeOpenAI) -> None:
    body = call(fake_openai, "GET", "/v1/engines").json()

    assert body["object"] == "list"
    engines = {engine["id"]: engine for engine in body["data"]}
    assert engines["davinci-002"] == {
        "object": "engine",
        "id": "davinci-002",
        "ready": True,
        "owner": "system",
        "permissions": None,
        "created": None,
    }
    assert "gpt-4o" in engines and "davinci" not in engines


def test_retrieve_engine(fake_openai: FakeOpenAI) -> None:
    found = call(fake_openai, "GET", "/v1/engines/babbage-002")
    retired = call(fake_openai, "GET", "/v1/engines/davinci")

    assert found.json()["id"] == "babbage-002"
    assert retired.status_code == 404
    assert retired.json()["error"]["message"].startswith("The model `davinci` has been deprecated")
    assert retired.json()["error"]["code"] == "model_not_found"


def test_engine_completions_answer_as_completions(fake_openai: FakeOpenAI) -> None:
    response = call(fake_openai, "POST", "/v1/engines/gpt-3.5-turbo-instruct/completions", {"prompt": "Hi", "n": 2})

    completion = Completion.model_validate(response.json())
    assert completion.model == "gpt-3.5-turbo-instruct"
    assert len(completion.choices) == 2
    assert fake_openai.calls.last.operation == "engines.completions.create"


def test_engine_completions_use_completion_scripts(fake_openai: FakeOpenAI) -> None:
    fake_openai.completions.respond_with_message(" scripted", model="davinci-002")
    response = call(fake_openai, "POST", "/v1/engines/davinci-002/completions", {"prompt": "Hi"})
    assert response.json()["choices"][0]["text"] == " scripted"


@pytest.mark.parametrize(
    ("engine", "message"),
    [
        ("text-davinci-003", "The model `text-davinci-003` has been deprecated"),
        ("gpt-4o", "This is a chat model and not supported in the v1/completions endpoint."),
    ],
)
def test_engine_completions_with_models_that_cannot_complete(
    fake_openai: FakeOpenAI, engine: str, message: str
) -> None:
    response = call(fake_openai, "POST", f"/v1/engines/{engine}/completions", {"prompt": "Hi"})
    assert response.status_code == 404
    assert message in response.json()["error"]["message"]


@pytest.mark.fakeopenai(teardown_check=False)
def test_engine_completions_are_validated(fake_openai: FakeOpenAI) -> None:
    response = call(fake_openai, "POST", "/v1/engines/davinci-002/completions", {"prompt": "Hi", "n": 0})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "n"
    assert fake_openai.calls.last.problems


def test_engine_embeddings_answer_as_embeddings(fake_openai: FakeOpenAI) -> None:
    response = call(fake_openai, "POST", "/v1/engines/text-embedding-3-small/embeddings", {"input": ["a", "b"]})
    embeddings = CreateEmbeddingResponse.model_validate(response.json())
    assert [len(item.embedding) for item in embeddings.data] == [1536, 1536]
