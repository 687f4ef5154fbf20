"""The typed view of image requests (JSON for generations, multipart for edits and variations)."""

from __future__ import annotations

from typing import Any

from .._app.multipart import FilePart
from .._app.views import RequestView


def form_list(view: RequestView, name: str) -> list[Any]:
    """A list field, sent as JSON (`name`) or as repeated form fields (`name[]`)."""
    value = view.get(name, view.get(f"{name}[]"))
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def form_int(view: RequestView, name: str) -> int | None:
    """An integer field, whether sent as JSON or as a form string."""
    value = view.get(name)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def form_float(view: RequestView, name: str) -> float | None:
    """A number field, whether sent as JSON or as a form string."""
    value = view.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def form_str(view: RequestView, name: str) -> str | None:
    """A string field, or None when absent or null."""
    value = view.get(name)
    return value if isinstance(value, str) else None


class ImageRequest(RequestView):
    """A request to `images.generate`, `images.edit` or `images.create_variation`.

    For scripts, `user_message=` matches the prompt.
    """

    __slots__ = ()

    @property
    def prompt(self) -> str:
        """The prompt ("" for variations, which have none)."""
        return form_str(self, "prompt") or ""

    @property
    def last_user_message(self) -> str:
        """The prompt, so that `user_message=` scripts match on it."""
        return self.prompt

    @property
    def stream(self) -> bool:
        """Whether the client asked for a stream of events."""
        value = self.get("stream")
        return value is True or value == "true"

    @property
    def n(self) -> int:
        """How many images were asked for (1 when not given)."""
        return form_int(self, "n") or 1

    @property
    def size(self) -> str | None:
        """The `size` sent, or None."""
        return form_str(self, "size")

    @property
    def images(self) -> list[FilePart]:
        """The uploaded images (`image` or `image[]`), in order."""
        return [part for part in form_list(self, "image") if isinstance(part, FilePart)]

    @property
    def mask(self) -> FilePart | None:
        """The uploaded mask, if any."""
        value = self.get("mask")
        return value if isinstance(value, FilePart) else None
