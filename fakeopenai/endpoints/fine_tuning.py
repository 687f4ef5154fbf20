"""Fine-tuning jobs: create, list, retrieve, cancel, pause, resume, and their events and checkpoints.

A job moves `validating_files` -> `queued` -> `running` -> `succeeded` as the
test chooses (`fake.fine_tuning`): by default it finishes on its first
retrieve. Its files are validated on the way out of `validating_files`, and an
invalid one fails the job (`error.code` `invalid_training_file`), as the real
API does. A succeeded job's `fine_tuned_model` joins the fine-tuned models
(`_fine_tuning_models`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._app.responses import JsonResponse, Response
from .._app.state import Context
from .._app.views import RequestView
from .._errors import ApiError
from .._validation.bodies import Problem
from ._files_progress import count_retrieve, finishes_at_once, stamp
from ._files_store import FILES, listing, public, public_rows
from ._fine_tuning_jobs import (
    CHECKPOINTS,
    EVENTS,
    JOBS,
    TERMINAL,
    add_event,
    finish,
    job_not_found,
    new_job,
    refuse,
)
from ._fine_tuning_models import resolve, supports
from ._route import Route
from ._store import table


def check_create(view: RequestView) -> list[Problem]:
    """What the API checks in a create request beyond its schema: a method's settings match its type."""
    method = view.get("method")
    if not isinstance(method, Mapping):
        return []
    kind = method.get("type")
    for other in ("supervised", "dpo", "reinforcement"):
        if other != kind and other in method:
            return [
                Problem(
                    f"Invalid 'method': method.{other} was given, but method.type is '{kind}'.",
                    f"method.{other}",
                    "invalid_value",
                    f"$.method.{other}",
                )
            ]
    if kind == "reinforcement" and not isinstance((method.get("reinforcement") or {}).get("grader"), Mapping):
        param = "method.reinforcement.grader"
        return [Problem(f"Missing required parameter: '{param}'.", param, "missing_required_parameter", f"$.{param}")]
    return []


def create(ctx: Context) -> Response:
    """Create a job after checking its model and files; answer it in `validating_files`."""
    body = ctx.request.body
    model = resolve(ctx.state, body["model"])
    if model is None:
        return ApiError(
            400,
            f"Model {body['model']} is not available for fine-tuning or does not exist.",
            param="model",
            code="model_not_available",
        )
    method = (body.get("method") or {}).get("type", "supervised")
    if not supports(model, method):
        return ApiError(
            400, f"Model {body['model']} does not support the {method} fine-tuning method.", param="method", code=None
        )
    for key in ("training_file", "validation_file"):
        refusal = _file_problem(ctx, key, body.get(key))
        if refusal is not None:
            return refusal
    jobs = table(ctx.state, JOBS)
    with jobs.lock:
        row = new_job(ctx.state, body, model)
        stamp(ctx.state, "fine_tuning", row)
        answer = public(row)
        if finishes_at_once(row):
            finish(ctx.state, row)
    return JsonResponse(answer)


def _file_problem(ctx: Context, key: str, file_id: Any) -> ApiError | None:
    if file_id is None:
        return None
    stored = table(ctx.state, FILES).get(file_id)
    if stored is None:
        return ApiError(400, f"invalid {key}: {file_id}", param=key)
    if stored["purpose"] != "fine-tune":
        return ApiError(
            400,
            f"invalid {key}: {file_id} has purpose '{stored['purpose']}', but fine-tuning files must have purpose "
            "'fine-tune'.",
            param=key,
        )
    return None


def list_jobs(ctx: Context) -> Response:
    """The jobs, newest first, optionally only those whose metadata has `metadata[key]=value`."""
    wanted = {key[9:-1]: value for key, value in ctx.query.items() if key.startswith("metadata[") and key[-1] == "]"}

    def matches(row: dict[str, Any]) -> bool:
        metadata = row.get("metadata") or {}
        return all(metadata.get(key) == value for key, value in wanted.items())

    return listing(public_rows(table(ctx.state, JOBS), matches), ctx.query, default_limit=20)


def retrieve(ctx: Context) -> Response:
    """One job; a job due to finish on this retrieve finishes first."""
    job_id = ctx.path_args["job_id"]
    with table(ctx.state, JOBS).editing(job_id) as row:
        if row is None:
            return job_not_found(job_id)
        if count_retrieve(row) and row["status"] not in TERMINAL and row["status"] != "paused":
            finish(ctx.state, row)
        return JsonResponse(public(row))


def cancel(ctx: Context) -> Response:
    """Cancel a job that has not ended."""
    job_id = ctx.path_args["job_id"]
    with table(ctx.state, JOBS).editing(job_id) as row:
        if row is None:
            return job_not_found(job_id)
        if row["status"] in TERMINAL:
            return refuse(row, "cancel", "it has already ended")
        row.update(status="cancelled", estimated_finish=None)
        add_event(ctx.state, row, "Fine-tuning job cancelled")
        return JsonResponse(public(row))


def pause(ctx: Context) -> Response:
    """Pause a running job."""
    job_id = ctx.path_args["job_id"]
    with table(ctx.state, JOBS).editing(job_id) as row:
        if row is None:
            return job_not_found(job_id)
        if row["status"] != "running":
            return refuse(row, "pause", "only a running job can be paused")
        row.update(status="paused", estimated_finish=None)
        add_event(ctx.state, row, "Fine-tuning job paused")
        return JsonResponse(public(row))


def resume(ctx: Context) -> Response:
    """Resume a paused job: it is queued again."""
    job_id = ctx.path_args["job_id"]
    with table(ctx.state, JOBS).editing(job_id) as row:
        if row is None:
            return job_not_found(job_id)
        if row["status"] != "paused":
            return refuse(row, "resume", "only a paused job can be resumed")
        row["status"] = "queued"
        add_event(ctx.state, row, "Fine-tuning job resumed")
        return JsonResponse(public(row))


def _sublist(key: str, default_limit: int) -> Any:
    def answer(ctx: Context) -> Response:
        job_id = ctx.path_args["job_id"]
        with table(ctx.state, JOBS).editing(job_id) as row:
            if row is None:
                return job_not_found(job_id)
            items = list(row[key])
        return listing(items, ctx.query, default_limit=default_limit)

    answer.__doc__ = f"The job's {key.strip('_')}, newest first."
    return answer


_JOB = "/v1/fine_tuning/jobs/<job_id>"
ROUTES = [
    Route("POST", "/v1/fine_tuning/jobs", "fine_tuning.jobs.create", create, check=check_create),
    Route("GET", "/v1/fine_tuning/jobs", "fine_tuning.jobs.list", list_jobs, body="none"),
    Route("GET", _JOB, "fine_tuning.jobs.retrieve", retrieve, body="none"),
    Route("POST", f"{_JOB}/cancel", "fine_tuning.jobs.cancel", cancel, body="none"),
    Route("POST", f"{_JOB}/pause", "fine_tuning.jobs.pause", pause, body="none"),
    Route("POST", f"{_JOB}/resume", "fine_tuning.jobs.resume", resume, body="none"),
    Route("GET", f"{_JOB}/events", "fine_tuning.jobs.list_events", _sublist(EVENTS, 20), body="none"),
    Route("GET", f"{_JOB}/checkpoints", "fine_tuning.jobs.checkpoints.list", _sublist(CHECKPOINTS, 10), body="none"),
]
