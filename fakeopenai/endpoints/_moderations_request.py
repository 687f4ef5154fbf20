"""Moderation requests: a typed view, and the checks the API makes beyond the schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._app.views import RequestView
from .._validation.bodies import Problem
from ._models_shared import problem
from ._moderations_categories import is_text_model

DEFAULT_MODEL = "omni-moderation-latest"


@dataclass(frozen=True)
class ModerationInput:
    """One input, which gets one result: a text, or the parts of a multimodal input."""

    texts: tuple[str, ...]
    image_urls: tuple[str, ...] = ()

    @property
    def seed(self) -> str:
        """What its scores derive from."""
        return "\x1f".join(self.texts + self.image_urls)


class ModerationRequest(RequestView):
    """A moderation request (`POST /v1/moderations`)."""

    __slots__ = ()

    @property
    def effective_model(self) -> str:
        """The model that answers: the one sent, else omni-moderation-latest."""
        return self.model or DEFAULT_MODEL

    @property
    def inputs(self) -> list[ModerationInput]:
        """A string is one input; a list of strings is one input each; a list of parts is a single input."""
        value: Any = self.get("input")
        if isinstance(value, str):
            return [ModerationInput((value,))]
        if not isinstance(value, list):
            return []
        if value and all(isinstance(v, str) for v in value):
            return [ModerationInput((v,)) for v in value]
        parts = [p for p in value if isinstance(p, Mapping)]
        texts = tuple(str(p.get("text")) for p in parts if p.get("type") == "text")
        images = tuple(str((p.get("image_url") or {}).get("url")) for p in parts if p.get("type") == "image_url")
        return [ModerationInput(texts, images)]

    @property
    def texts(self) -> list[str]:
        """Every text moderated."""
        return [text for item in self.inputs for text in item.texts]

    @property
    def image_urls(self) -> list[str]:
        """Every image URL moderated."""
        return [url for item in self.inputs for url in item.image_urls]

    @property
    def last_user_message(self) -> str:
        """The last text, so `user_message=` script conditions match moderations too."""
        texts = self.texts
        return texts[-1] if texts else ""


def check_moderation_request(view: RequestView) -> list[Problem]:
    """The semantic problems of a moderation request."""
    assert isinstance(view, ModerationRequest)
    if is_text_model(view.effective_model) and view.image_urls:
        # No public record shows this refusal's text.
        return [problem(f"Model {view.effective_model} does not support image inputs.", "input", at="$.input")]
    return []
