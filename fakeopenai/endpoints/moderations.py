"""Moderations: `POST /v1/moderations`.

A string is one input, a list of strings one input each, and a list of
text/image_url parts a single multimodal input; each input gets one result
with all thirteen categories, their scores and `category_applied_input_types`.
Nothing is flagged unless the test says so with
`fake.moderations.flag("some text", "violence")`; those answers come before
any cassette, as scripts do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from .._app.responses import JsonResponse, Response
from .._app.state import Context
from .._errors import ApiError
from ._models_shared import scripted_fault
from ._models_store import resolve_model
from ._moderations_categories import is_text_model, moderation_result, unreachable_flags
from ._moderations_request import ModerationRequest, check_moderation_request
from ._moderations_scripting import flags_for
from ._route import Route

OPERATION = "moderations.create"


def _reported_model(model: str) -> str:
    return "text-moderation-007" if is_text_model(model) else model


def _render(ctx: Context, request: ModerationRequest, flags: Sequence[Mapping[str, float | None]]) -> Response:
    model = request.effective_model
    seed = "|".join(item.seed for item in request.inputs)
    if is_text_model(model):
        moderation_id = ctx.state.new_id("modr-", seed, 29)
    else:
        moderation_id = "modr-" + hashlib.sha256(ctx.state.new_id("modr-", seed).encode()).hexdigest()[:32]
    results = [
        moderation_result(model, item.seed, bool(item.texts), bool(item.image_urls), item_flags)
        for item, item_flags in zip(request.inputs, flags, strict=True)
    ]
    return JsonResponse({"id": moderation_id, "model": _reported_model(model), "results": results})


def scripted(ctx: Context) -> Response | None:
    """A scripted error, or the answer when a flag rule matches some input."""
    fault = scripted_fault(ctx)
    if fault is not None:
        return fault
    request: ModerationRequest = ctx.request
    model = request.effective_model
    flags = [flags_for(ctx.state, item, model) for item in request.inputs]
    if not any(flags):
        return None
    for index, (item, item_flags) in enumerate(zip(request.inputs, flags, strict=True)):
        reasons = unreachable_flags(model, bool(item.texts), bool(item.image_urls), item_flags)
        ctx.call.notes += [f"input {index} is flagged {why}" for why in reasons]
    return _render(ctx, request, flags)


def simulated(ctx: Context) -> Response:
    """The simulator's deterministic answer: nothing flagged."""
    request: ModerationRequest = ctx.request
    model = resolve_model(ctx.state, request.effective_model)
    if isinstance(model, ApiError):
        return model
    if model.kind != "moderation":
        return ApiError(
            404,
            f"The model `{model.id}` does not exist or you do not have access to it.",
            code="model_not_found",
        )
    return _render(ctx, request, [{} for _ in request.inputs])


ROUTES = [
    Route(
        method="POST",
        rule="/v1/moderations",
        operation=OPERATION,
        simulate=simulated,
        script=scripted,
        check=check_moderation_request,
        view=ModerationRequest,
    )
]
