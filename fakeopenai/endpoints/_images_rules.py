"""What each image model accepts, and the real API's errors for what it does not.

GPT image models answer base64 images (PNG, JPEG or WebP) with token usage,
stream partial images, and refuse the legacy `response_format` and `style`.
The retired DALL·E models answer URLs or base64 PNGs, at their few sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .._app.views import RequestView
from .._validation.bodies import Problem
from ._images_png import image_info
from ._images_request import ImageRequest, form_int, form_str

STANDARD_SIZES = ("1024x1024", "1024x1536", "1536x1024")
GPT_ONLY = (
    "background",
    "moderation",
    "output_format",
    "output_compression",
    "partial_images",
    "stream",
    "input_fidelity",
    "complexity",
    "frame_count",
    "frame_duration_ms",
    "svg",
)
DALL_E_ONLY = ("response_format", "style")
MB = 1024 * 1024


@dataclass(frozen=True)
class ImageModel:
    """One image model's limits."""

    name: str
    gpt: bool
    sizes: tuple[str, ...]
    qualities: tuple[str, ...]
    max_prompt: int = 32000
    flexible: bool = False
    """Whether any `WIDTHxHEIGHT` within the documented limits is accepted."""
    max_n: int = 10


def _gpt(name: str, *, flexible: bool = False, extra_qualities: tuple[str, ...] = ()) -> ImageModel:
    return ImageModel(
        name,
        gpt=True,
        sizes=(*STANDARD_SIZES, "auto"),
        qualities=("low", "medium", "high", *extra_qualities, "auto"),
        flexible=flexible,
    )


MODELS = {
    model.name: model
    for model in (
        _gpt("gpt-image-1"),
        _gpt("gpt-image-1-mini"),
        _gpt("gpt-image-1.5"),
        _gpt("chatgpt-image-latest"),
        _gpt("gpt-image-2", flexible=True),
        _gpt("gpt-image-2-2026-04-21", flexible=True),
        *(
            _gpt(name, flexible=True, extra_qualities=("xhigh", "max"))
            for name in (
                "gpt-image-2.5-sunburst",
                "gpt-image-2.5-sunburst-2026-09-08",
                "gpt-image-2.5-flare",
                "gpt-image-2.5-flare-2026-09-08",
                "gpt-image-2.6-sunburst",
                "gpt-image-2.6-flare",
            )
        ),
        ImageModel(
            "dall-e-2",
            gpt=False,
            sizes=("256x256", "512x512", "1024x1024"),
            qualities=("standard", "auto"),
            max_prompt=1000,
        ),
        ImageModel(
            "dall-e-3",
            gpt=False,
            sizes=("1024x1024", "1792x1024", "1024x1792"),
            qualities=("standard", "hd", "auto"),
            max_prompt=4000,
            max_n=1,
        ),
    )
}
EDIT_MODELS = (*(name for name, model in MODELS.items() if model.gpt), "dall-e-2")


def model_name(request: RequestView, operation: str) -> str:
    """The model that answers: the one asked for, else the API's default for the operation."""
    asked = form_str(request, "model")
    if asked:
        return asked
    if operation == "images.create_variation":
        return "dall-e-2"
    if operation == "images.edit" or any(request.get(name) is not None for name in GPT_ONLY):
        return "gpt-image-1.5"
    return "dall-e-2"


def listing(values: Sequence[str]) -> str:
    """`'a', 'b', and 'c'`, as the API lists supported values."""
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def problem(message: str, param: str | None, code: str | None) -> Problem:
    """A problem with the top-level parameter `param`."""
    return Problem(message, param, code, f"$.{param}" if param else "$")


def _invalid_value(param: str, value: str, supported: Sequence[str]) -> Problem:
    return problem(f"Invalid value: '{value}'. Supported values are: {listing(supported)}.", param, "invalid_value")


def parse_size(size: str) -> tuple[int, int] | None:
    """`(width, height)` of a `WIDTHxHEIGHT` string, or None."""
    width, sep, height = size.partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        return None
    return int(width), int(height)


def _flexible_size_problem(size: str) -> str | None:
    parsed = parse_size(size)
    if parsed is None:
        return f"Invalid size '{size}'. The size must be 'auto' or of the form WIDTHxHEIGHT, for example '1536x864'."
    width, height = parsed
    if width % 16 or height % 16:
        return f"Invalid size '{size}'. Width and height must both be divisible by 16."
    if max(width, height) > 3840:
        return f"Invalid size '{size}'. The maximum supported edge is 3840 pixels."
    if max(width, height) > 3 * min(width, height):
        return f"Invalid size '{size}'. The aspect ratio must be between 1:3 and 3:1."
    if not 655_360 <= width * height <= 8_294_400:
        return f"Invalid size '{size}'. The total pixel count must be between 655360 and 8294400."
    return None


def check_model_parameters(request: ImageRequest, model: ImageModel, operation: str) -> list[Problem]:
    """Parameters the model does not take, and values it does not support."""
    unsupported = DALL_E_ONLY if model.gpt else GPT_ONLY
    for name in unsupported:
        sent = request.get(name) not in (None, False, "false")
        if sent and not (name == "style" and model.name == "dall-e-3"):
            return [problem(f"Unknown parameter: '{name}'.", name, "unknown_parameter")]
    prompt = request.prompt
    if operation != "images.create_variation" and len(prompt) > model.max_prompt:
        return [
            problem(
                f"Invalid 'prompt': string too long. Expected a string with maximum length {model.max_prompt}, "
                f"but got a string with length {len(prompt)} instead.",
                "prompt",
                "string_above_max_length",
            )
        ]
    if request.n > model.max_n:
        return [problem(f"You must provide n={model.max_n} for this model.", None, None)]
    size = request.size
    if size is not None and size not in model.sizes:
        if not model.flexible:
            return [_invalid_value("size", size, model.sizes)]
        message = _flexible_size_problem(size)
        if message is not None:
            return [problem(message, "size", "invalid_value")]
    quality = form_str(request, "quality")
    if quality is not None and quality not in model.qualities:
        return [_invalid_value("quality", quality, model.qualities)]
    return _output_problems(request)


def _output_problems(request: ImageRequest) -> list[Problem]:
    output_format = form_str(request, "output_format") or "png"
    if output_format in ("gif", "svg"):
        return [
            problem(
                f"output_format '{output_format}' requires preview access that this project does not have.",
                "output_format",
                "unsupported_value",
            )
        ]
    compression = form_int(request, "output_compression")
    if output_format == "png" and compression is not None and compression < 100:
        return [
            problem(
                "Compression less than 100 is not supported for PNG output format.",
                "output_compression",
                "unsupported_parameter",
            )
        ]
    if form_str(request, "background") == "transparent" and output_format == "jpeg":
        return [
            problem(
                "Transparent background is not supported for the 'jpeg' output format; use 'png' or 'webp'.",
                "background",
                "unsupported_value",
            )
        ]
    return []


def check_uploads(request: ImageRequest, model: ImageModel, operation: str) -> list[Problem]:
    """The uploaded image(s) and mask: formats, sizes and dimensions the model accepts."""
    images = request.images
    if not model.gpt or operation == "images.create_variation":
        return _check_legacy_upload(request, operation)
    if len(images) > 16:
        return [problem("Invalid 'image': too many images. You can provide up to 16 images.", "image", "invalid_value")]
    supported = ("image/jpeg", "image/png", "image/webp")
    for index, part in enumerate(images, start=1):
        mimetype = part.content_type or "application/octet-stream"
        if mimetype not in supported:
            return [
                problem(
                    f"Invalid file 'image': unsupported mimetype ('{mimetype}'). Supported file formats are "
                    "'image/jpeg', 'image/png', and 'image/webp'.",
                    "image",
                    "unsupported_file_mimetype",
                )
            ]
        if part.size > 50 * MB:
            return [problem(f"Invalid file 'image': image {index} is larger than 50 MB.", "image", "file_too_large")]
        info = image_info(part.content)
        if info is None or info.format not in ("png", "jpeg", "webp"):
            return [
                problem(
                    f"Invalid image file or mode for image {index}, please check your image file.",
                    "image",
                    "invalid_image_file",
                )
            ]
    return _check_mask(request)


def _check_mask(request: ImageRequest) -> list[Problem]:
    mask = request.mask
    if mask is None or not request.images:
        return []
    info = image_info(mask.content)
    if info is None or info.format != "png" or mask.size > 4 * MB:
        return [
            problem("Invalid mask image: the mask must be a PNG file less than 4 MB.", "mask", "invalid_image_file")
        ]
    first = image_info(request.images[0].content)
    if first is not None and (first.width, first.height) != (info.width, info.height):
        return [
            problem(
                f"Invalid mask image: the mask is {info.width}x{info.height} but the image is "
                f"{first.width}x{first.height}; they must have the same dimensions.",
                "mask",
                "invalid_image_dimensions",
            )
        ]
    return []


def _check_legacy_upload(request: ImageRequest, operation: str) -> list[Problem]:
    images = request.images
    if len(images) > 1:
        return [problem("Invalid 'image': dall-e-2 accepts only one image.", "image", "invalid_value")]
    image = images[0]
    info = image_info(image.content)
    if info is None or info.format != "png" or image.size > 4 * MB:
        return [problem("Uploaded image must be a PNG and less than 4 MB.", "image", None)]
    if info.width != info.height:
        return [problem("Uploaded image must be square.", "image", None)]
    if operation == "images.edit":
        if request.mask is None and info.mode not in ("RGBA", "LA", "L"):
            return [
                problem(
                    f"Invalid input image - format must be in ['RGBA', 'LA', 'L'], got {info.mode}.",
                    "image",
                    None,
                )
            ]
        return _check_mask(request)
    return []
