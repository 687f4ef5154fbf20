"""Scripting verbs for the images endpoints: answer with given image files, or a safety refusal."""

from __future__ import annotations

from dataclasses import dataclass, field

from typing_extensions import Unpack

from .._errors import ConfigurationError
from .._scripting.script import Message
from .._scripting.vocabulary import Scripting, ScriptOptions
from ._images_png import image_info
from ._images_request import ImageRequest


@dataclass(frozen=True)
class ScriptedImages(Message):
    """A scripted answer of image files; its `content` only describes them, for reports."""

    images: tuple[bytes, ...] = field(default=(), repr=False)
    revised_prompt: str | None = None

    @classmethod
    def of(cls, images: tuple[bytes, ...], revised_prompt: str | None = None) -> ScriptedImages:
        """The answer for these image files."""
        kinds = ", ".join(f"{info.format} {info.width}x{info.height}" for info in map(image_info, images) if info)
        return cls(content=f"<{len(images)} image(s): {kinds}>", images=images, revised_prompt=revised_prompt)


class ImagesScripting(Scripting[ImageRequest]):
    """Script `images.generate`, `images.edit` and `images.create_variation`, and read their calls."""

    def respond_with_image(
        self, *images: bytes, revised_prompt: str | None = None, **options: Unpack[ScriptOptions]
    ) -> None:
        """Answer one matching request with these image files (PNG, JPEG or WebP bytes).

        They fill the `n` images asked for in order, repeated as needed; as a
        URL, each is served by the fake itself. `revised_prompt` is answered
        where the model revises prompts (`dall-e-3`).
        """
        if not images:
            raise TypeError("respond_with_image() needs at least one image.")
        for index, image in enumerate(images):
            if not isinstance(image, (bytes, bytearray)) or image_info(bytes(image)) is None:
                raise ConfigurationError(
                    f"Image {index} given to respond_with_image() is not a PNG, JPEG, WebP or GIF file."
                )
        self.respond_with(ScriptedImages.of(tuple(bytes(i) for i in images), revised_prompt), **options)

    def respond_with_safety_rejection(self, **options: Unpack[ScriptOptions]) -> None:
        """Answer as the API does when its safety system blocks a prompt (HTTP 400, `moderation_blocked`)."""
        self.respond_with_error(
            400,
            "Your request was rejected by the safety system. If you believe this is an error, contact us at "
            "help.openai.com and include the request ID if you have one.",
            code="moderation_blocked",
            param=None,
            **options,
        )
