"""`fake.batches`: run batches as the test chooses, inspect them, script errors, read calls."""

from __future__ import annotations

from typing import Any

from .._app.state import State
from .._errors import ConfigurationError
from ._batches_run import BATCHES, advance, expire, finish
from ._files_progress import ProgressVerbs, take_over
from ._files_store import public
from ._store import table

_KIND = "batches"
_OPERATIONS = frozenset({"batches.create", "batches.list", "batches.retrieve", "batches.cancel"})


class BatchesScripting(ProgressVerbs):
    """Batches: how they progress, their state, scripted errors, and the calls made.

    By default a new batch runs to its end on its first retrieve.
    `complete_at_once()`, `complete_on_retrieve(n)` and `manual()` change that
    for batches created afterwards; `advance`, `run` and `expire` move one batch
    by hand. The batch's requests are answered like any other request: script
    them on `fake.chat` (or the endpoint they call) before the batch runs.
    """

    _kind = _KIND

    def __init__(self, state: State) -> None:
        super().__init__(state, _OPERATIONS)

    def advance(self, batch_id: str) -> dict[str, Any]:
        """Move the batch one status on; returns it.

        `validating` -> `in_progress` checks the input file (or fails the batch with
        `errors`); `in_progress` -> `finalizing` runs its requests; `finalizing` ->
        `completed` and `cancelling` -> `cancelled` write the output and error files.
        """
        self._take_over(batch_id)
        advance(self._state, batch_id)
        return self._public(batch_id)

    def run(self, batch_id: str) -> dict[str, Any]:
        """Move the batch on until it ends (usually `completed`); returns it."""
        self._take_over(batch_id)
        finish(self._state, batch_id)
        return self._public(batch_id)

    def expire(self, batch_id: str) -> dict[str, Any]:
        """End the batch as `expired`: requests that did not run go to the error file as `batch_expired`."""
        self._take_over(batch_id)
        expire(self._state, batch_id)
        return self._public(batch_id)

    def get(self, batch_id: str) -> dict[str, Any] | None:
        """The batch as the API shows it, or None."""
        batches = table(self._state, BATCHES)
        with batches.editing(batch_id) as row:
            return None if row is None else public(row)

    def _take_over(self, batch_id: str) -> None:
        with table(self._state, BATCHES).editing(batch_id) as row:
            if row is None:
                known = ", ".join(r["id"] for r in table(self._state, BATCHES).rows()) or "none"
                raise ConfigurationError(f"No batch {batch_id!r}; the batches are: {known}.")
            take_over(row)

    def _public(self, batch_id: str) -> dict[str, Any]:
        found = self.get(batch_id)
        assert found is not None
        return found
