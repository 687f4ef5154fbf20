"""The typed view of audio requests: speech (JSON), transcriptions and translations (multipart)."""

from __future__ import annotations

from .._app.multipart import FilePart
from .._app.views import RequestView
from ._images_request import form_float, form_list, form_str


class AudioRequest(RequestView):
    """A request to `audio.speech.create`, `audio.transcriptions.create` or `audio.translations.create`.

    For scripts, `user_message=` matches the speech `input`, or a transcription's `prompt`.
    """

    __slots__ = ()

    @property
    def file(self) -> FilePart | None:
        """The uploaded audio file, if any."""
        value = self.get("file")
        return value if isinstance(value, FilePart) else None

    @property
    def input(self) -> str:
        """The text to speak ("" for transcriptions)."""
        return form_str(self, "input") or ""

    @property
    def prompt(self) -> str:
        """The transcription prompt ("" if none)."""
        return form_str(self, "prompt") or ""

    @property
    def last_user_message(self) -> str:
        """The speech input, or the transcription prompt, so that `user_message=` scripts match on it."""
        return self.input or self.prompt

    @property
    def stream(self) -> bool:
        """Whether the client asked for a stream of events (`stream` or, for speech, `stream_format="sse"`)."""
        value = self.get("stream")
        return value is True or value == "true" or self.get("stream_format") == "sse"

    @property
    def response_format(self) -> str | None:
        """The `response_format` sent, or None."""
        return form_str(self, "response_format")

    @property
    def timestamp_granularities(self) -> list[str]:
        """The timestamp granularities asked for (`[]` if none)."""
        return [str(v) for v in form_list(self, "timestamp_granularities")]

    @property
    def include(self) -> list[str]:
        """The `include[]` values sent (`[]` if none)."""
        return [str(v) for v in form_list(self, "include")]

    @property
    def speed(self) -> float:
        """The speech speed (1.0 when not given)."""
        return form_float(self, "speed") or 1.0
