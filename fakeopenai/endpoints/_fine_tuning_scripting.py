"""`fake.fine_tuning`: drive fine-tuning jobs through their statuses, inspect them, script errors, read calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .._app.state import State
from .._errors import ConfigurationError
from ._files_progress import ProgressVerbs, take_over
from ._files_store import public
from ._fine_tuning_jobs import JOBS, advance, fail, finish
from ._store import Resource, table

_KIND = "fine_tuning"
_OPERATIONS = frozenset(
    {
        "fine_tuning.jobs.create",
        "fine_tuning.jobs.list",
        "fine_tuning.jobs.retrieve",
        "fine_tuning.jobs.cancel",
        "fine_tuning.jobs.pause",
        "fine_tuning.jobs.resume",
        "fine_tuning.jobs.list_events",
        "fine_tuning.jobs.checkpoints.list",
    }
)


class FineTuningScripting(ProgressVerbs):
    """Fine-tuning jobs: how they progress, their state, scripted errors, and the calls made.

    By default a new job finishes (`succeeded`, or `failed` if its training
    file is invalid) on its first retrieve. `complete_at_once()`,
    `complete_on_retrieve(n)` and `manual()` change that for jobs created
    afterwards; `advance`, `complete` and `fail` move one job by hand.
    """

    _kind = _KIND

    def __init__(self, state: State) -> None:
        super().__init__(state, _OPERATIONS)

    def advance(self, job_id: str) -> dict[str, Any]:
        """Move the job one status on: validating_files -> queued -> running -> succeeded; returns the job.

        Leaving `validating_files` validates the files: an invalid one fails the job.
        """
        return self._move(job_id, lambda row: advance(self._state, row))

    def complete(self, job_id: str) -> dict[str, Any]:
        """Move the job on until it ends; returns the job (with its `fine_tuned_model` if it succeeded)."""
        return self._move(job_id, lambda row: finish(self._state, row))

    def fail(
        self,
        job_id: str,
        message: str = "The job failed due to an internal error.",
        *,
        code: str = "internal_error",
        param: str | None = None,
    ) -> dict[str, Any]:
        """End the job as `failed` with this `error`; returns the job."""
        return self._move(job_id, lambda row: fail(self._state, row, code, message, param))

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job as the API shows it, or None."""
        with self._job(job_id, missing_ok=True) as row:
            return None if row is None else public(row)

    def _move(self, job_id: str, how: Callable[[Resource], None]) -> dict[str, Any]:
        with self._job(job_id) as row:
            assert row is not None
            take_over(row)
            how(row)
            return public(row)

    @contextmanager
    def _job(self, job_id: str, *, missing_ok: bool = False) -> Iterator[Resource | None]:
        jobs = table(self._state, JOBS)
        with jobs.editing(job_id) as row:
            if row is None and not missing_ok:
                known = ", ".join(r["id"] for r in jobs.rows()) or "none"
                raise ConfigurationError(f"No fine-tuning job {job_id!r}; the jobs are: {known}.")
            yield row
