"""Deterministic embedding vectors in which similar texts lie close together.

A vector mixes three unit directions of the model's native size:

- meaning: hashed bag-of-words features (word stems, character trigrams of
  each word, pairs of neighbouring words), each spread over a few signed
  coordinates, so texts sharing words and word pieces share coordinates;
- identity: noise seeded by the exact text, so different texts never coincide;
- baseline: one direction per model, which every text shares, as real
  embeddings do (unrelated texts score about 0.15 with the text-embedding-3
  models, about 0.7 with ada-002, as the real ones roughly do).

The result is unit length and rounded to float32, the precision the API
sends, so the `float` and `base64` encodings carry exactly the same numbers.
`dimensions` keeps the first coordinates and renormalizes, as the
text-embedding-3 models shorten their vectors.
"""

from __future__ import annotations

import array
import hashlib
import itertools
import math
import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(
    "a an and are as at be been but by can do for from had has have he her his i if in into is it its me my no "
    "not of on or our she so than that the their them then there these they this those to was we were what when "
    "which who will with would you your".split()
)
_SUFFIXES = (
    ("ations", ""), ("ation", ""), ("ings", ""), ("ing", ""), ("edly", ""), ("ness", ""), ("ies", "y"), ("ied", "y"),
    ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("ed", ""), ("ly", ""), ("ss", "ss"), ("s", ""),
)  # fmt: skip
_SPREAD = 4
"""Coordinates each feature touches."""
_MIX = {"ada": (0.25, 0.05, 0.70), "default": (0.70, 0.15, 0.15)}
"""Squared weights of meaning, identity and baseline."""


def _stem(word: str) -> str:
    for suffix, replacement in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            stem = word[: -len(suffix)] + replacement
            if not replacement and len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiouls":
                stem = stem[:-1]
            return stem
    return word


def text_features(text: str) -> dict[str, float]:
    """The weighted features of a text."""
    words = [w.lower() for w in _WORD.findall(text)]
    features: dict[str, float] = defaultdict(float)
    stems = []
    for word in words:
        stem = _stem(word)
        weight = 0.25 if word in _STOPWORDS else 1.0
        features["w:" + stem] += weight
        padded = f"<{stem}>"
        for i in range(len(padded) - 2):
            features["c:" + padded[i : i + 3]] += 0.3 * weight
        if word not in _STOPWORDS:
            stems.append(stem)
    for first, second in itertools.pairwise(stems):
        features[f"b:{first} {second}"] += 0.5
    return features


def token_features(tokens: Sequence[int]) -> dict[str, float]:
    """The weighted features of a token array: each token, and each pair of neighbours."""
    features: dict[str, float] = defaultdict(float)
    for token in tokens:
        features[f"t:{token}"] += 1.0
    for first, second in itertools.pairwise(tokens):
        features[f"tb:{first} {second}"] += 1.0
    return features


def _unit(values: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values] if norm > 0 else values


def _meaning(features: dict[str, float], size: int) -> list[float]:
    vector = [0.0] * size
    for feature, count in features.items():
        weight = math.sqrt(count)
        digest = hashlib.blake2b(feature.encode(), digest_size=4 * _SPREAD).digest()
        for k in range(_SPREAD):
            chunk = int.from_bytes(digest[4 * k : 4 * k + 4], "little")
            vector[(chunk >> 1) % size] += weight if chunk & 1 else -weight
    return _unit(vector)


def _noise(seed: str, size: int) -> list[float]:
    raw = array.array("h", hashlib.shake_256(seed.encode("utf-8", "surrogatepass")).digest(2 * size))
    return _unit([v / 32768 for v in raw])


@lru_cache(maxsize=16)
def _baseline(model: str, size: int) -> tuple[float, ...]:
    return tuple(_noise(f"baseline|{model}", size))


def _to_float32(values: list[float]) -> list[float]:
    return array.array("f", values).tolist()


@lru_cache(maxsize=2048)
def embed(model: str, item: str | tuple[int, ...], size: int) -> tuple[float, ...]:
    """The full-size unit vector of a text (or token array) for a model, as float32 values."""
    features = text_features(item) if isinstance(item, str) else token_features(item)
    key = item if isinstance(item, str) else "\x00" + ",".join(map(str, item))
    meaning, identity, shared = _MIX["ada" if "ada" in model else "default"]
    signal = _meaning(features, size) if features else [0.0] * size
    noise = _noise(f"{model}|{key}", size)
    base = _baseline(model, size)
    a, b, c = math.sqrt(meaning), math.sqrt(identity), math.sqrt(shared)
    mixed = [a * s + b * n + c * z for s, n, z in zip(signal, noise, base, strict=True)]
    return tuple(_to_float32(_unit(mixed)))


def shorten(vector: Sequence[float], dimensions: int) -> list[float]:
    """The first `dimensions` coordinates, renormalized to unit length (float32)."""
    if dimensions >= len(vector):
        return list(vector)
    return _to_float32(_unit(list(vector[:dimensions])))


def to_base64_bytes(vector: Sequence[float]) -> bytes:
    """The vector as little-endian float32 bytes, as the `base64` encoding carries it."""
    packed = array.array("f", vector)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()
