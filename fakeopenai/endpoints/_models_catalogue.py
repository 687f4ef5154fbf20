"""The models the fake knows out of the box: ids, owners, creation dates, kinds and shutdown dates.

Ids and announced shutdown dates follow the model literals of the `openai`
package (its `ChatModel`, `ImageModel`, `AudioModel`, `SpeechModel`,
`EmbeddingModel` and `ModerationModel` types and their deprecation notes).
The catalogue is frozen at `CATALOGUE_DATE`: models shut down before it
answer as retired models do; it never changes with the clock, so tests stay
reproducible.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from typing import Literal

Kind = Literal["chat", "completion", "embedding", "moderation", "image", "audio", "realtime", "video"]

CATALOGUE_DATE = "2026-11-29"
"""The day the catalogue describes."""


@dataclass(frozen=True)
class ModelInfo:
    """One model as `GET /v1/models` lists it, plus what the fake needs to know about it."""

    id: str
    created: int
    owned_by: str
    kind: Kind
    """What the model does, which decides the endpoints that accept it."""
    shutdown_date: str | None = None
    """The announced shutdown day (`YYYY-MM-DD`), if any."""
    listed: bool = True
    """Whether `GET /v1/models` shows it (the legacy moderation aliases are accepted but not listed)."""

    def to_json(self) -> dict[str, object]:
        """The `model` object of the API."""
        return {
            "id": self.id,
            "object": "model",
            "created": self.created,
            "owned_by": self.owned_by,
            "shutdown_date": self.shutdown_date,
        }


def _day(text: str) -> int:
    return calendar.timegm(time.strptime(text, "%Y-%m-%d"))


# (ids, created, owned_by, kind, shutdown_date)
_ROWS: tuple[tuple[tuple[str, ...], str, str, Kind, str | None], ...] = (
    (("gpt-6-astra", "gpt-6-sol", "gpt-6-luna"), "2026-10-14", "system", "chat", None),
    (("gpt-6.1-sol", "gpt-6.1-terra"), "2026-11-05", "system", "chat", None),
    (("gpt-6.2-astra", "gpt-6.2-sol"), "2026-11-24", "system", "chat", None),
    (("gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna"), "2026-08-27", "system", "chat", None),
    (("gpt-5.5", "gpt-5.5-2026-04-23"), "2026-04-23", "system", "chat", None),
    (("gpt-5.4", "gpt-5.4-mini", "gpt-5.4-mini-2026-03-17"), "2026-03-17", "system", "chat", None),
    (("gpt-5.4-nano", "gpt-5.4-nano-2026-03-17"), "2026-03-17", "system", "chat", "2027-04-01"),
    (("gpt-5.3-chat-latest",), "2026-02-05", "system", "chat", "2026-08-10"),
    (("gpt-5.2", "gpt-5.2-2025-12-11", "gpt-5.2-pro", "gpt-5.2-pro-2025-12-11"), "2025-12-11", "system", "chat", None),
    (("gpt-5.2-chat-latest",), "2025-12-11", "system", "chat", "2026-08-10"),
    (("gpt-5.1", "gpt-5.1-2025-11-13"), "2025-11-13", "system", "chat", "2027-04-01"),
    (("gpt-5.1-codex", "gpt-5.1-chat-latest"), "2025-11-13", "system", "chat", "2026-07-23"),
    (
        ("gpt-5", "gpt-5-2025-08-07", "gpt-5-mini", "gpt-5-mini-2025-08-07"),
        "2025-08-07",
        "system",
        "chat",
        "2026-12-11",
    ),
    (("gpt-5-nano", "gpt-5-nano-2025-08-07"), "2025-08-07", "system", "chat", "2026-12-11"),
    (("gpt-5-chat-latest",), "2025-08-07", "system", "chat", "2026-07-23"),
    (
        ("gpt-4.1", "gpt-4.1-2025-04-14", "gpt-4.1-mini", "gpt-4.1-mini-2025-04-14"),
        "2025-04-14",
        "system",
        "chat",
        "2027-01-14",
    ),
    (("gpt-4.1-nano", "gpt-4.1-nano-2025-04-14"), "2025-04-14", "system", "chat", "2026-10-23"),
    (("o4-mini", "o4-mini-2025-04-16"), "2025-04-16", "system", "chat", "2026-10-23"),
    (("o3", "o3-2025-04-16"), "2025-04-16", "system", "chat", "2026-12-11"),
    (("o3-mini", "o3-mini-2025-01-31"), "2025-01-31", "system", "chat", "2026-10-23"),
    (("o1", "o1-2024-12-17"), "2024-12-17", "system", "chat", "2026-10-23"),
    (("o1-preview", "o1-preview-2024-09-12"), "2024-09-12", "system", "chat", "2025-07-28"),
    (("o1-mini", "o1-mini-2024-09-12"), "2024-09-12", "system", "chat", "2025-10-27"),
    (("gpt-4o", "gpt-4o-2024-11-20", "gpt-4o-2024-08-06"), "2024-08-06", "system", "chat", "2027-01-14"),
    (("gpt-4o-2024-05-13",), "2024-05-13", "system", "chat", "2026-10-23"),
    (("gpt-4o-mini", "gpt-4o-mini-2024-07-18"), "2024-07-18", "system", "chat", "2027-01-14"),
    (("gpt-4o-search-preview", "gpt-4o-mini-search-preview"), "2025-03-11", "system", "chat", "2026-07-23"),
    (
        ("gpt-4o-search-preview-2025-03-11", "gpt-4o-mini-search-preview-2025-03-11"),
        "2025-03-11",
        "system",
        "chat",
        "2026-07-23",
    ),
    (("gpt-audio-1.5",), "2026-02-23", "system", "chat", None),
    (
        ("gpt-audio-mini", "gpt-audio-mini-2025-10-06", "gpt-audio-mini-2025-12-15"),
        "2025-10-06",
        "system",
        "chat",
        "2027-01-20",
    ),
    (
        ("gpt-4o-audio-preview", "gpt-4o-audio-preview-2024-12-17", "gpt-4o-audio-preview-2025-06-03"),
        "2024-12-17",
        "system",
        "chat",
        "2026-05-07",
    ),
    (
        ("gpt-4o-mini-audio-preview", "gpt-4o-mini-audio-preview-2024-12-17"),
        "2024-12-17",
        "system",
        "chat",
        "2026-05-07",
    ),
    (("gpt-4o-audio-preview-2024-10-01",), "2024-10-01", "system", "chat", "2025-10-10"),
    (("chatgpt-4o-latest",), "2024-08-13", "system", "chat", "2026-02-17"),
    (("codex-mini-latest",), "2025-05-16", "system", "chat", "2026-02-12"),
    (("gpt-4-turbo", "gpt-4-turbo-2024-04-09"), "2024-04-09", "system", "chat", "2026-10-23"),
    (("gpt-4-0125-preview", "gpt-4-turbo-preview"), "2024-01-25", "system", "chat", "2026-03-26"),
    (("gpt-4-1106-preview",), "2023-11-06", "system", "chat", "2026-10-23"),
    (("gpt-4-vision-preview",), "2023-11-06", "system", "chat", "2024-12-06"),
    (("gpt-4", "gpt-4-0613"), "2023-06-13", "openai", "chat", "2026-10-23"),
    (("gpt-4-0314",), "2023-03-14", "openai", "chat", "2026-03-26"),
    (("gpt-4-32k", "gpt-4-32k-0314", "gpt-4-32k-0613"), "2023-03-14", "openai", "chat", "2025-06-06"),
    (("gpt-3.5-turbo",), "2023-02-28", "openai", "chat", "2026-10-23"),
    (("gpt-3.5-turbo-0125",), "2024-01-23", "system", "chat", "2026-10-23"),
    (("gpt-3.5-turbo-1106",), "2023-11-02", "system", "chat", "2026-09-28"),
    (
        ("gpt-3.5-turbo-16k", "gpt-3.5-turbo-0301", "gpt-3.5-turbo-0613", "gpt-3.5-turbo-16k-0613"),
        "2023-03-01",
        "openai",
        "chat",
        "2024-09-13",
    ),
    (("gpt-3.5-turbo-instruct", "gpt-3.5-turbo-instruct-0914"), "2023-08-24", "system", "completion", None),
    (("davinci-002", "babbage-002"), "2023-08-21", "system", "completion", None),
    (("text-embedding-3-small", "text-embedding-3-large"), "2024-01-22", "system", "embedding", None),
    (("text-embedding-ada-002",), "2022-12-16", "openai-internal", "embedding", None),
    (("omni-moderation-latest", "omni-moderation-2024-09-26"), "2024-09-26", "system", "moderation", None),
    (("gpt-image-2.6-sunburst", "gpt-image-2.6-flare"), "2026-11-12", "system", "image", None),
    (("gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08"), "2026-09-08", "system", "image", None),
    (("gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08"), "2026-09-08", "system", "image", None),
    (("gpt-image-2", "gpt-image-2-2026-04-21"), "2026-04-21", "system", "image", None),
    (("gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest"), "2025-12-16", "system", "image", None),
    (("gpt-image-1",), "2025-04-23", "system", "image", "2026-10-23"),
    (("dall-e-3", "dall-e-2"), "2023-10-31", "system", "image", "2026-05-12"),
    (("gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15"), "2025-03-19", "system", "audio", "2027-01-06"),
    (("tts-1", "tts-1-hd"), "2023-04-19", "openai-internal", "audio", "2027-01-06"),
    (("gpt-transcribe",), "2026-06-02", "system", "audio", None),
    (
        ("gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-mini-transcribe-2025-12-15"),
        "2025-03-15",
        "system",
        "audio",
        "2027-02-26",
    ),
    (("gpt-4o-transcribe-diarize",), "2025-10-15", "system", "audio", "2027-02-26"),
    (("whisper-1",), "2023-02-27", "openai-internal", "audio", "2027-02-26"),
    (
        ("gpt-realtime", "gpt-realtime-2025-08-28", "gpt-realtime-mini", "gpt-realtime-mini-2025-10-06"),
        "2025-08-28",
        "system",
        "realtime",
        None,
    ),
    (("gpt-realtime-mini-2025-12-15", "gpt-realtime-1.5"), "2025-12-15", "system", "realtime", None),
    (
        ("gpt-realtime-2", "gpt-realtime-2.1", "gpt-realtime-2.1-mini", "gpt-realtime-whisper"),
        "2026-06-10",
        "system",
        "realtime",
        None,
    ),
    (("sora-2", "sora-2-pro", "sora-2-2025-10-06", "sora-2-pro-2025-10-06"), "2025-10-06", "system", "video", None),
    (("sora-2-2025-12-08",), "2025-12-08", "system", "video", None),
)

_UNLISTED: tuple[tuple[str, str, Kind], ...] = (
    ("text-moderation-latest", "2023-11-06", "moderation"),
    ("text-moderation-stable", "2023-11-06", "moderation"),
    ("text-moderation-007", "2023-11-06", "moderation"),
)

# Shut down before the catalogue existed; the API answers them as deprecated models.
_LEGACY_RETIRED = (
    "davinci",
    "curie",
    "babbage",
    "ada",
    "text-davinci-003",
    "text-davinci-002",
    "text-davinci-001",
    "text-curie-001",
    "text-babbage-001",
    "text-ada-001",
    "code-davinci-002",
    "code-cushman-001",
    "text-davinci-edit-001",
    "code-davinci-edit-001",
    "davinci-instruct-beta",
    "curie-instruct-beta",
    "text-similarity-ada-001",
    "text-similarity-babbage-001",
    "text-similarity-curie-001",
    "text-similarity-davinci-001",
    "text-search-ada-doc-001",
    "text-search-ada-query-001",
    "text-search-davinci-doc-001",
    "text-search-davinci-query-001",
    "code-search-ada-code-001",
    "code-search-ada-text-001",
)


def _build() -> tuple[tuple[ModelInfo, ...], frozenset[str]]:
    live: list[ModelInfo] = []
    retired = set(_LEGACY_RETIRED)
    for ids, created, owner, kind, shutdown in _ROWS:
        for model_id in ids:
            if shutdown is not None and shutdown < CATALOGUE_DATE:
                retired.add(model_id)
            else:
                live.append(ModelInfo(model_id, _day(created), owner, kind, shutdown))
    for model_id, created, kind in _UNLISTED:
        live.append(ModelInfo(model_id, _day(created), "openai-internal", kind, listed=False))
    return tuple(live), frozenset(retired)


DEFAULT_MODELS, RETIRED_MODELS = _build()
"""The live models of a fresh fake, and the ids of models shut down before `CATALOGUE_DATE`."""

COMPLETION_CONTEXT = {"gpt-3.5-turbo-instruct": 4096, "gpt-3.5-turbo-instruct-0914": 4096}
"""Context windows of the completion models; the others (davinci-002, babbage-002) have 16384 tokens."""

EMBEDDING_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}
"""The native vector length of each embedding model."""
