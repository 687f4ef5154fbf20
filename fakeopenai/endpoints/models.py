"""Models: `GET /v1/models`, `GET /v1/models/{model}`, `DELETE /v1/models/{model}`.

The list is the server's model store (the default catalogue, plus what the
test or a fine-tuning job added). Only fine-tuned models (`ft:…`) can be
deleted; the API refuses to delete a base model with 403.
"""

from __future__ import annotations

from .._app.responses import JsonResponse, Response
from .._app.state import Context
from .._errors import ApiError
from ._models_store import is_fine_tuned, list_models, remove_model, resolve_model
from ._route import Route


def list_all(ctx: Context) -> Response:
    """The `list` of every model."""
    return JsonResponse({"object": "list", "data": [model.to_json() for model in list_models(ctx.state)]})


def retrieve(ctx: Context) -> Response:
    """One `model`, or 404."""
    model = resolve_model(ctx.state, ctx.path_args["model"])
    if isinstance(model, ApiError):
        return model
    return JsonResponse(model.to_json())


def delete(ctx: Context) -> Response:
    """Delete a fine-tuned model."""
    model = resolve_model(ctx.state, ctx.path_args["model"])
    if isinstance(model, ApiError):
        return model
    if not is_fine_tuned(model.id):
        # No public record shows this refusal's text; 403 with the API's permission wording.
        return ApiError(403, f"You do not have permission to delete the model `{model.id}`.")
    remove_model(ctx.state, model.id)
    return JsonResponse({"id": model.id, "object": "model", "deleted": True})


ROUTES = [
    Route("GET", "/v1/models", "models.list", list_all, body="none"),
    Route("GET", "/v1/models/<path:model>", "models.retrieve", retrieve, body="none"),
    Route("DELETE", "/v1/models/<path:model>", "models.delete", delete, body="none"),
]
