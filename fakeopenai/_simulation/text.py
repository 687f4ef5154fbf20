"""Deterministic English text: short plausible replies, and sentences to pad strings to a length."""

from __future__ import annotations

from functools import lru_cache

from .rng import Rng
from .tokens import truncate_to_tokens
from .words import ACTIONS, ADVICE, BODIES, CLOSERS, FACTORS, OPENERS, SUBJECTS

__all__ = ["fabricate_text", "fit_length", "sentence"]


def sentence(rng: Rng, template_index: int | None = None) -> str:
    """One sentence of advice, from the given template (modulo the number of templates) or a random one."""
    index = rng.below(len(BODIES)) if template_index is None else template_index
    template = BODIES[index % len(BODIES)]
    action = rng.choice(ACTIONS)
    action2 = rng.choice(ACTIONS)
    if action2 == action:
        action2 = ACTIONS[(ACTIONS.index(action) + 1) % len(ACTIONS)]
    return template.format(
        factor=rng.choice(FACTORS),
        advice=rng.choice(ADVICE),
        action=action,
        action2=action2,
        subject=rng.choice(SUBJECTS),
    )


@lru_cache(maxsize=4096)
def _full_text(seed: str) -> str:
    rng = Rng("text", seed)
    parts: list[str] = []
    if rng.chance(0.4):
        parts.append(rng.choice(OPENERS))
    first = rng.below(len(BODIES))
    parts.append(sentence(rng, first))
    if rng.chance(0.35):
        parts.append(sentence(rng, first + 1 + rng.below(len(BODIES) - 1)))
    if len(parts) < 3 and rng.chance(0.35):
        parts.append(rng.choice(CLOSERS))
    return " ".join(parts)


@lru_cache(maxsize=4096)
def _truncated_text(seed: str, max_tokens: int) -> str:
    return truncate_to_tokens(_full_text(seed), max_tokens)


def fabricate_text(seed: str, *, max_tokens: int | None = None) -> str:
    """A short, plausible English reply (one to three sentences), deterministic per seed.

    The reply has at most max_tokens tokens as counted by count_tokens.
    """
    if max_tokens is None:
        return _full_text(seed)
    return _truncated_text(seed, max_tokens)


def fit_length(text: str, rng: Rng, min_length: int, max_length: int | None) -> str:
    """Text padded with sentences up to min_length, then cut to max_length (dropping a trailing space or comma)."""
    while len(text) < min_length:
        text = f"{text} {sentence(rng)}" if text else sentence(rng)
    if max_length is not None and len(text) > max_length:
        cut = text[: max(max_length, 0)]
        stripped = cut.rstrip(" ,")
        text = stripped if len(stripped) >= min_length else cut
    return text
