"""Images through the official `openai` SDK, sync and async: generations, edits, variations, streams."""

from __future__ import annotations

import base64
import struct
import zlib

import httpx
import openai
import pydantic
import pytest
from openai.types import ImageEditStreamEvent, ImageGenStreamEvent, ImagesResponse
from sdk_shapes import warns_if_sdk_deprecates

from fakeopenai import FakeOpenAI
from fakeopenai.endpoints._images_png import encode_png

STREAM_EVENTS: pydantic.TypeAdapter[ImageGenStreamEvent] = pydantic.TypeAdapter(ImageGenStreamEvent)
EDIT_EVENTS: pydantic.TypeAdapter[ImageEditStreamEvent] = pydantic.TypeAdapter(ImageEditStreamEvent)


def png(width: int, height: int, *, alpha: bool = True, extra: bytes = b"") -> bytes:
    """A PNG to upload; `extra` pads it with a text chunk."""
    pixel = b"\x10\x20\x30\xff" if alpha else b"\x10\x20\x30"
    data = encode_png(width, height, [pixel * width] * height, alpha=alpha)
    if extra:
        chunk = b"tEXt" + extra
        padding = struct.pack(">I", len(extra)) + chunk + struct.pack(">I", zlib.crc32(chunk))
        data = data[:-12] + padding + data[-12:]
    return data


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, colour type and the pixels of a PNG, row after row, checking every chunk's CRC.

    Rows may be filtered with None or Up, the two filters the fake writes.
    """
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    index, idat, header = 8, b"", b""
    while index < len(data):
        (length,) = struct.unpack(">I", data[index : index + 4])
        kind, body = data[index + 4 : index + 8], data[index + 8 : index + 8 + length]
        (crc,) = struct.unpack(">I", data[index + 8 + length : index + 12 + length])
        assert crc == zlib.crc32(kind + body)
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        index += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8
    stride = width * {2: 3, 6: 4}[color_type]
    filtered, pixels, above = zlib.decompress(idat), bytearray(), bytes(stride)
    assert len(filtered) == height * (1 + stride)
    for start in range(0, len(filtered), 1 + stride):
        kind, row = filtered[start], filtered[start + 1 : start + 1 + stride]
        assert kind in (0, 2), f"filter {kind}"
        above = row if kind == 0 else bytes((a + b) & 0xFF for a, b in zip(row, above, strict=True))
        pixels += above
    return width, height, color_type, bytes(pixels)


def test_png_rows_come_back_as_they_went_in_repeated_or_not() -> None:
    red, blue = b"\xff\x00\x00" * 3, b"\x00\x00\xff" * 3
    rows = [red, red, blue, red, red, red, blue]
    assert decode_png(encode_png(3, 7, rows, alpha=False)) == (3, 7, 2, b"".join(rows))
    translucent = [b"\x10\x20\x30\x40" * 2] * 4
    assert decode_png(encode_png(2, 4, translucent, alpha=True)) == (2, 4, 6, b"".join(translucent))


def image_bytes(item: openai.types.Image) -> bytes:
    assert item.b64_json is not None
    return base64.b64decode(item.b64_json)


def test_gpt_image_generates_decodable_pngs_of_the_size_asked(fake_openai: FakeOpenAI) -> None:
    result = openai.OpenAI().images.generate(model="gpt-image-1", prompt="A sea otter", size="1536x1024", n=2)

    assert result.data is not None and len(result.data) == 2
    width, height, color_type, rows = decode_png(image_bytes(result.data[0]))
    assert (width, height, color_type) == (1536, 1024, 2)
    assert len(rows) == height * width * 3
    assert result.data[0].b64_json != result.data[1].b64_json  # each of the n images is its own
    assert (result.size, result.quality, result.output_format, result.background) == (
        "1536x1024",
        "high",
        "png",
        "opaque",
    )
    assert result.usage is not None
    assert result.usage.output_tokens == 2 * 6208
    assert result.usage.total_tokens == result.usage.input_tokens + result.usage.output_tokens
    assert result.usage.input_tokens_details.text_tokens > 0
    body = fake_openai.images.calls.last.response
    assert ImagesResponse.model_validate(body).model_extra == {}
    assert body["data"][0].keys() == {"b64_json"}


def test_the_same_prompt_draws_the_same_picture(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()

    def draw(prompt: str) -> bytes:
        data = client.images.generate(model="gpt-image-1.5", prompt=prompt, size="1024x1024").data
        assert data is not None
        return image_bytes(data[0])

    assert draw("a red barn") == draw("a red barn")
    assert draw("a red barn") != draw("a blue barn")


def test_auto_size_and_quality_are_resolved(fake_openai: FakeOpenAI) -> None:
    result = openai.OpenAI().images.generate(model="gpt-image-1-mini", prompt="x", size="auto", quality="low")
    assert (result.size, result.quality) == ("1024x1024", "low")
    assert result.usage is not None and result.usage.output_tokens == 272


@pytest.mark.parametrize(
    ("output_format", "magic"), [("jpeg", b"\xff\xd8\xff"), ("webp", b"RIFF"), ("png", b"\x89PNG")]
)
def test_output_formats_are_real_files_of_the_size(fake_openai: FakeOpenAI, output_format: str, magic: bytes) -> None:
    from fakeopenai.endpoints._images_png import image_info

    options = {"output_compression": 50} if output_format != "png" else {}
    result = openai.OpenAI().images.generate(
        model="gpt-image-2",
        prompt="a lighthouse",
        size="1536x864",
        output_format=output_format,
        **options,  # type: ignore[arg-type]
    )
    assert result.data is not None
    content = image_bytes(result.data[0])
    assert content.startswith(magic)
    info = image_info(content)
    assert info is not None and (info.format, info.width, info.height) == (output_format, 1536, 864)
    assert result.output_format == output_format
    if output_format == "jpeg":
        assert content.endswith(b"\xff\xd9")


def test_transparent_background_has_an_alpha_channel(fake_openai: FakeOpenAI) -> None:
    result = openai.OpenAI().images.generate(model="gpt-image-1", prompt="a sticker", background="transparent")
    assert result.data is not None and result.background == "transparent"
    _, _, color_type, rows = decode_png(image_bytes(result.data[0]))
    assert color_type == 6
    assert rows[:4] == b"\x00\x00\x00\x00"  # the top-left pixel is see-through


@pytest.mark.parametrize(
    ("options", "message", "param"),
    [
        (
            {"model": "gpt-image-1", "size": "512x512"},
            "Invalid value: '512x512'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.",
            "size",
        ),
        ({"model": "gpt-image-2", "size": "1000x600"}, "Width and height must both be divisible by 16.", "size"),
        ({"model": "gpt-image-2", "size": "3200x800"}, "The aspect ratio must be between 1:3 and 3:1.", "size"),
        (
            {"model": "gpt-image-1", "quality": "xhigh"},
            "Invalid value: 'xhigh'. Supported values are: 'low', 'medium', 'high', and 'auto'.",
            "quality",
        ),
        (
            {"model": "gpt-image-1", "response_format": "url"},
            "Unknown parameter: 'response_format'.",
            "response_format",
        ),
        ({"model": "gpt-image-1", "style": "vivid"}, "Unknown parameter: 'style'.", "style"),
        (
            {"model": "gpt-image-1", "output_compression": 80},
            "Compression less than 100 is not supported for PNG output format.",
            "output_compression",
        ),
        (
            {"model": "gpt-image-1", "background": "transparent", "output_format": "jpeg"},
            "Transparent background is not supported",
            "background",
        ),
        ({"model": "dall-e-3", "n": 2}, "You must provide n=1 for this model.", None),
        (
            {"model": "dall-e-3", "size": "256x256"},
            "Invalid value: '256x256'. Supported values are: '1024x1024', '1792x1024', and '1024x1792'.",
            "size",
        ),
        (
            {"model": "dall-e-2", "size": "1792x1024"},
            "Invalid value: '1792x1024'. Supported values are: '256x256', '512x512', and '1024x1024'.",
            "size",
        ),
        ({"model": "dall-e-2", "background": "opaque"}, "Unknown parameter: 'background'.", "background"),
        (
            {"model": "dall-e-2", "prompt": "x" * 1001},
            "Expected a string with maximum length 1000, but got a string with length 1001",
            "prompt",
        ),
    ],
)
def test_what_a_model_does_not_support_is_refused(
    fake_openai: FakeOpenAI, options: dict[str, object], message: str, param: str | None
) -> None:
    request = {"prompt": "a cat", **options}
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().images.generate(**request)  # type: ignore[call-overload]
    assert message in caught.value.message
    assert isinstance(caught.value.body, dict) and caught.value.body["param"] == param
    fake_openai.reset()


def test_flexible_sizes_and_extra_qualities_of_newer_models(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    wide = client.images.generate(model="gpt-image-2", prompt="x", size="2048x1152")
    assert (
        wide.size == "2048x1152"
        and wide.usage is not None
        and wide.usage.output_tokens == round(4160 * 2048 * 1152 / 1024**2)
    )
    best = client.images.generate(model="gpt-image-2.5-sunburst", prompt="x", quality="max")
    assert best.quality == "max"


def test_unknown_model_is_404(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        openai.OpenAI().images.generate(model="gpt-image-9", prompt="x")
    assert caught.value.code == "model_not_found"
    fake_openai.reset()


def test_dall_e_3_answers_a_url_the_fake_serves(fake_openai: FakeOpenAI) -> None:
    result = openai.OpenAI().images.generate(model="dall-e-3", prompt="A cute baby sea otter.", style="natural")

    assert result.data is not None and result.usage is None and result.size is None
    [item] = result.data
    assert item.url is not None and item.b64_json is None
    assert (
        item.revised_prompt
        and item.revised_prompt.startswith("A cute baby sea otter")
        and "natural" in item.revised_prompt
    )
    download = httpx.get(item.url)  # image URLs need no key, as the real ones do
    assert download.status_code == 200 and download.headers["content-type"] == "image/png"
    assert decode_png(download.content)[:2] == (1024, 1024)
    missing = httpx.get(item.url.replace("img-", "img-x"), headers={"Authorization": "Bearer k"})
    assert missing.status_code == 404


def test_dall_e_2_is_the_default_model_and_answers_base64_on_request(fake_openai: FakeOpenAI) -> None:
    result = openai.OpenAI().images.generate(prompt="x", size="256x256", response_format="b64_json")
    assert result.data is not None
    assert decode_png(image_bytes(result.data[0]))[:2] == (256, 256)
    assert fake_openai.images.calls.last.request.n == 1


def test_streamed_generation_sends_partial_images_then_the_final_one(fake_openai: FakeOpenAI) -> None:
    stream = openai.OpenAI().images.generate(
        model="gpt-image-1.5", prompt="A fox", stream=True, partial_images=2, size="1024x1536", quality="medium"
    )
    events = list(stream)

    assert [e.type for e in events] == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]
    assert [getattr(e, "partial_image_index", None) for e in events] == [0, 1, None]
    assert all(e.model_extra == {} for e in events)
    final = events[-1]
    assert final.type == "image_generation.completed"
    assert final.usage.output_tokens == 1584 and final.size == "1024x1536" and final.quality == "medium"
    pictures = [base64.b64decode(e.b64_json) for e in events]
    assert len(set(pictures)) == 3 and all(decode_png(p)[:2] == (1024, 1536) for p in pictures)
    raw = fake_openai.images.calls.last.response
    assert [STREAM_EVENTS.validate_python(event).type for event in raw] == [e.type for e in events]
    whole = openai.OpenAI().images.generate(model="gpt-image-1.5", prompt="A fox", size="1024x1536", quality="medium")
    assert whole.data is not None and whole.data[0].b64_json == final.b64_json  # same picture, streamed or not


def test_stream_without_partial_images_is_one_event(fake_openai: FakeOpenAI) -> None:
    events = list(openai.OpenAI().images.generate(model="gpt-image-1", prompt="x", stream=True))
    assert [e.type for e in events] == ["image_generation.completed"]


async def test_async_generation_and_streamed_edit(fake_openai: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI()
    generated = await client.images.generate(model="gpt-image-1", prompt="a kite")
    assert generated.data is not None

    stream = await client.images.edit(
        model="gpt-image-1",
        image=("kite.png", png(64, 64), "image/png"),
        prompt="make it red",
        stream=True,
        partial_images=1,
    )
    events = [event async for event in stream]
    assert [e.type for e in events] == ["image_edit.partial_image", "image_edit.completed"]
    assert [EDIT_EVENTS.validate_python(e).type for e in fake_openai.images.calls.last.response] == [
        e.type for e in events
    ]
    assert events[-1].model_extra == {}


def test_edit_uploads_several_images_and_a_mask_as_multipart(fake_openai: FakeOpenAI) -> None:
    first, second = png(300, 200), png(128, 128, alpha=False)
    result = openai.OpenAI().images.edit(
        model="gpt-image-1.5",
        image=[("lotion.png", first, "image/png"), ("soap.png", second, "image/png")],
        mask=("mask.png", png(300, 200), "image/png"),
        prompt="A gift basket with these items",
        size="1024x1024",
    )

    assert result.data is not None and decode_png(image_bytes(result.data[0]))[:2] == (1024, 1024)
    assert result.usage is not None and result.usage.input_tokens_details.image_tokens == 2 * 323
    request = fake_openai.images.calls.last.request
    assert [part.filename for part in request.images] == ["lotion.png", "soap.png"]
    assert request.images[0].content == first
    assert request.mask is not None and request.mask.content_type == "image/png"
    assert request.prompt == "A gift basket with these items"


@pytest.mark.parametrize(
    ("image", "mask", "message"),
    [
        (
            ("a.gif", b"GIF89a\x01\x00\x01\x00", "image/gif"),
            None,
            "Invalid file 'image': unsupported mimetype ('image/gif'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
        ),
        (
            ("a.png", b"not a png at all", "image/png"),
            None,
            "Invalid image file or mode for image 1, please check your image file.",
        ),
        (
            ("a.png", png(64, 64), "image/png"),
            ("m.png", png(32, 32), "image/png"),
            "the mask is 32x32 but the image is 64x64",
        ),
        (("a.png", png(64, 64), "image/png"), ("m.jpg", b"\xff\xd8\xff\xe0", "image/jpeg"), "the mask must be a PNG"),
    ],
)
def test_edit_uploads_are_checked(
    fake_openai: FakeOpenAI, image: tuple[str, bytes, str], mask: tuple[str, bytes, str] | None, message: str
) -> None:
    options = {"mask": mask} if mask else {}
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().images.edit(model="gpt-image-1", image=image, prompt="x", **options)  # type: ignore[arg-type]
    assert message in caught.value.message
    fake_openai.reset()


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (png(64, 64, alpha=False), "Invalid input image - format must be in ['RGBA', 'LA', 'L'], got RGB."),
        (png(64, 32), "Uploaded image must be square."),
        (b"\xff\xd8\xff\xe0 a jpeg", "Uploaded image must be a PNG and less than 4 MB."),
        (
            png(64, 64, extra=b"comment\x00" + b"x" * (4 * 1024 * 1024)),
            "Uploaded image must be a PNG and less than 4 MB.",
        ),
    ],
)
def test_dall_e_2_edits_take_one_square_transparent_png_under_4_mb(
    fake_openai: FakeOpenAI, image: bytes, message: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().images.edit(model="dall-e-2", image=("a.png", image, "image/png"), prompt="x")
    assert caught.value.body["message"] == message  # type: ignore[index]
    fake_openai.reset()


def test_dall_e_2_edit_answers_a_url(fake_openai: FakeOpenAI) -> None:
    result = openai.OpenAI().images.edit(
        model="dall-e-2", image=("a.png", png(64, 64), "image/png"), prompt="x", size="512x512"
    )
    assert result.data is not None and result.data[0].url is not None and "/_fakeopenai/images/" in result.data[0].url


def test_variations_of_a_square_png(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    with warns_if_sdk_deprecates(client.images.create_variation):
        result = client.images.create_variation(
            image=("o.png", png(32, 32), "image/png"), n=3, size="256x256", response_format="b64_json"
        )
    assert result.data is not None and len(result.data) == 3
    assert {decode_png(image_bytes(item))[:2] for item in result.data} == {(256, 256)}
    with warns_if_sdk_deprecates(client.images.create_variation), pytest.raises(openai.BadRequestError) as caught:
        client.images.create_variation(image=("o.png", png(32, 16), "image/png"))
    assert caught.value.body["message"] == "Uploaded image must be square."  # type: ignore[index]
    fake_openai.reset()


def test_scripted_images_answer_in_order_and_fill_n(fake_openai: FakeOpenAI) -> None:
    cat, dog = png(1024, 1024, alpha=False), png(1024, 1024)
    fake_openai.images.respond_with_image(cat, dog, user_message="pets")

    result = openai.OpenAI().images.generate(model="gpt-image-1", prompt="Draw my pets", n=3)

    assert result.data is not None
    assert [image_bytes(item) for item in result.data] == [cat, dog, cat]
    assert fake_openai.images.calls.last.answered_by == "script"


def test_scripted_image_as_url_and_in_a_stream(fake_openai: FakeOpenAI) -> None:
    picture = png(1024, 1024)
    fake_openai.images.respond_with_image(picture, revised_prompt="An otter, revised.", times=2)
    client = openai.OpenAI()

    result = client.images.generate(model="dall-e-3", prompt="otter")
    assert result.data is not None and result.data[0].revised_prompt == "An otter, revised."
    assert result.data[0].url is not None
    assert httpx.get(result.data[0].url, headers={"Authorization": "Bearer k"}).content == picture

    events = list(client.images.generate(model="gpt-image-1", prompt="otter", stream=True, partial_images=1))
    assert [base64.b64decode(e.b64_json) for e in events] == [picture, picture]


def test_a_scripted_image_the_api_could_not_answer_is_reported() -> None:
    with FakeOpenAI() as fake:
        fake.images.respond_with_image(png(64, 64))
        fake.client().images.generate(model="gpt-image-1", prompt="x", output_format="jpeg")
        report = fake.report() or ""
        fake.reset()
    assert "image 0 is png, but jpeg was asked for" in report
    assert "image 0 is 64x64, but 1024x1024 was asked for" in report


def test_safety_rejection_and_faults_can_be_scripted(fake_openai: FakeOpenAI) -> None:
    fake_openai.images.respond_with_safety_rejection(user_message="forbidden")
    fake_openai.images.respond_with_error(429, headers={"Retry-After": "0"})
    client = openai.OpenAI(max_retries=0)

    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gpt-image-1", prompt="something forbidden")
    assert caught.value.code == "moderation_blocked"
    with pytest.raises(openai.RateLimitError):
        client.images.generate(model="gpt-image-1", prompt="fine")


def test_respond_with_image_refuses_what_is_not_an_image(fake_openai: FakeOpenAI) -> None:
    from fakeopenai import ConfigurationError

    with pytest.raises(ConfigurationError, match="not a PNG, JPEG, WebP or GIF"):
        fake_openai.images.respond_with_image(b"hello")


def test_bad_multipart_bodies_get_the_apis_errors(fake_openai: FakeOpenAI) -> None:
    url = fake_openai.base_url + "/images/edits"
    auth = {"Authorization": f"Bearer {fake_openai.api_key}"}

    no_file = httpx.post(
        url, headers=auth, data={"prompt": "x", "model": "gpt-image-1"}, files={"note": ("n.txt", b"x")}
    )
    assert no_file.status_code == 400
    assert no_file.json()["error"]["message"] == "Missing required parameter: 'image'."

    request = httpx.Request(
        "POST", url, headers=auth, files={"image": ("a.png", png(8, 8), "image/png")}, data={"prompt": "x"}
    )
    body = request.read()
    truncated = httpx.post(url, headers={**auth, "Content-Type": request.headers["Content-Type"]}, content=body[:-20])
    assert truncated.status_code == 400 and "multipart" in truncated.json()["error"]["message"]

    as_json = httpx.post(url, headers=auth, json={"prompt": "x", "image": "a.png"})
    assert as_json.status_code == 400
    assert as_json.json()["error"]["message"].startswith("Invalid Content-Type header (application/json)")
    fake_openai.reset()
