import base64

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:generate]
def make_thumbnail(prompt: str) -> bytes:
    """The code under test: ask for an image, return the PNG bytes."""
    result = openai.OpenAI().images.generate(model="gpt-image-1.5", prompt=prompt, size="1024x1024")
    return base64.b64decode(result.data[0].b64_json)  # type: ignore[index, arg-type]


def test_a_simulated_image_is_a_real_png(fake_openai: FakeOpenAI) -> None:
    image = make_thumbnail("A lighthouse at dusk")

    assert image.startswith(b"\x89PNG")
    assert int.from_bytes(image[16:20], "big") == 1024  # width, from the PNG header
    assert make_thumbnail("A lighthouse at dusk") == image  # the same prompt draws the same picture
    assert fake_openai.images.calls.last.request.prompt == "A lighthouse at dusk"


# --8<-- [end:generate]


# --8<-- [start:script]
def test_script_the_image_the_model_draws(fake_openai: FakeOpenAI) -> None:
    logo = make_thumbnail("anything")  # any PNG, JPEG or WebP bytes; here one the fake drew
    fake_openai.images.respond_with_image(logo, user_message="lighthouse")

    assert make_thumbnail("A lighthouse at dusk") == logo


# --8<-- [end:script]


# --8<-- [start:url]
def test_urls_are_served_by_the_fake(fake_openai: FakeOpenAI) -> None:
    result = openai.OpenAI().images.generate(model="dall-e-3", prompt="An otter", response_format="url")
    url = result.data[0].url  # type: ignore[index]

    assert url is not None and url.startswith(fake_openai.url + "/_fakeopenai/images/")
    download = httpx.get(url)
    assert download.headers["content-type"] == "image/png"


# --8<-- [end:url]


# --8<-- [start:stream]
def test_partial_images_stream_before_the_final_one(fake_openai: FakeOpenAI) -> None:
    stream = openai.OpenAI().images.generate(model="gpt-image-1.5", prompt="A fox", stream=True, partial_images=2)

    kinds = [event.type for event in stream]

    assert kinds == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]


# --8<-- [end:stream]


# --8<-- [start:edit]
def test_uploads_are_checked_as_the_api_checks_them(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    photo = make_thumbnail("a photo")

    edited = client.images.edit(model="gpt-image-1.5", image=("photo.png", photo, "image/png"), prompt="Add a hat")
    assert edited.data is not None
    assert fake_openai.images.calls.last.request.images[0].filename == "photo.png"

    with pytest.raises(openai.BadRequestError, match="unsupported mimetype"):
        client.images.edit(model="gpt-image-1.5", image=("photo.gif", b"GIF89a...", "image/gif"), prompt="Add a hat")
    fake_openai.reset()  # the refused request would otherwise fail this test at teardown


# --8<-- [end:edit]
