"""Images: `POST /v1/images/generations`, `/v1/images/edits` and `/v1/images/variations`.

With nothing scripted, the simulator draws a deterministic picture per request
(the same request always gets the same bytes) of the size asked for: a real
PNG, a real baseline JPEG, or a single-colour lossless WebP. GPT image models
answer base64 with token usage, and stream partial images; the retired DALL·E
models answer URLs (served by the fake itself under `/_fakeopenai/images/`) or
base64 PNGs. Uploads are checked as the API checks them: formats, sizes, masks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from itertools import cycle, islice
from typing import Any, cast

from .._app.multipart import FilePart
from .._app.responses import RawResponse, Response
from .._app.state import Context
from .._app.views import RequestView
from .._errors import ApiError, ConfigurationError
from .._scripting.script import Fault
from .._validation.bodies import Problem
from ._images_picture import render
from ._images_png import image_info
from ._images_request import ImageRequest, form_str
from ._images_rules import (
    EDIT_MODELS,
    MODELS,
    ImageModel,
    check_model_parameters,
    check_uploads,
    model_name,
    problem,
)
from ._images_scripting import ScriptedImages
from ._images_wire import FILE_PREFIX, Plan, image_files, plan, respond
from ._route import Route

GENERATE, EDIT, VARIATION = "images.generate", "images.edit", "images.create_variation"


def _model(request: ImageRequest, operation: str) -> ImageModel | None:
    return MODELS.get(model_name(request, operation))


def _not_found(name: str) -> ApiError:
    return ApiError(404, f"The model `{name}` does not exist or you do not have access to it.", code="model_not_found")


def _checker(operation: str) -> Callable[[RequestView], list[Problem]]:
    def check(view: RequestView) -> list[Problem]:
        request = cast(ImageRequest, view)
        model = _model(request, operation)
        if model is None:
            return []  # answered 404 before any other check, as the API does
        if operation == EDIT and model.name not in EDIT_MODELS:
            return [problem(f"The model '{model.name}' does not support image edits.", "model", "invalid_value")]
        if operation == VARIATION and model.name != "dall-e-2":
            return [problem(f"The model '{model.name}' does not support image variations.", "model", "invalid_value")]
        problems = check_model_parameters(request, model, operation)
        if problems or operation == GENERATE:
            return problems
        return check_uploads(request, model, operation)

    check.__name__ = f"check_{operation.replace('.', '_')}"
    return check


def _seed(request: ImageRequest) -> str:
    parts: dict[str, Any] = {}
    for key, value in sorted(request.body.items()):
        if key in ("stream", "partial_images", "response_format"):
            continue
        files = value if isinstance(value, list) else [value]
        if any(isinstance(f, FilePart) for f in files):
            parts[key] = [hashlib.sha256(f.content).hexdigest() for f in files if isinstance(f, FilePart)]
        else:
            parts[key] = value
    return json.dumps(parts, sort_keys=True, default=str)


def _revised_prompt(request: ImageRequest, model: ImageModel) -> str | None:
    if model.name != "dall-e-3":
        return None
    style = form_str(request, "style") or "vivid"
    return f"{request.prompt.rstrip('. ')}, shown in a {style}, detailed illustration."


def _scripter(operation: str) -> Callable[[Context], Response | None]:
    def scripted(ctx: Context) -> Response | None:
        request: ImageRequest = ctx.request
        model = _model(request, operation)
        if model is None:
            name = model_name(request, operation)
            ctx.call.problems = (problem(f"The model `{name}` does not exist.", "model", "model_not_found"),)
            return _not_found(name)
        entry = ctx.state.scripts.take(operation, request, model_turn=False)
        if entry is None:
            return None
        answer = entry.answer
        if isinstance(answer, Fault):
            return answer.to_error()
        if not isinstance(answer, ScriptedImages):
            raise ConfigurationError(
                f"{entry.describe()} cannot answer {operation}: script images with "
                "fake.images.respond_with_image(...), or an error."
            )
        settings = plan(request, operation, model)
        ctx.call.notes += [f"{entry.origin}: {why}" for why in _impossible(answer.images, settings)]
        images = list(islice(cycle(answer.images), settings.n))
        revised = answer.revised_prompt if answer.revised_prompt is not None else _revised_prompt(request, model)
        return respond(ctx, request, settings, images, revised)

    return scripted


def _impossible(images: tuple[bytes, ...], settings: Plan) -> list[str]:
    notes = []
    for index, image in enumerate(images):
        info = image_info(image)
        if info is None:
            continue
        if info.format != settings.output_format:
            notes.append(f"image {index} is {info.format}, but {settings.output_format} was asked for")
        if (info.width, info.height) != (settings.width, settings.height):
            notes.append(f"image {index} is {info.width}x{info.height}, but {settings.size} was asked for")
    if len(images) > settings.n:
        notes.append(f"{len(images)} images were scripted, but the request asked for {settings.n}")
    return notes


def _simulator(operation: str) -> Callable[[Context], Response]:
    def simulated(ctx: Context) -> Response:
        request: ImageRequest = ctx.request
        model = _model(request, operation)
        assert model is not None  # unknown models were answered by the script hook
        settings = plan(request, operation, model)
        seed = _seed(request)
        seeds = [f"{seed}|{index}" for index in range(settings.n)]
        transparent = settings.background == "transparent"
        images = [render(s, settings.width, settings.height, settings.output_format, transparent) for s in seeds]
        return respond(ctx, request, settings, images, _revised_prompt(request, model), seeds)

    return simulated


def serve_file(ctx: Context) -> Response:
    """An image the fake answered as a URL."""
    found = image_files(ctx).get(ctx.path_args["name"])
    if found is None:
        return ApiError(404, "The requested image does not exist or has expired.", code="not_found")
    content, content_type = found
    return RawResponse(content, content_type)


def _route(rule: str, operation: str, body: str) -> Route:
    return Route(
        method="POST",
        rule=rule,
        operation=operation,
        simulate=_simulator(operation),
        script=_scripter(operation),
        check=_checker(operation),
        view=ImageRequest,
        body=body,  # type: ignore[arg-type]
    )


ROUTES = [
    _route("/v1/images/generations", GENERATE, "json"),
    _route("/v1/images/edits", EDIT, "multipart"),
    _route("/v1/images/variations", VARIATION, "multipart"),
    # Answered by `script`, which runs before any cassette: these URLs exist only on this fake.
    Route(
        "GET", FILE_PREFIX + "<name>", "fakeopenai.images.file", serve_file, script=serve_file, body="none", auth=False
    ),
]
