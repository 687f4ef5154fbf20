"""What each audio model accepts, how uploads are recognised, and the real API's errors."""

from __future__ import annotations

import os

from .._validation.bodies import Problem
from ._audio_codecs import opus_duration
from ._audio_request import AudioRequest
from ._audio_wav import flac_duration, wav_duration
from ._images_request import form_str
from ._images_rules import listing, problem

SPEECH_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15", "gpt-4o-mini-tts-2025-03-20")
LEGACY_TTS = ("tts-1", "tts-1-hd")
VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
LEGACY_VOICES = ("alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer")
SPEECH_CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}

WHISPER = "whisper-1"
DIARIZE = "gpt-4o-transcribe-diarize"
TOKEN_MODELS = ("gpt-transcribe", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-mini-transcribe-2025-12-15")
LOGPROB_MODELS = ("gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-mini-transcribe-2025-12-15")
TRANSCRIBE_MODELS = (WHISPER, *TOKEN_MODELS, DIARIZE)
FORMATS = {
    WHISPER: ("json", "text", "srt", "verbose_json", "vtt"),
    DIARIZE: ("json", "text", "diarized_json"),
    **{model: ("json", "text") for model in TOKEN_MODELS},
}
UPLOAD_FORMATS = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
MAX_UPLOAD = 26_214_400


def sniff(content: bytes) -> str | None:
    """The container of an audio file from its first bytes (`wav`, `flac`, `ogg`, `mp3`, `mp4`, `webm`), or None."""
    if content[:4] == b"RIFF" and content[8:12] == b"WAVE":
        return "wav"
    if content.startswith(b"fLaC"):
        return "flac"
    if content.startswith(b"OggS"):
        return "ogg"
    if content.startswith(b"ID3") or (len(content) > 1 and content[0] == 0xFF and content[1] & 0xE0 == 0xE0):
        return "mp3"
    if content[4:8] == b"ftyp":
        return "mp4"
    if content.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return None


def measured_duration(content: bytes) -> float | None:
    """The length in seconds of an uploaded audio file: read from its header where it says, else
    estimated (at 128 kb/s); None when a header that should say cannot be read (a broken file)."""
    exact = {"wav": wav_duration, "flac": flac_duration, "ogg": opus_duration}.get(sniff(content) or "")
    return exact(content) if exact is not None else len(content) / 16_000


def duration(content: bytes) -> float:
    """The length in seconds of an uploaded audio file (0 for a broken one)."""
    return measured_duration(content) or 0.0


def _extension(filename: str | None) -> str:
    return os.path.splitext(filename or "")[1].lstrip(".").lower()


def check_upload(request: AudioRequest) -> list[Problem]:
    """The uploaded file: a supported format, decodable, long enough."""
    upload = request.file
    if upload is None:
        return []
    if _extension(upload.filename) not in UPLOAD_FORMATS:
        formats = ", ".join(f"'{f}'" for f in UPLOAD_FORMATS)
        return [problem(f"Invalid file format. Supported formats: [{formats}]", None, None)]
    seconds = measured_duration(upload.content) if sniff(upload.content) else None
    if seconds is None:
        return [problem("Audio file might be corrupted or unsupported", "file", "invalid_value")]
    if seconds < 0.1:
        return [problem("Audio file is too short. Minimum audio length is 0.1 seconds.", "file", "audio_too_short")]
    return []


def check_transcription(request: AudioRequest, operation: str) -> list[Problem]:
    """What the model supports: response formats, timestamps, logprobs, diarization options."""
    model = request.model or ""
    if model not in TRANSCRIBE_MODELS:
        return []  # answered 404
    if operation == "audio.translations.create" and model != WHISPER:
        return [
            problem(f"The model '{model}' does not support translations. Use 'whisper-1'.", "model", "invalid_value")
        ]
    response_format = request.response_format or "json"
    if response_format not in FORMATS[model]:
        return [
            problem(
                f"response_format '{response_format}' is not compatible with model '{model}'. "
                f"Use {listing(FORMATS[model]).replace(', and', ' or').replace(' and ', ' or ')} instead.",
                "response_format",
                "unsupported_value",
            )
        ]
    if request.timestamp_granularities:
        if model != WHISPER:
            return [
                problem(
                    f"timestamp_granularities is not supported with model '{model}'. Use 'whisper-1'.",
                    "timestamp_granularities",
                    "unsupported_value",
                )
            ]
        if response_format != "verbose_json":
            return [
                problem(
                    f"timestamp_granularities requires response_format 'verbose_json', but got '{response_format}'.",
                    "timestamp_granularities",
                    "invalid_value",
                )
            ]
    if "logprobs" in request.include and (model not in LOGPROB_MODELS or response_format != "json"):
        return [
            problem(
                "include[] 'logprobs' is only supported with response_format 'json' and the models "
                f"{listing(LOGPROB_MODELS)}.",
                "include",
                "unsupported_value",
            )
        ]
    return _check_diarization(request) if model == DIARIZE else check_upload(request)


def _check_diarization(request: AudioRequest) -> list[Problem]:
    if request.prompt:
        return [problem(f"prompt is not supported with model '{DIARIZE}'.", "prompt", "unsupported_value")]
    problems = check_upload(request)
    upload = request.file
    if problems or upload is None:
        return problems
    if duration(upload.content) > 30 and request.get("chunking_strategy") is None:
        return [
            problem(
                f"chunking_strategy is required for '{DIARIZE}' when the audio is longer than 30 seconds.",
                "chunking_strategy",
                "missing_required_parameter",
            )
        ]
    return []


def check_speech(request: AudioRequest) -> list[Problem]:
    """The voice and stream format the model supports."""
    model = request.model or ""
    if model not in SPEECH_MODELS:
        return []  # answered 404
    voice = request.get("voice")
    voices = LEGACY_VOICES if model in LEGACY_TTS else VOICES
    if isinstance(voice, str) and voice not in voices:
        return [
            problem(f"Invalid value: '{voice}'. Supported values are: {listing(voices)}.", "voice", "invalid_value")
        ]
    if form_str(request, "stream_format") == "sse" and model in LEGACY_TTS:
        return [
            problem(
                f"stream_format 'sse' is not supported for model '{model}'. Use 'audio' instead.",
                "stream_format",
                "unsupported_value",
            )
        ]
    return []
