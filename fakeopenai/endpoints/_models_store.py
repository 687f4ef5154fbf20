"""The models one fake server knows, kept in `state.resources` so any endpoint can add or consult them.

A fresh server (and every reset) starts from the catalogue's default models.
Fine-tuning (or a test, through `fake.models.add`) adds `ft:…` models; they
take the kind of their base model, so `ft:davinci-002:acme::x` is a completion
model and `ft:gpt-4o-mini-2024-07-18:acme::x` a chat model.
"""

from __future__ import annotations

import threading

from .._app.state import State
from .._errors import ApiError
from ._models_catalogue import DEFAULT_MODELS, RETIRED_MODELS, Kind, ModelInfo

_KEY = "models"
DEFAULT_OWNER = "org-fakeopenai"
"""Who owns models added without an owner (the organization of the fake's API key)."""


class ModelStore:
    """The models of one server, in listing order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[str, ModelInfo] = {model.id: model for model in DEFAULT_MODELS}

    def get(self, model_id: str) -> ModelInfo | None:
        """The model with this id, or None."""
        with self._lock:
            return self._models.get(model_id)

    def listed(self) -> list[ModelInfo]:
        """The models `GET /v1/models` shows."""
        with self._lock:
            return [model for model in self._models.values() if model.listed]

    def put(self, model: ModelInfo) -> None:
        """Add a model, or replace the one with its id."""
        with self._lock:
            self._models[model.id] = model

    def pop(self, model_id: str) -> ModelInfo | None:
        """Remove a model; the removed model, or None if there was none."""
        with self._lock:
            return self._models.pop(model_id, None)


_CREATE_LOCK = threading.Lock()


def model_store(state: State) -> ModelStore:
    """The model store of `state`, created with the default models on first use."""
    store = state.resources.get(_KEY)
    if isinstance(store, ModelStore):
        return store
    with _CREATE_LOCK:
        store = state.resources.get(_KEY)
        if not isinstance(store, ModelStore):
            store = ModelStore()
            state.resources[_KEY] = store
        return store


def base_model_of(model_id: str) -> str | None:
    """The base model of a fine-tuned model id (`ft:BASE:org:suffix:id`), or None."""
    if not model_id.startswith("ft:"):
        return None
    base = model_id.split(":")[1]
    return base or None


def add_model(
    state: State,
    model_id: str,
    owned_by: str | None = None,
    *,
    created: int | None = None,
    kind: Kind | None = None,
) -> ModelInfo:
    """Make `model_id` available (listed, retrievable, usable); returns the model as stored.

    The kind defaults to the kind of the base model for `ft:` ids, else `chat`.
    """
    store = model_store(state)
    if kind is None:
        base = base_model_of(model_id)
        base_info = store.get(base) if base is not None else None
        kind = base_info.kind if base_info is not None else "chat"
    model = ModelInfo(
        id=model_id,
        created=created if created is not None else state.now(),
        owned_by=owned_by or DEFAULT_OWNER,
        kind=kind,
    )
    store.put(model)
    return model


def remove_model(state: State, model_id: str) -> bool:
    """Forget a model; whether it was there."""
    return model_store(state).pop(model_id) is not None


def find_model(state: State, model_id: str) -> ModelInfo | None:
    """The model with this id, listed or not, or None."""
    return model_store(state).get(model_id)


def list_models(state: State) -> list[ModelInfo]:
    """The models `GET /v1/models` lists, in order."""
    return model_store(state).listed()


def is_fine_tuned(model_id: str) -> bool:
    """Whether the id names a fine-tuned model."""
    return model_id.startswith("ft:")


def model_not_found(model_id: str) -> ApiError:
    """The real API's 404 for a model that does not exist."""
    return ApiError(
        404,
        f"The model `{model_id}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


def model_retired(model_id: str) -> ApiError:
    """The real API's 404 for a model that was shut down."""
    return ApiError(
        404,
        f"The model `{model_id}` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations",
        code="model_not_found",
    )


def resolve_model(state: State, model_id: str) -> ModelInfo | ApiError:
    """The model a request names, or the 404 the real API answers for it."""
    model = find_model(state, model_id)
    if model is not None:
        return model
    if model_id in RETIRED_MODELS:
        return model_retired(model_id)
    return model_not_found(model_id)
