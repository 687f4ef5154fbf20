"""Scripting verbs for the audio endpoints: what an uploaded recording says."""

from __future__ import annotations

from typing_extensions import Unpack

from .._scripting.vocabulary import Scripting, ScriptOptions
from ._audio_request import AudioRequest

TRANSCRIBING = frozenset({"audio.transcriptions.create", "audio.translations.create"})


class AudioScripting(Scripting[AudioRequest]):
    """Script `audio.speech.create`, `audio.transcriptions.create` and `audio.translations.create`.

    `respond_with_message(text)` answers any of them: a transcript for the
    two that listen, the words spoken for speech.
    """

    def transcribe_as(self, text: str, *, chunks: list[str] | None = None, **options: Unpack[ScriptOptions]) -> None:
        """Answer a transcription or translation with `text`; `chunks` cuts a streamed transcript into deltas.

        Timestamps, segments and subtitles are laid out over the recording's duration.
        """
        listening = Scripting[AudioRequest](self._state, TRANSCRIBING & (self._operations or TRANSCRIBING))
        listening.respond_with_message(text, chunks=chunks, **options)
