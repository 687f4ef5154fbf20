"""Moderation categories, and one input's result as each moderation model reports it.

omni-moderation models score all thirteen categories; six of them (self-harm
and its two subcategories, sexual, violence and violence/graphic) also apply
to images, and `category_applied_input_types` says which input types each
score covers. The legacy text-moderation models do not score `illicit` and
`illicit/violent`: the API sends null for them in `categories` and
`category_scores` (openai/openai-python#1786), and here an empty
`category_applied_input_types` list (an inference: no input type was scored).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from .._errors import ConfigurationError

CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
IMAGE_CATEGORIES = frozenset(
    ("self-harm", "self-harm/instructions", "self-harm/intent", "sexual", "violence", "violence/graphic")
)
"""The categories omni-moderation also scores on images."""
TEXT_ONLY_MODEL_UNSCORED = frozenset(("illicit", "illicit/violent"))
"""The categories the legacy text-moderation models do not score."""

_ALIASES = {name.replace("/", "_").replace("-", "_"): name for name in CATEGORIES}


def category_name(name: str) -> str:
    """The API's name of a category, also accepting the SDK's attribute names (`self_harm_intent`)."""
    if name in CATEGORIES:
        return name
    canonical = _ALIASES.get(name.replace("-", "_").replace("/", "_"))
    if canonical is None:
        raise ConfigurationError(f"Unknown moderation category {name!r}. The categories are: {', '.join(CATEGORIES)}.")
    return canonical


def is_text_model(model: str) -> bool:
    """Whether a moderation model is one of the legacy text-only ones."""
    return model.startswith("text-moderation")


def quiet_score(seed: str, category: str) -> float:
    """A small deterministic score, as unflagged content gets (between 1e-7 and 1e-2)."""
    digest = hashlib.blake2b(f"{seed}|{category}".encode(), digest_size=4).digest()
    fraction = int.from_bytes(digest, "big") / 0xFFFFFFFF
    exponent = -7 + 4 * fraction
    return float(f"{(1 + 8 * fraction) * 10**exponent:.6g}")


def flagged_score(seed: str, category: str) -> float:
    """A high deterministic score, as flagged content gets (between 0.85 and 0.999)."""
    digest = hashlib.blake2b(f"flag|{seed}|{category}".encode(), digest_size=4).digest()
    return round(0.85 + 0.149 * int.from_bytes(digest, "big") / 0xFFFFFFFF, 6)


def moderation_result(
    model: str, seed: str, has_text: bool, has_image: bool, flags: Mapping[str, float | None]
) -> dict[str, Any]:
    """One entry of `results`: flags maps flagged categories to a chosen score (None for a generated one)."""
    text_only = is_text_model(model)
    categories: dict[str, bool | None] = {}
    scores: dict[str, float | None] = {}
    applied: dict[str, list[str]] = {}
    for name in CATEGORIES:
        if text_only and name in TEXT_ONLY_MODEL_UNSCORED:
            categories[name], scores[name], applied[name] = None, None, []
            continue
        types = (["text"] if has_text else []) + (["image"] if has_image and name in IMAGE_CATEGORIES else [])
        applied[name] = types
        if name in flags:
            chosen = flags[name]
            scores[name] = chosen if chosen is not None else flagged_score(seed, name)
            categories[name] = True
        else:
            scores[name] = quiet_score(seed, name) if types else 0.0
            categories[name] = False
    return {
        "flagged": any(categories.values()),
        "categories": categories,
        "category_scores": scores,
        "category_applied_input_types": applied,
    }


def unreachable_flags(model: str, has_text: bool, has_image: bool, flags: Iterable[str]) -> list[str]:
    """The flagged categories this model could not have scored for this input."""
    reasons = []
    for name in flags:
        if is_text_model(model) and name in TEXT_ONLY_MODEL_UNSCORED:
            reasons.append(f"{model} does not score {name!r}")
        elif not has_text and name not in IMAGE_CATEGORIES:
            reasons.append(f"{name!r} applies to text only, and this input is only images")
    return reasons
