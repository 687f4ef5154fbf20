"""A transcript on the wire: JSON, text, SRT, WebVTT, verbose and diarized JSON, and streamed events.

Timings are spread over the audio's duration in proportion to the length of
each word, and sentences make the segments.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .._app.responses import EventStream, JsonResponse, RawResponse, Response, SseEvent
from .._simulation.tokens import count_tokens, split_into_chunks
from ._audio_request import AudioRequest
from ._audio_rules import DIARIZE, TOKEN_MODELS, WHISPER
from ._images_request import form_list

_LANGUAGES = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian", "ja": "japanese"}


@dataclass(frozen=True)
class Transcript:
    """What the audio says, how long it lasts, and how the text is cut for a stream."""

    text: str
    duration: float
    chunks: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Timed:
    """A word or a sentence and when it is said."""

    text: str
    start: float
    end: float


def _timed(pieces: Sequence[str], duration: float) -> list[Timed]:
    weights = [max(1, len(p.strip())) for p in pieces]
    total, elapsed, out = sum(weights) or 1, 0.0, []
    for piece, weight in zip(pieces, weights, strict=True):
        length = duration * weight / total
        out.append(Timed(piece, round(elapsed, 3), round(elapsed + length, 3)))
        elapsed += length
    return out


def words(transcript: Transcript) -> list[Timed]:
    """Each word, with its timing."""
    return _timed(re.findall(r"[\w'’-]+", transcript.text), transcript.duration)


def sentences(transcript: Transcript) -> list[Timed]:
    """Each sentence, with its timing."""
    parts = [s for s in re.split(r"(?<=[.!?])\s+", transcript.text.strip()) if s] or [""]
    return _timed(parts, transcript.duration)


def _tokens(text: str) -> list[int]:
    return [
        50364 + int.from_bytes(hashlib.sha256(p.encode()).digest()[:2], "big") % 1000 for p in split_into_chunks(text)
    ]


def _segments(transcript: Transcript) -> list[dict[str, object]]:
    out = []
    for index, sentence in enumerate(sentences(transcript)):
        out.append(
            {
                "id": index,
                "seek": int(sentence.start * 100),
                "start": sentence.start,
                "end": sentence.end,
                "text": " " + sentence.text,
                "tokens": _tokens(sentence.text),
                "temperature": 0.0,
                "avg_logprob": -0.25,
                "compression_ratio": 1.2,
                "no_speech_prob": 0.01,
            }
        )
    return out


def _diarized(transcript: Transcript, request: AudioRequest) -> list[dict[str, object]]:
    names = [str(n) for n in form_list(request, "known_speaker_names")] or ["A", "B"]
    return [
        {
            "type": "transcript.text.segment",
            "id": f"seg_{index + 1:03d}",
            "start": s.start,
            "end": s.end,
            "text": s.text,
            "speaker": names[index % len(names)],
        }
        for index, s in enumerate(sentences(transcript))
    ]


def _language(request: AudioRequest, translation: bool) -> str:
    code = "en" if translation else str(request.get("language") or "en")
    return _LANGUAGES.get(code, code)


def _token_usage(request: AudioRequest, transcript: Transcript) -> dict[str, object]:
    audio = max(1, math.ceil(transcript.duration * 10))
    text = count_tokens(request.prompt)
    output = count_tokens(transcript.text)
    return {
        "type": "tokens",
        "input_tokens": audio + text,
        "input_token_details": {"text_tokens": text, "audio_tokens": audio},
        "output_tokens": output,
        "total_tokens": audio + text + output,
    }


def _usage(request: AudioRequest, transcript: Transcript) -> dict[str, object]:
    if request.model in TOKEN_MODELS:
        return _token_usage(request, transcript)
    return {"type": "duration", "seconds": max(1, math.ceil(transcript.duration))}


def _logprobs(text: str) -> list[dict[str, object]]:
    return [{"token": p, "logprob": -0.0001 * (1 + len(p)), "bytes": list(p.encode())} for p in split_into_chunks(text)]


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def subtitles(transcript: Transcript, kind: str) -> str:
    """The transcript as SRT (`srt`) or WebVTT (`vtt`) cues, one per sentence."""
    separator = "," if kind == "srt" else "."
    cues = []
    for index, s in enumerate(sentences(transcript), start=1):
        timing = f"{_clock(s.start, separator)} --> {_clock(s.end, separator)}"
        cues.append(f"{index}\n{timing}\n{s.text}\n" if kind == "srt" else f"{timing}\n{s.text}\n")
    return ("WEBVTT\n\n" if kind == "vtt" else "") + "\n".join(cues) + "\n"


def render(request: AudioRequest, transcript: Transcript, *, translation: bool = False) -> Response:
    """The answer in the `response_format` asked for, or its stream of events."""
    model = request.model or WHISPER
    response_format = request.response_format or "json"
    if request.stream and model != WHISPER and not translation:
        return EventStream(_events(request, transcript, diarized=response_format == "diarized_json"))
    if response_format in ("text", "srt", "vtt"):
        body = transcript.text + "\n" if response_format == "text" else subtitles(transcript, response_format)
        return RawResponse(body.encode(), "text/plain; charset=utf-8")
    if response_format == "verbose_json":
        verbose: dict[str, object] = {
            "task": "translate" if translation else "transcribe",
            "language": _language(request, translation),
            "duration": round(transcript.duration, 3),
            "text": transcript.text,
        }
        granularities = request.timestamp_granularities or ["segment"]
        if "word" in granularities:
            verbose["words"] = [{"word": w.text, "start": w.start, "end": w.end} for w in words(transcript)]
        if "segment" in granularities:
            verbose["segments"] = _segments(transcript)
        if not translation:
            verbose["usage"] = _usage(request, transcript)
        return JsonResponse(verbose)
    if response_format == "diarized_json":
        segments = _diarized(transcript, request)
        return JsonResponse(
            {
                "task": "transcribe",
                "duration": round(transcript.duration, 3),
                "text": "\n".join(f"{s['speaker']}: {s['text']}" for s in segments),
                "segments": segments,
                "usage": _usage(request, transcript),
            }
        )
    body_json: dict[str, object] = {"text": transcript.text}
    if translation:
        return JsonResponse(body_json)
    if "logprobs" in request.include:
        body_json["logprobs"] = _logprobs(transcript.text)
    if model == "gpt-transcribe":
        body_json["languages"] = [{"code": str(request.get("language") or "en")}]
    body_json["usage"] = _usage(request, transcript)
    return JsonResponse(body_json)


def _events(request: AudioRequest, transcript: Transcript, *, diarized: bool) -> Iterator[SseEvent]:
    logprobs = "logprobs" in request.include
    if diarized and request.model == DIARIZE:
        for segment in _diarized(transcript, request):
            for piece in split_into_chunks(str(segment["text"])):
                yield SseEvent(
                    json.dumps({"type": "transcript.text.delta", "delta": piece, "segment_id": segment["id"]})
                )
            yield SseEvent(json.dumps(segment))
    else:
        for piece in transcript.chunks or split_into_chunks(transcript.text):
            delta: dict[str, object] = {"type": "transcript.text.delta", "delta": piece}
            if logprobs:
                delta["logprobs"] = _logprobs(piece)
            yield SseEvent(json.dumps(delta))
    done: dict[str, object] = {"type": "transcript.text.done", "text": transcript.text}
    if logprobs:
        done["logprobs"] = _logprobs(transcript.text)
    if request.model == "gpt-transcribe":
        done["languages"] = [{"code": str(request.get("language") or "en")}]
    done["usage"] = _token_usage(request, transcript)
    yield SseEvent(json.dumps(done))
