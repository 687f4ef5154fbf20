"""`fake.evals`: seed and read stored evals, their runs and output items; hold and move eval runs.

Eval runs are graded at once by default. `hold()` keeps new runs `queued`
until `advance()` moves them a step (`queued` → `in_progress` → graded) or
`release()` lets them finish; `fail()` ends one as `failed`. Samples and model
graders are answered by chat completions scripts (`fake.chat`, or the fake
itself): per item, its sample first, then its model graders in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._app.state import State
from .._app.views import RequestView
from .._errors import ConfigurationError
from .._scripting.vocabulary import Scripting
from .._validation.bodies import validate_body
from . import evals
from ._evals_objects import EVAL_RUNS, EVALS, OUTPUT_ITEMS, new_eval
from ._store import Resource, table


class EvalsScripting(Scripting[RequestView]):
    """The Evals API: stored evals, runs and output items, scripted errors, calls, and verbs that move runs."""

    def __init__(self, state: State) -> None:
        super().__init__(state, frozenset(route.operation for route in evals.ROUTES))

    def add(
        self,
        *,
        data_source_config: Mapping[str, Any],
        testing_criteria: Sequence[Mapping[str, Any]],
        name: str | None = None,
        metadata: Mapping[str, str] | None = None,
        id: str | None = None,  # noqa: A002
    ) -> dict[str, Any]:
        """Store an eval as `evals.create` would; give `id` to make "an eval with id X" exist."""
        body: dict[str, Any] = {
            "data_source_config": dict(data_source_config),
            "testing_criteria": [dict(c) for c in testing_criteria],
        }
        if name is not None:
            body["name"] = name
        if metadata is not None:
            body["metadata"] = dict(metadata)
        problems = validate_body("evals.create", body)
        if problems:
            raise ConfigurationError(f"Cannot seed this eval: {problems[0].message} (at {problems[0].json_path})")
        with table(self._state, EVAL_RUNS).lock:
            return evals.public(new_eval(self._state, body, id))

    def get(self, eval_id: str) -> dict[str, Any] | None:
        """The stored eval with this id, or None."""
        row = table(self._state, EVALS).get(eval_id)
        return None if row is None else evals.public(row)

    def all(self) -> list[dict[str, Any]]:
        """The stored evals, oldest first."""
        return [evals.public(row) for row in table(self._state, EVALS).rows()]

    def runs(self, eval_id: str | None = None) -> list[dict[str, Any]]:
        """The stored eval runs, oldest first, optionally of one eval."""
        rows = table(self._state, EVAL_RUNS).rows(lambda r: eval_id is None or r["eval_id"] == eval_id)
        return [evals.public(row) for row in rows]

    def output_items(self, run_id: str) -> list[dict[str, Any]]:
        """The output items of an eval run, in data source order."""
        self._run(run_id)
        return [evals.public(row) for row in table(self._state, OUTPUT_ITEMS).rows(lambda r: r["run_id"] == run_id)]

    def hold(self) -> None:
        """Keep eval runs created from now on `queued` until `advance()` or `release()`."""
        evals.set_holding(self._state, True)

    def release(self) -> None:
        """Stop holding eval runs, and finish every held one."""
        evals.set_holding(self._state, False)
        with table(self._state, EVAL_RUNS).lock:
            for row in table(self._state, EVAL_RUNS).rows(lambda r: bool(r["_hold"])):
                row["_hold"] = None
                evals.finish_run(self._state, row)

    def advance(self, run_id: str | None = None) -> dict[str, Any]:
        """Move an eval run one step (the newest unfinished one by default); returns it."""
        with table(self._state, EVAL_RUNS).lock:
            row = self._run(run_id)
            if not evals.step_run(self._state, row):
                raise ConfigurationError(f"Eval run {row['id']} has already ended ({row['status']!r}).")
            return evals.public(row)

    def fail(
        self, run_id: str | None = None, *, code: str = "server_error", message: str = "An error occurred."
    ) -> dict[str, Any]:
        """End an eval run as `failed` with this `error` (the newest unfinished one by default)."""
        with table(self._state, EVAL_RUNS).lock:
            row = self._run(run_id)
            if row["status"] not in ("queued", "in_progress"):
                raise ConfigurationError(f"Eval run {row['id']} has already ended ({row['status']!r}).")
            row.update(status="failed", error={"code": code, "message": message}, _hold=None)
            return evals.public(row)

    def _run(self, run_id: str | None) -> Resource:
        rows = table(self._state, EVAL_RUNS).rows()
        if run_id is None:
            live = [r for r in rows if r["status"] in ("queued", "in_progress")]
            if not live:
                raise ConfigurationError("No eval run is queued or in progress; create one first.")
            return live[-1]
        found = next((r for r in rows if r["id"] == run_id), None)
        if found is None:
            ids = ", ".join(r["id"] for r in rows) or "none"
            raise ConfigurationError(f"No eval run with id {run_id!r} is stored; the runs are: {ids}.")
        return found
