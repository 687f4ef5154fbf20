"""`fake.models`: the models a test's fake knows, besides the calls made to the models endpoints."""

from __future__ import annotations

from .._app.views import RequestView
from .._scripting.vocabulary import Scripting
from ._models_catalogue import Kind
from ._models_store import add_model, find_model, list_models, remove_model


class ModelsScripting(Scripting[RequestView]):
    """Add and remove models for one test (`fake.models.add("ft:gpt-4o-mini:acme::abc123")`).

    Models added here are listed by `GET /v1/models`, retrievable, usable by
    the endpoints of their kind, and deletable when fine-tuned. Every test
    starts again from the default catalogue.
    """

    def add(
        self, model_id: str, *, owned_by: str | None = None, created: int | None = None, kind: Kind | None = None
    ) -> None:
        """Make a model available. A `ft:BASE:…` id takes the kind of BASE (chat, completion, …)."""
        add_model(self._state, model_id, owned_by, created=created, kind=kind)

    def remove(self, *model_ids: str) -> None:
        """Make models unknown, as if they never existed (any model, fine-tuned or not)."""
        for model_id in model_ids:
            if not remove_model(self._state, model_id):
                raise KeyError(f"The fake has no model {model_id!r} to remove.")

    def __contains__(self, model_id: object) -> bool:
        return isinstance(model_id, str) and find_model(self._state, model_id) is not None

    @property
    def ids(self) -> list[str]:
        """The ids `GET /v1/models` lists now, in order."""
        return [model.id for model in list_models(self._state)]
