"""`fake.runs`: script the model turns of Assistants runs, read the runs, and move them as the test chooses.

Answers scripted here (`respond_with_message`, `respond_with_tool_call`,
`respond_with_error`, …) answer only runs' model turns; answers scripted on the
fake itself answer runs too, as they answer every endpoint that generates a
model turn. A scripted error fails the run (`last_error`) instead of answering
the request with an HTTP error, as the real API reports a model failure.

Runs move at once by default. `hold()` keeps new runs `queued` until
`advance()` moves them a step (or, with `polls=n`, until they have been
retrieved n times per step); `expire()` and `fail()` end a run as the API would.
"""

from __future__ import annotations

from typing import Any

from .._app.state import State
from .._app.views import RequestView
from .._errors import ConfigurationError
from .._scripting.vocabulary import Scripting
from ._assistants_common import ACTIVE_RUN_STATUSES, RUNS, domain_lock, public
from ._runs_engine import (
    TURN_OPERATIONS,
    RunTurn,
    drive,
    expire,
    fail,
    hold_policy,
    set_hold_policy,
    step,
    turns,
)
from ._runs_objects import Events, run_steps
from ._store import Resource, table


class RunsScripting(Scripting[RequestView]):
    """Assistants runs: scripted model turns, the stored runs and steps, and verbs that move runs."""

    def __init__(self, state: State) -> None:
        super().__init__(state, TURN_OPERATIONS)

    @property
    def turns(self) -> list[RunTurn]:
        """Every model turn runs took so far, as chat request views (`messages`, `tools`, `tool_results`, …)."""
        return turns(self._state)

    def get(self, run_id: str) -> dict[str, Any] | None:
        """The stored run with this id, or None."""
        row = table(self._state, RUNS).get(run_id)
        return None if row is None else public(row)

    def all(self, thread_id: str | None = None) -> list[dict[str, Any]]:
        """The stored runs, oldest first, optionally of one thread."""
        rows = table(self._state, RUNS).rows(lambda r: thread_id is None or r["thread_id"] == thread_id)
        return [public(row) for row in rows]

    def steps(self, run_id: str) -> list[dict[str, Any]]:
        """The steps of a run, oldest first."""
        return [public(row) for row in run_steps(self._state, self._run(run_id)["id"])]

    def hold(self, *, polls: int | None = None) -> None:
        """Keep runs created (or given tool outputs) from now on where they are until the test moves them.

        With `polls=n`, a held run moves one step by itself every n retrieves, as
        a real run progresses while a client polls it. Streamed runs are never held.
        """
        if polls is not None and polls < 1:
            raise ValueError("polls must be at least 1.")
        set_hold_policy(self._state, {"polls": polls})

    def release(self) -> None:
        """Stop holding runs, and let every held run move on as far as it can."""
        set_hold_policy(self._state, None)
        with domain_lock(self._state):
            for row in table(self._state, RUNS).rows(lambda r: r["_hold"] is not None):
                row["_hold"] = None
                drive(self._state, row, Events())

    def advance(self, run_id: str | None = None) -> dict[str, Any]:
        """Move a run one step: `queued` → `in_progress` → its model turn; `cancelling` → `cancelled`.

        Without `run_id`, the newest run that can move. Returns the run as it is then.
        """
        with domain_lock(self._state):
            row = self._run(run_id, movable=True)
            if not step(self._state, row, Events()):
                raise ConfigurationError(
                    f"Run {row['id']} is {row['status']!r}: it cannot move by itself "
                    "(a run waiting for tool outputs moves when they are submitted)."
                )
            return public(row)

    def expire(self, run_id: str | None = None) -> dict[str, Any]:
        """End a run as `expired`, as the API does when its `expires_at` passes (newest active run by default)."""
        with domain_lock(self._state):
            row = self._run(run_id, active=True)
            expire(self._state, row, Events())
            return public(row)

    def fail(
        self,
        run_id: str | None = None,
        *,
        code: str = "server_error",
        message: str = "Sorry, something went wrong.",
    ) -> dict[str, Any]:
        """End a run as `failed` with this `last_error` (newest active run by default)."""
        if code not in ("server_error", "rate_limit_exceeded", "invalid_prompt"):
            raise ValueError("code must be 'server_error', 'rate_limit_exceeded' or 'invalid_prompt'.")
        with domain_lock(self._state):
            row = self._run(run_id, active=True)
            fail(self._state, row, code, message, Events())
            return public(row)

    @property
    def holding(self) -> bool:
        """Whether new runs are held."""
        return hold_policy(self._state) is not None

    def _run(self, run_id: str | None, *, movable: bool = False, active: bool = False) -> Resource:
        rows = table(self._state, RUNS).rows()
        if run_id is not None:
            found = next((r for r in rows if r["id"] == run_id), None)
            if found is None:
                ids = ", ".join(r["id"] for r in rows) or "none"
                raise ConfigurationError(f"No run with id {run_id!r} is stored; the runs are: {ids}.")
            if active and found["status"] not in ACTIVE_RUN_STATUSES:
                raise ConfigurationError(f"Run {run_id} has already ended ({found['status']!r}).")
            return found
        wanted = ("queued", "in_progress", "cancelling") if movable else ACTIVE_RUN_STATUSES
        candidates = [r for r in rows if r["status"] in wanted] if movable or active else rows
        if not candidates:
            raise ConfigurationError("No run is stored that could be moved or ended; create one first.")
        return candidates[-1]
