"""Embeddings requests: a typed view, and the checks the API makes beyond the schema."""

from __future__ import annotations

from typing import Any

from .._app.views import RequestView
from .._simulation.tokens import count_tokens
from .._validation.bodies import Problem
from ._models_catalogue import EMBEDDING_DIMENSIONS
from ._models_shared import problem

MAX_INPUT_TOKENS = 8192
"""The context length of every embedding model."""
MAX_REQUEST_TOKENS = 300_000
"""The most tokens one request may embed, all inputs together."""

Item = str | tuple[int, ...]
_INVALID_INPUT = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."


class EmbeddingsRequest(RequestView):
    """An embeddings request (`POST /v1/embeddings`)."""

    __slots__ = ()

    @property
    def inputs(self) -> list[Item]:
        """Each input: a text, or a token array (as a tuple)."""
        value: Any = self.get("input")
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            return []
        if value and all(isinstance(v, int) for v in value):
            return [tuple(value)]
        return [v if isinstance(v, str) else tuple(v) for v in value if isinstance(v, (str, list))]

    @property
    def texts(self) -> list[str]:
        """The inputs given as text."""
        return [item for item in self.inputs if isinstance(item, str)]

    @property
    def last_user_message(self) -> str:
        """The last text input, so `user_message=` script conditions match embeddings too."""
        texts = self.texts
        return texts[-1] if texts else ""

    @property
    def encoding_format(self) -> str:
        """`float` (the default) or `base64`."""
        value = self.get("encoding_format")
        return value if isinstance(value, str) else "float"

    @property
    def dimensions(self) -> int | None:
        """The vector length asked for, if any."""
        value = self.get("dimensions")
        return value if isinstance(value, int) else None

    def token_counts(self) -> list[int]:
        """Tokens of each input."""
        return [count_tokens(item) if isinstance(item, str) else len(item) for item in self.inputs]


def supports_dimensions(model: str) -> bool:
    """Whether a model can shorten its vectors (the text-embedding-3 family)."""
    return model.startswith("text-embedding-3")


def check_embeddings_request(view: RequestView) -> list[Problem]:
    """The semantic problems of an embeddings request, in the order the API reports them."""
    assert isinstance(view, EmbeddingsRequest)
    for index, item in enumerate(view.inputs):
        if item == "":
            where = "$.input" if isinstance(view.get("input"), str) else f"$.input[{index}]"
            return [problem(_INVALID_INPUT, at=where)]
    model = view.model or ""
    dimensions = view.dimensions
    if "dimensions" in view:
        if not supports_dimensions(model):
            return [problem("This model does not support specifying dimensions.", at="$.dimensions")]
        native = EMBEDDING_DIMENSIONS.get(model)
        if dimensions is not None and native is not None and dimensions > native:
            return [problem(f"Invalid value for 'dimensions' = {dimensions}. Must be at most {native}.", "dimensions")]
    for index, tokens in enumerate(view.token_counts()):
        if tokens > MAX_INPUT_TOKENS:
            return [
                problem(
                    f"This model's maximum context length is {MAX_INPUT_TOKENS} tokens, however you requested "
                    f"{tokens} tokens ({tokens} in your prompt; 0 for the completion). "
                    "Please reduce your prompt; or completion length.",
                    at=f"$.input[{index}]",
                )
            ]
    return []
