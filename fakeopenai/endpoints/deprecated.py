"""Deprecated and removed endpoints, answered as the real API answers them today.

Sources (public issue threads, as of 2026):

- Answers, Classifications and Search (`/v1/engines/{engine}/search`) were
  removed on 2022-12-03. The API answers them as any path it does not serve:
  404 `{"message": "Invalid URL (POST /v1/answers)", "type":
  "invalid_request_error", "param": null, "code": null}` (openai/openai-node#108,
  sashabaranov/go-openai#74; openai/openai-python#168 removed them from the SDK
  because "these endpoints no longer exist").
- Edits (`/v1/edits`) and legacy fine-tunes (`/v1/fine-tunes`) were shut down
  on 2024-01-04 with their models; no public record shows their answer since,
  so they answer as the other removed endpoints do (our inference).
- The Engines endpoints are deprecated but still served: `GET /v1/engines`
  lists `engine` objects (`id`, `object`, `owner`, `ready`, `created: null`,
  `permissions: null`; openai/openai-python#208), and
  `/v1/engines/{engine}/completions` answers as `/v1/completions` with
  `model` = engine (still used in 2024, e.g. shivank8/ChatGPT_App#5), shut-down
  models giving 404 "The model `text-davinci-003` has been deprecated, …".
  `/v1/engines/{engine}/embeddings` likewise answers as `/v1/embeddings`.

Calls to removed endpoints are reported at the end of the test, as calls to
any path the API does not serve are, naming what replaced them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from .._app.responses import JsonResponse, Response
from .._app.state import Context
from .._app.views import RequestView
from .._errors import ApiError
from .._validation.bodies import Problem, validate_body
from . import completions, embeddings
from ._completions_request import CompletionRequest, check_completion_request
from ._embeddings_request import EmbeddingsRequest, check_embeddings_request
from ._models_store import list_models, resolve_model
from ._route import Route

_REMOVED = {
    "answers": "removed on 2022-12-03; use embeddings search, then chat completions",
    "classifications": "removed on 2022-12-03; use embeddings or chat completions",
    "search": "removed on 2022-12-03; use embeddings",
    "edits": "shut down on 2024-01-04; use chat completions",
    "fine-tunes": "shut down on 2024-01-04; use /v1/fine_tuning/jobs",
}


def _removed(what: str) -> Callable[[Context], Response]:
    def answer(ctx: Context) -> Response:
        ctx.call.unmatched = (
            f"{ctx.call.method} {ctx.call.path} is no longer served: the {what} endpoint was {_REMOVED[what]}."
        )
        return ApiError(404, f"Invalid URL ({ctx.call.method} {ctx.call.path})")

    answer.__doc__ = f"The 404 the API answers for the removed {what} endpoint."
    return answer


def _engine(model_id: str, owner: str) -> dict[str, Any]:
    return {"object": "engine", "id": model_id, "ready": True, "owner": owner, "permissions": None, "created": None}


def list_engines(ctx: Context) -> Response:
    """Every model, as the deprecated `engine` objects."""
    data = [_engine(model.id, model.owned_by) for model in list_models(ctx.state)]
    return JsonResponse({"object": "list", "data": data})


def retrieve_engine(ctx: Context) -> Response:
    """One `engine`, or the model's 404."""
    model = resolve_model(ctx.state, ctx.path_args["engine"])
    if isinstance(model, ApiError):
        return model
    return JsonResponse(_engine(model.id, model.owned_by))


def _as_model_request(
    operation: str,
    view: type[RequestView],
    check: Callable[[RequestView], list[Problem]],
    script: Callable[[Context], Response | None],
    simulate: Callable[[Context], Response],
) -> tuple[Callable[[Context], Response | None], Callable[[Context], Response]]:
    """The script and simulator of an engine route: the model endpoint's, with `model` set to the engine."""

    def delegated(ctx: Context) -> Context:
        body = {**ctx.request.body, "model": ctx.path_args["engine"]}
        return dataclasses.replace(ctx, operation=operation, request=view(body))

    def scripted(ctx: Context) -> Response | None:
        inner = delegated(ctx)
        if ctx.state.settings.validate:
            problems = validate_body(operation, inner.request.body) or check(inner.request)
            if problems:
                ctx.call.problems = tuple(problems)
                return ApiError(400, problems[0].message, param=problems[0].param, code=problems[0].code)
        return script(inner)

    def simulated(ctx: Context) -> Response:
        return simulate(delegated(ctx))

    return scripted, simulated


_completions_script, _completions_simulate = _as_model_request(
    completions.OPERATION, CompletionRequest, check_completion_request, completions.scripted, completions.simulated
)
_embeddings_script, _embeddings_simulate = _as_model_request(
    embeddings.OPERATION, EmbeddingsRequest, check_embeddings_request, embeddings.scripted, embeddings.simulated
)

ROUTES = [
    Route("GET", "/v1/engines", "engines.list", list_engines, body="none"),
    Route("GET", "/v1/engines/<engine>", "engines.retrieve", retrieve_engine, body="none"),
    Route(
        "POST",
        "/v1/engines/<engine>/completions",
        "engines.completions.create",
        _completions_simulate,
        script=_completions_script,
        view=CompletionRequest,
        model_turn=True,
    ),
    Route(
        "POST",
        "/v1/engines/<engine>/embeddings",
        "engines.embeddings.create",
        _embeddings_simulate,
        script=_embeddings_script,
        view=EmbeddingsRequest,
    ),
    Route("POST", "/v1/engines/<engine>/search", "engines.search", _removed("search"), body="none"),
    Route("POST", "/v1/answers", "answers.create", _removed("answers"), body="none"),
    Route("POST", "/v1/classifications", "classifications.create", _removed("classifications"), body="none"),
    Route("POST", "/v1/edits", "edits.create", _removed("edits"), body="none"),
    Route("GET", "/v1/fine-tunes", "fine_tunes.list", _removed("fine-tunes"), body="none"),
    Route("POST", "/v1/fine-tunes", "fine_tunes.create", _removed("fine-tunes"), body="none"),
    Route("GET", "/v1/fine-tunes/<path:rest>", "fine_tunes.retrieve", _removed("fine-tunes"), body="none"),
    Route("POST", "/v1/fine-tunes/<path:rest>", "fine_tunes.cancel", _removed("fine-tunes"), body="none"),
]
