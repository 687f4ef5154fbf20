"""Deterministic random streams for fabrication: splitmix64 seeded with a BLAKE2b digest of string keys."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

__all__ = ["Rng"]

_MASK64 = (1 << 64) - 1


class Rng:
    """A tiny deterministic random stream (splitmix64) keyed by strings."""

    __slots__ = ("_state",)

    def __init__(self, *keys: str) -> None:
        material = "\x1f".join(keys).encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(material, digest_size=8).digest()
        self._state = int.from_bytes(digest, "big")

    def next(self) -> int:
        """The next 64-bit value of the stream."""
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK64
        z = self._state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        """An integer in [0, n), or 0 when n is not positive."""
        return self.next() % n if n > 0 else 0

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high], both inclusive."""
        if high <= low:
            return low
        return low + self.next() % (high - low + 1)

    def chance(self, probability: float) -> bool:
        """True with the given probability."""
        return self.next() < probability * 2.0**64

    def uniform(self, low: float, high: float) -> float:
        """A float in [low, high)."""
        return low + (high - low) * ((self.next() >> 11) / 2.0**53)

    def choice(self, options: Sequence[Any]) -> Any:
        """One of the options."""
        return options[self.below(len(options))]
