"""Which models can be fine-tuned, and by which method.

A succeeded job's model joins the server's model store (`_models_store`), so
the models endpoints list it and it can be fine-tuned again.
"""

from __future__ import annotations

from .._app.state import State
from ._models_store import DEFAULT_OWNER, find_model

ORGANIZATION_ID = DEFAULT_OWNER
ORGANIZATION_NAME = "personal"
"""The organization part of fine-tuned model names (`ft:<base>:personal:<suffix>:<id>`)."""

_SNAPSHOTS = {
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
    "o4-mini": "o4-mini-2025-04-16",
    "babbage-002": "babbage-002",
    "davinci-002": "davinci-002",
}
_METHODS = {
    "gpt-4.1-2025-04-14": {"supervised", "dpo"},
    "gpt-4.1-mini-2025-04-14": {"supervised", "dpo"},
    "gpt-4.1-nano-2025-04-14": {"supervised", "dpo"},
    "gpt-4o-2024-08-06": {"supervised", "dpo"},
    "gpt-4o-mini-2024-07-18": {"supervised", "dpo"},
    "gpt-3.5-turbo-0125": {"supervised"},
    "gpt-3.5-turbo-1106": {"supervised"},
    "gpt-3.5-turbo-0613": {"supervised"},
    "o4-mini-2025-04-16": {"reinforcement"},
    "babbage-002": {"supervised"},
    "davinci-002": {"supervised"},
}
LEGACY = frozenset({"babbage-002", "davinci-002"})
"""Models trained on `{"prompt", "completion"}` examples rather than chat messages."""


def resolve(state: State, model: str) -> str | None:
    """The snapshot a job trains (`gpt-4o-mini` -> `gpt-4o-mini-2024-07-18`), or None if it cannot be fine-tuned.

    A model fine-tuned earlier on this fake can be fine-tuned again.
    """
    if model in _METHODS:
        return model
    if model in _SNAPSHOTS:
        return _SNAPSHOTS[model]
    if model.startswith("ft:") and find_model(state, model) is not None:
        return model
    return None


def base_of(model: str) -> str:
    """The base snapshot of a model: itself, or the `<base>` of `ft:<base>:…`."""
    return model.split(":")[1] if model.startswith("ft:") else model


def supports(model: str, method: str) -> bool:
    """Whether `model` (a resolved snapshot or fine-tuned model) can be trained with `method`."""
    return method in _METHODS.get(base_of(model), {"supervised"})
