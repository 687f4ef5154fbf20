"""How image answers go on the wire: `ImagesResponse` objects, streamed events, and URLs the fake serves."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .._app.responses import EventStream, JsonResponse, Response, SseEvent
from .._app.state import Context
from .._simulation.tokens import count_tokens
from ._images_picture import render
from ._images_png import image_info
from ._images_request import ImageRequest, form_int, form_str
from ._images_rules import ImageModel, parse_size

FILE_PREFIX = "/_fakeopenai/images/"
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}
_STORE_KEY = "images.files"

_TOKENS_1024 = {"low": 272, "medium": 1056, "high": 4160, "xhigh": 6240, "max": 8320}
_TOKENS_STANDARD = {
    ("low", "1024x1536"): 408,
    ("low", "1536x1024"): 400,
    ("medium", "1024x1536"): 1584,
    ("medium", "1536x1024"): 1568,
    ("high", "1024x1536"): 6240,
    ("high", "1536x1024"): 6208,
}
_TOKENS_PER_INPUT_IMAGE = 323


@dataclass(frozen=True)
class Plan:
    """The settings of one answer, with every `auto` resolved."""

    operation: str
    model: ImageModel
    width: int
    height: int
    output_format: str
    background: str
    quality: str
    response_format: str
    n: int
    partial_images: int

    @property
    def size(self) -> str:
        """The size as the API reports it, `WIDTHxHEIGHT`."""
        return f"{self.width}x{self.height}"

    @property
    def event_prefix(self) -> str:
        """`image_generation` or `image_edit`."""
        return "image_edit" if self.operation == "images.edit" else "image_generation"


def plan(request: ImageRequest, operation: str, model: ImageModel) -> Plan:
    """Resolve what this request asks for."""
    size = request.size
    width, height = parse_size(size) if size and size != "auto" else (1024, 1024)  # type: ignore[misc]
    quality = form_str(request, "quality") or "auto"
    if quality == "auto":
        quality = "high" if model.gpt else "standard"
    return Plan(
        operation=operation,
        model=model,
        width=width,
        height=height,
        output_format=(form_str(request, "output_format") or "png") if model.gpt else "png",
        background="transparent" if form_str(request, "background") == "transparent" else "opaque",
        quality=quality,
        response_format="b64_json" if model.gpt else (form_str(request, "response_format") or "url"),
        n=request.n,
        partial_images=form_int(request, "partial_images") or 0,
    )


def _image_tokens(plan: Plan) -> int:
    fixed = _TOKENS_STANDARD.get((plan.quality, plan.size))
    if fixed is not None:
        return fixed
    per_megapixel = _TOKENS_1024.get(plan.quality, _TOKENS_1024["high"])
    return max(1, round(per_megapixel * plan.width * plan.height / (1024 * 1024)))


def usage(request: ImageRequest, plan: Plan, images: int, *, details: bool) -> dict[str, object]:
    """Token usage of a GPT image model answer; `details` adds `output_tokens_details`."""
    text_tokens = count_tokens(request.prompt)
    image_tokens = _TOKENS_PER_INPUT_IMAGE * len(request.images)
    output = _image_tokens(plan) * images
    body: dict[str, object] = {
        "input_tokens": text_tokens + image_tokens,
        "input_tokens_details": {"image_tokens": image_tokens, "text_tokens": text_tokens},
        "output_tokens": output,
        "total_tokens": text_tokens + image_tokens + output,
    }
    if details:
        body["output_tokens_details"] = {"image_tokens": output, "text_tokens": 0}
    return body


class ImageFiles:
    """Images served at `/_fakeopenai/images/<name>`, for answers with `response_format="url"`."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    def add(self, name: str, content: bytes, content_type: str) -> None:
        """Serve `content` under `name`."""
        with self._lock:
            self._files[name] = (content, content_type)

    def get(self, name: str) -> tuple[bytes, str] | None:
        """The content and content type served under `name`, if any."""
        with self._lock:
            return self._files.get(name)


def image_files(ctx: Context) -> ImageFiles:
    """This server's image files."""
    files = ctx.state.resources.setdefault(_STORE_KEY, ImageFiles())
    assert isinstance(files, ImageFiles)
    return files


def _url(ctx: Context, content: bytes) -> str:
    info = image_info(content)
    extension = info.format if info else "png"
    name = ctx.state.new_id("img-", content.hex()[:64]) + "." + extension
    image_files(ctx).add(name, content, CONTENT_TYPES.get(extension, "application/octet-stream"))
    host = ctx.call.headers.get("host", "127.0.0.1") if ctx.call is not None else "127.0.0.1"
    return f"http://{host}{FILE_PREFIX}{name}"


def _safety_identifier(request: ImageRequest) -> str | None:
    return form_str(request, "safety_identifier") or form_str(request, "user") or None


def respond(
    ctx: Context,
    request: ImageRequest,
    plan: Plan,
    images: Sequence[bytes],
    revised: str | None,
    seeds: Sequence[str] | None = None,
) -> Response:
    """The answer: an `ImagesResponse`, or its stream of events.

    `seeds` are those the simulator drew the images from, to draw partial
    images of them; a scripted image is its own partial image.
    """
    if request.stream and plan.model.gpt:
        return EventStream(_events(ctx, request, plan, images, seeds))
    data = []
    for image in images:
        item: dict[str, object] = (
            {"url": _url(ctx, image)} if plan.response_format == "url" else {"b64_json": _b64(image)}
        )
        if revised is not None:
            item["revised_prompt"] = revised
        data.append(item)
    body: dict[str, object] = {"created": ctx.state.now(), "data": data}
    if plan.model.gpt:
        body.update(
            background=plan.background,
            output_format=plan.output_format,
            quality=plan.quality,
            size=plan.size,
            usage=usage(request, plan, len(images), details=True),
        )
        safety = _safety_identifier(request)
        if safety:
            body["safety_identifier"] = safety
    return JsonResponse(body)


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def _events(
    ctx: Context, request: ImageRequest, plan: Plan, images: Sequence[bytes], seeds: Sequence[str] | None
) -> Iterator[SseEvent]:
    common = {"background": plan.background, "output_format": plan.output_format, "quality": plan.quality}
    safety = _safety_identifier(request)
    for number, image in enumerate(images):
        for index in range(plan.partial_images):
            partial = image
            if seeds is not None:
                reveal = (index + 1) / (plan.partial_images + 1)
                transparent = plan.background == "transparent"
                partial = render(seeds[number], plan.width, plan.height, plan.output_format, transparent, reveal)
            kind = f"{plan.event_prefix}.partial_image"
            event = {"type": kind, "b64_json": _b64(partial), "created_at": ctx.state.now(), **common}
            event.update(partial_image_index=index, size=plan.size)
            yield SseEvent(json.dumps(event), kind)
        kind = f"{plan.event_prefix}.completed"
        completed = {"type": kind, "b64_json": _b64(image), "created_at": ctx.state.now(), **common}
        completed.update(size=plan.size, usage=usage(request, plan, 1, details=False))
        if safety:
            completed["safety_identifier"] = safety
        yield SseEvent(json.dumps(completed), kind)
