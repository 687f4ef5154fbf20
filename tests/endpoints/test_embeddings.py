"""Embeddings through the official SDK: vector sizes, encodings, similarity, pinned vectors and the API's errors."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Sequence
from typing import Any

import openai
import pytest
from openai.types import CreateEmbeddingResponse

from fakeopenai import FakeOpenAI
from fakeopenai._simulation.tokens import count_tokens

SMALL = "text-embedding-3-small"


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def norm(vector: Sequence[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


def assert_sdk_accepts(body: dict[str, Any]) -> None:
    response = CreateEmbeddingResponse.model_validate(body)
    assert response.model_extra == {} and response.usage.model_extra == {}
    assert all(item.model_extra == {} for item in response.data)


@pytest.mark.parametrize(
    ("model", "size", "reported"),
    [
        (SMALL, 1536, SMALL),
        ("text-embedding-3-large", 3072, "text-embedding-3-large"),
        ("text-embedding-ada-002", 1536, "text-embedding-ada-002-v2"),
    ],
)
def test_vectors_have_the_real_size_and_unit_length(
    fake_openai: FakeOpenAI, model: str, size: int, reported: str
) -> None:
    response = openai.OpenAI().embeddings.create(model=model, input="The food was delicious.", encoding_format="float")

    vector = response.data[0].embedding
    assert len(vector) == size
    assert norm(vector) == pytest.approx(1.0, abs=1e-6)
    assert response.model == reported and response.object == "list"
    assert (response.data[0].index, response.data[0].object) == (0, "embedding")
    assert response.usage.prompt_tokens == response.usage.total_tokens == count_tokens("The food was delicious.")
    assert_sdk_accepts(fake_openai.embeddings.calls.last.response)


def test_base64_carries_exactly_the_float_numbers(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    as_floats = client.embeddings.create(model=SMALL, input="hello world", encoding_format="float")
    decoded_by_sdk = client.embeddings.create(model=SMALL, input="hello world")  # the SDK asks for base64 and decodes
    as_base64 = client.embeddings.create(model=SMALL, input="hello world", encoding_format="base64")

    raw = base64.b64decode(as_base64.data[0].embedding)  # type: ignore[arg-type]
    assert fake_openai.embeddings.calls[1].body["encoding_format"] == "base64"
    assert decoded_by_sdk.data[0].embedding == as_floats.data[0].embedding
    assert list(struct.unpack(f"<{len(raw) // 4}f", raw)) == as_floats.data[0].embedding
    assert len(raw) == 1536 * 4


def test_vectors_are_deterministic_per_text_and_model(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    first = client.embeddings.create(model=SMALL, input=["apple pie", "apple pie", "cherry pie"])
    again = client.embeddings.create(model=SMALL, input="apple pie")
    ada = client.embeddings.create(model="text-embedding-ada-002", input="apple pie")

    assert first.data[0].embedding == first.data[1].embedding == again.data[0].embedding
    assert first.data[2].embedding != first.data[0].embedding
    assert ada.data[0].embedding[:1536] != first.data[0].embedding
    assert [item.index for item in first.data] == [0, 1, 2]


def test_similar_texts_score_higher_than_unrelated_ones(fake_openai: FakeOpenAI) -> None:
    texts = [
        "How do I reset my password?",
        "Steps to reset a forgotten password",
        "Our office is closed on public holidays.",
        "The cat sat on the mat.",
    ]
    vectors = [d.embedding for d in openai.OpenAI().embeddings.create(model=SMALL, input=texts).data]

    related = cosine(vectors[0], vectors[1])
    assert related > cosine(vectors[0], vectors[2]) + 0.2
    assert related > cosine(vectors[0], vectors[3]) + 0.2
    assert all(-1 <= cosine(vectors[0], v) <= 1 for v in vectors)


def test_dimensions_shorten_the_full_vector(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    full = client.embeddings.create(model="text-embedding-3-large", input="shorten me").data[0].embedding
    short = client.embeddings.create(model="text-embedding-3-large", input="shorten me", dimensions=256)

    vector = short.data[0].embedding
    assert len(vector) == 256
    assert norm(vector) == pytest.approx(1.0, abs=1e-6)
    prefix = full[:256]
    assert cosine(vector, prefix) / norm(prefix) == pytest.approx(1.0, abs=1e-6)


def test_token_array_inputs(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    one = client.embeddings.create(model=SMALL, input=[101, 202, 303])
    many = client.embeddings.create(model=SMALL, input=[[101, 202, 303], [7, 8]])

    assert len(one.data) == 1 and one.usage.prompt_tokens == 3
    assert len(many.data) == 2 and many.usage.prompt_tokens == 5
    assert many.data[0].embedding == one.data[0].embedding
    assert fake_openai.embeddings.calls.last.request.inputs == [(101, 202, 303), (7, 8)]


async def test_async_client(fake_openai: FakeOpenAI) -> None:
    response = await openai.AsyncOpenAI().embeddings.create(model=SMALL, input=["a first text", "a second text"])
    assert [len(d.embedding) for d in response.data] == [1536, 1536]


def test_pinned_vector_answers_for_its_text(fake_openai: FakeOpenAI) -> None:
    pinned = [0.5, -0.5, 0.5, -0.5] + [0.0] * 1532
    fake_openai.embeddings.pin("refund policy", pinned)
    client = openai.OpenAI()

    response = client.embeddings.create(model=SMALL, input=["refund policy", "shipping times"], encoding_format="float")
    decoded = client.embeddings.create(model=SMALL, input="refund policy")

    assert response.data[0].embedding == pinned == decoded.data[0].embedding
    assert len(response.data[1].embedding) == 1536 and response.data[1].embedding != pinned
    assert fake_openai.embeddings.calls[0].answered_by == "script"
    assert_sdk_accepts(fake_openai.embeddings.calls[0].response)


def test_pinned_vector_is_shortened_like_any_vector(fake_openai: FakeOpenAI) -> None:
    fake_openai.embeddings.pin("refund policy", [0.6, 0.8] + [0.0] * 3070, model="text-embedding-3-large")
    client = openai.OpenAI()
    short = client.embeddings.create(model="text-embedding-3-large", input="refund policy", dimensions=2)
    other_model = client.embeddings.create(model=SMALL, input="refund policy")

    assert short.data[0].embedding == pytest.approx([0.6, 0.8])
    assert other_model.data[0].embedding[:2] != pytest.approx([0.6, 0.8])


def test_pinned_token_array(fake_openai: FakeOpenAI) -> None:
    fake_openai.embeddings.pin([1, 2, 3], [1.0] + [0.0] * 1535)
    response = openai.OpenAI().embeddings.create(model=SMALL, input=[[1, 2, 3]])
    assert response.data[0].embedding[:2] == [1.0, 0.0]


@pytest.mark.fakeopenai(teardown_check=False)
def test_pinned_vector_of_the_wrong_size_is_reported(fake_openai: FakeOpenAI) -> None:
    fake_openai.embeddings.pin("tiny", [1.0, 0.0, 0.0])
    response = openai.OpenAI().embeddings.create(model=SMALL, input="tiny", encoding_format="float")
    assert response.data[0].embedding == [1.0, 0.0, 0.0]
    assert "has 3 numbers, but text-embedding-3-small vectors have 1536" in (fake_openai.report() or "")


def test_scripted_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.embeddings.respond_with_error(500)
    with pytest.raises(openai.InternalServerError):
        openai.OpenAI(max_retries=0).embeddings.create(model=SMALL, input="x")


@pytest.mark.parametrize(
    ("model", "error", "message"),
    [
        ("gpt-4o", openai.PermissionDeniedError, "You are not allowed to generate embeddings from this model"),
        ("text-embedding-4-huge", openai.NotFoundError, "The model `text-embedding-4-huge` does not exist"),
        ("text-similarity-ada-001", openai.NotFoundError, "has been deprecated"),
    ],
)
def test_models_that_cannot_embed(fake_openai: FakeOpenAI, model: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        openai.OpenAI().embeddings.create(model=model, input="x")
    assert message in str(caught.value)


def test_too_many_tokens_in_one_request(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().embeddings.create(model=SMALL, input=[[1] * 8192] * 37)
    assert caught.value.body == {
        "message": "Requested 303104 tokens, max 300000 tokens per request",
        "type": "max_tokens_per_request",
        "param": None,
        "code": "max_tokens_per_request",
    }


@pytest.mark.fakeopenai(teardown_check=False)
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "text-embedding-ada-002", "dimensions": 256}, "This model does not support specifying dimensions."),
        ({"dimensions": 4096}, "Invalid value for 'dimensions' = 4096. Must be at most 1536."),
        ({"input": ""}, "'$.input' is invalid. Please check the API reference"),
        ({"input": ["fine", ""]}, "'$.input' is invalid."),
        ({"input": [[1] * 8193]}, "This model's maximum context length is 8192 tokens, however you requested 8193"),
        ({"input": 42}, "Invalid type for 'input'"),
        ({"encoding_format": "int8"}, "Invalid value: 'int8'"),
        ({"input": ["x"] * 2049}, "'input'"),
    ],
)
def test_invalid_requests(fake_openai: FakeOpenAI, body: dict[str, Any], message: str) -> None:
    arguments = {"model": SMALL, "input": "hello", **body}
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().embeddings.create(**arguments)
    assert message in caught.value.message
    assert fake_openai.embeddings.calls.last.problems


def test_large_batch_stays_fast(fake_openai: FakeOpenAI) -> None:
    texts = [f"document number {i} about topic {i % 7}" for i in range(300)]
    response = openai.OpenAI().embeddings.create(model=SMALL, input=texts)
    assert len(response.data) == 300
