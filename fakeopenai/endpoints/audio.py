"""Audio: `POST /v1/audio/speech`, `/v1/audio/transcriptions` and `/v1/audio/translations`.

Speech is synthesised deterministically: a tone per word, as long as the word,
divided by `speed`. WAV, PCM and FLAC carry those samples; MP3, Opus and AAC
are valid silent streams of the same duration. Transcriptions are
deterministic per recording, laid out over its duration; a recording this fake
synthesised (in the same test) transcribes back to the text it spoke.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
from collections.abc import Callable, Iterator
from typing import cast

from .._app.responses import EventStream, RawResponse, Response, SseEvent
from .._app.state import Context
from .._app.views import RequestView
from .._errors import ApiError, ConfigurationError
from .._scripting.script import Fault, Message
from .._simulation.fabricate import fabricate_text
from .._simulation.tokens import count_tokens
from .._validation.bodies import Problem
from . import _audio_codecs as codecs
from ._audio_request import AudioRequest
from ._audio_rules import (
    MAX_UPLOAD,
    SPEECH_CONTENT_TYPES,
    SPEECH_MODELS,
    TRANSCRIBE_MODELS,
    check_speech,
    check_transcription,
    duration,
)
from ._audio_transcripts import Transcript, render
from ._audio_wav import duration_of, synthesize, to_flac, to_wav
from ._images_request import form_str
from ._images_rules import problem
from ._route import Route

SPEECH, TRANSCRIPTION, TRANSLATION = "audio.speech.create", "audio.transcriptions.create", "audio.translations.create"
_SPOKEN_KEY = "audio.spoken"
_SSE_CHUNK = 8192


class Spoken:
    """What this server's speech endpoint said, by the SHA-256 of the audio it answered."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, audio: bytes, text: str) -> None:
        """Remember that `audio` says `text`."""
        with self._lock:
            self._texts[hashlib.sha256(audio).hexdigest()] = text

    def text_of(self, audio: bytes) -> str | None:
        """What `audio` says, if this server made it."""
        with self._lock:
            return self._texts.get(hashlib.sha256(audio).hexdigest())


def _spoken(ctx: Context) -> Spoken:
    spoken = ctx.state.resources.setdefault(_SPOKEN_KEY, Spoken())
    assert isinstance(spoken, Spoken)
    return spoken


def _refusal(ctx: Context, models: tuple[str, ...]) -> ApiError | None:
    """The 404 for an unknown model, or the 413 for an upload over 25 MB."""
    request: AudioRequest = ctx.request
    name = request.model or ""
    if name not in models:
        ctx.call.problems = (problem(f"The model `{name}` does not exist.", "model", "model_not_found"),)
        return ApiError(
            404, f"The model `{name}` does not exist or you do not have access to it.", code="model_not_found"
        )
    upload = request.file
    if upload is not None and upload.size > MAX_UPLOAD:
        message = f"Maximum content size limit ({MAX_UPLOAD}) exceeded ({len(ctx.raw_body)} bytes read)"
        ctx.call.problems = (problem(message, "file", None),)
        return ApiError(413, message, type="server_error")
    return None


def _scripted_message(ctx: Context, operation: str) -> Message | ApiError | None:
    entry = ctx.state.scripts.take(operation, ctx.request, model_turn=False)
    if entry is None:
        return None
    if isinstance(entry.answer, Fault):
        return entry.answer.to_error()
    if entry.answer.content is None:
        raise ConfigurationError(f"{entry.describe()} cannot answer {operation}: script text or an error.")
    return entry.answer


# --- speech ----------------------------------------------------------------


def _speech_bytes(text: str, response_format: str, speed: float) -> tuple[bytes, float]:
    pcm = synthesize(text, speed)
    seconds = duration_of(pcm)
    encoders: dict[str, Callable[[], bytes]] = {
        "wav": lambda: to_wav(pcm),
        "pcm": lambda: pcm,
        "flac": lambda: to_flac(pcm),
        "mp3": lambda: codecs.mp3(seconds),
        "opus": lambda: codecs.opus(seconds),
        "aac": lambda: codecs.aac(seconds),
    }
    return encoders[response_format](), seconds


def _speak(ctx: Context, text: str) -> Response:
    request: AudioRequest = ctx.request
    response_format = request.response_format or "mp3"
    audio, seconds = _speech_bytes(text, response_format, request.speed)
    _spoken(ctx).add(audio, text)
    if form_str(request, "stream_format") == "sse":
        return EventStream(_speech_events(request, audio, seconds))
    return RawResponse(audio, SPEECH_CONTENT_TYPES[response_format])


def _speech_events(request: AudioRequest, audio: bytes, seconds: float) -> Iterator[SseEvent]:
    for start in range(0, len(audio), _SSE_CHUNK):
        chunk = base64.b64encode(audio[start : start + _SSE_CHUNK]).decode()
        yield SseEvent(json.dumps({"type": "speech.audio.delta", "audio": chunk}))
    input_tokens = count_tokens(request.input) + count_tokens(form_str(request, "instructions") or "")
    output_tokens = max(1, math.ceil(seconds * 12.5))
    usage = {"input_tokens": input_tokens, "output_tokens": output_tokens, "total_tokens": input_tokens + output_tokens}
    yield SseEvent(json.dumps({"type": "speech.audio.done", "usage": usage}))


def speech_script(ctx: Context) -> Response | None:
    """A 404 or a scripted answer: an error, or the text to speak instead of the input."""
    refused = _refusal(ctx, SPEECH_MODELS)
    if refused is not None:
        return refused
    scripted = _scripted_message(ctx, SPEECH)
    if isinstance(scripted, Message):
        return _speak(ctx, scripted.content or "")
    return scripted


def speech_simulate(ctx: Context) -> Response:
    """The input, spoken."""
    request: AudioRequest = ctx.request
    return _speak(ctx, request.input)


# --- transcriptions and translations ---------------------------------------


def _listen(ctx: Context, text: str | None, chunks: tuple[str, ...] | None = None) -> Response:
    request: AudioRequest = ctx.request
    upload = request.file
    content = upload.content if upload is not None else b""
    if text is None:
        text = _spoken(ctx).text_of(content)
    if text is None:
        seed = json.dumps([hashlib.sha256(content).hexdigest(), request.model, request.get("language"), request.prompt])
        text = fabricate_text(seed)
    transcript = Transcript(text, duration(content), chunks)
    return render(request, transcript, translation=ctx.operation == TRANSLATION)


def _listening_script(operation: str) -> Callable[[Context], Response | None]:
    def scripted(ctx: Context) -> Response | None:
        refused = _refusal(ctx, TRANSCRIBE_MODELS)
        if refused is not None:
            return refused
        answer = _scripted_message(ctx, operation)
        if isinstance(answer, Message):
            return _listen(ctx, answer.content, answer.chunks)
        return answer

    return scripted


def listen_simulate(ctx: Context) -> Response:
    """A deterministic transcript of the upload (what it says, if this fake spoke it)."""
    return _listen(ctx, None)


def _checker(operation: str) -> Callable[[RequestView], list[Problem]]:
    def check(view: RequestView) -> list[Problem]:
        request = cast(AudioRequest, view)
        return check_speech(request) if operation == SPEECH else check_transcription(request, operation)

    check.__name__ = f"check_{operation.replace('.', '_')}"
    return check


ROUTES = [
    Route("POST", "/v1/audio/speech", SPEECH, speech_simulate, speech_script, _checker(SPEECH), AudioRequest),
    *(
        Route(
            "POST",
            rule,
            operation,
            listen_simulate,
            _listening_script(operation),
            _checker(operation),
            AudioRequest,
            body="multipart",
        )
        for rule, operation in (
            ("/v1/audio/transcriptions", TRANSCRIPTION),
            ("/v1/audio/translations", TRANSLATION),
        )
    ),
]
