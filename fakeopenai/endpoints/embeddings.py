"""Embeddings: `POST /v1/embeddings`.

Each input (a text or a token array) gets a deterministic unit vector of the
model's real size (1536 for text-embedding-3-small and ada-002, 3072 for
text-embedding-3-large, or `dimensions`), in which similar texts score a
higher cosine similarity than unrelated ones. `encoding_format: "base64"`
carries the same float32 numbers as little-endian bytes. Vectors pinned with
`fake.embeddings.pin(text, vector)` answer as scripts do, before any cassette.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from .._app.responses import JsonResponse, Response
from .._app.state import Context
from .._errors import ApiError
from ._embeddings_request import MAX_REQUEST_TOKENS, EmbeddingsRequest, Item, check_embeddings_request
from ._embeddings_scripting import pinned_vector
from ._embeddings_vectors import embed, shorten, to_base64_bytes
from ._models_catalogue import EMBEDDING_DIMENSIONS
from ._models_shared import scripted_fault
from ._models_store import resolve_model
from ._route import Route

OPERATION = "embeddings.create"
_REPORTED_MODEL = {"text-embedding-ada-002": "text-embedding-ada-002-v2"}
"""The model name the API reports, where it differs from the one asked for."""


def scripted(ctx: Context) -> Response | None:
    """A scripted error, or the answer when some input has a pinned vector."""
    fault = scripted_fault(ctx)
    if fault is not None:
        return fault
    request: EmbeddingsRequest = ctx.request
    model = request.model or ""
    found = [pinned_vector(ctx.state, model, item) for item in request.inputs]
    if not any(vector is not None for vector in found):
        return None
    native = EMBEDDING_DIMENSIONS.get(model)
    vectors = []
    for index, (item, pinned) in enumerate(zip(request.inputs, found, strict=True)):
        if pinned is None:
            vectors.append(_vector(model, item, request.dimensions))
            continue
        if native is not None and len(pinned) != native:
            ctx.call.notes.append(
                f"the vector pinned for input {index} has {len(pinned)} numbers, but {model} vectors have {native}"
            )
        vectors.append(shorten(pinned, request.dimensions) if request.dimensions else list(pinned))
    return _render(request, vectors)


def _vector(model: str, item: Item, dimensions: int | None) -> list[float]:
    size = EMBEDDING_DIMENSIONS.get(model, 1536)
    full = embed(model, item, size)
    return shorten(full, dimensions) if dimensions else list(full)


def _render(request: EmbeddingsRequest, vectors: Sequence[Sequence[float]]) -> Response:
    data: list[dict[str, Any]] = []
    for index, vector in enumerate(vectors):
        encoded: Any = (
            base64.b64encode(to_base64_bytes(vector)).decode() if request.encoding_format == "base64" else list(vector)
        )
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(request.token_counts())
    model = request.model or ""
    return JsonResponse(
        {
            "object": "list",
            "data": data,
            "model": _REPORTED_MODEL.get(model, model),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


def model_error(ctx: Context, model: str) -> ApiError | None:
    """The error the API answers when `model` cannot embed; None when it can."""
    info = resolve_model(ctx.state, model)
    if isinstance(info, ApiError):
        return info
    if info.kind != "embedding":
        return ApiError(403, "You are not allowed to generate embeddings from this model")
    return None


def simulated(ctx: Context) -> Response:
    """The simulator's deterministic answer."""
    request: EmbeddingsRequest = ctx.request
    model = request.model or ""
    error = model_error(ctx, model)
    if error is not None:
        return error
    total = sum(request.token_counts())
    if total > MAX_REQUEST_TOKENS:
        return ApiError(
            400,
            f"Requested {total} tokens, max {MAX_REQUEST_TOKENS} tokens per request",
            type="max_tokens_per_request",
            code="max_tokens_per_request",
        )
    return _render(request, [_vector(model, item, request.dimensions) for item in request.inputs])


ROUTES = [
    Route(
        method="POST",
        rule="/v1/embeddings",
        operation=OPERATION,
        simulate=simulated,
        script=scripted,
        check=check_embeddings_request,
        view=EmbeddingsRequest,
    )
]
