"""`fake.embeddings`: pin the vector of a text, besides the usual scripting verbs and calls."""

from __future__ import annotations

import array
import math
import threading
from collections.abc import Sequence

from .._app.state import State
from .._errors import ConfigurationError
from .._scripting.vocabulary import Scripting
from ._embeddings_request import EmbeddingsRequest, Item

_KEY = "embeddings.pins"
_LOCK = threading.Lock()

PinKey = tuple[str | None, Item]


def pins(state: State) -> dict[PinKey, tuple[float, ...]]:
    """The pinned vectors of a server: (model or None, input) -> vector."""
    with _LOCK:
        table = state.resources.get(_KEY)
        if not isinstance(table, dict):
            table = {}
            state.resources[_KEY] = table
        return table


def pinned_vector(state: State, model: str, item: Item) -> tuple[float, ...] | None:
    """The vector pinned for this input and model (a pin for the model beats a pin for any model)."""
    table = pins(state)
    with _LOCK:
        found = table.get((model, item))
        return found if found is not None else table.get((None, item))


class EmbeddingsScripting(Scripting[EmbeddingsRequest]):
    """Script embeddings: `fake.embeddings.pin("refund policy", vector)`.

    Inputs nobody pinned get the simulator's vectors, in which similar texts
    score a higher cosine similarity than unrelated ones.
    """

    def pin(self, text: str | Sequence[int], vector: Sequence[float], *, model: str | None = None) -> None:
        """Answer `vector` whenever `text` (a string or a token array) is embedded, for the whole test.

        Give the model's full vector (1536 numbers for text-embedding-3-small
        and ada-002, 3072 for text-embedding-3-large): a request with
        `dimensions` gets its first coordinates, renormalized, as the API
        shortens vectors. With `model`, the pin applies to that model only.
        The numbers are answered as float32, the precision the API sends.
        """
        values = tuple(array.array("f", [float(v) for v in vector]).tolist())
        if not values or not all(math.isfinite(v) for v in values):
            raise ConfigurationError("A pinned embedding must be a non-empty sequence of finite float32 numbers.")
        if isinstance(text, str):
            item: Item = text
        else:
            item = tuple(int(t) for t in text)
        if item in ("", ()):
            raise ConfigurationError("The API refuses empty inputs, so an empty input cannot be pinned.")
        table = pins(self._state)
        with _LOCK:
            table[(model, item)] = values
