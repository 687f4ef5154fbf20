"""Fine-tuning jobs and their lifecycle: `validating_files` -> `queued` -> `running` -> `succeeded`.

Each row of `table(state, "fine_tuning_jobs")` is the job object the API returns,
plus private keys (starting with `_`): its events and checkpoints, newest last,
and what validation learned of the training file. Every function here expects
the caller to hold the table's lock on the row (`Table.editing`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .._app.state import State
from .._errors import ApiError, ConfigurationError
from ._files_store import CONTENT, FILES, store_file
from ._fine_tuning_data import (
    MIN_TRAINING_EXAMPLES,
    count_example_tokens,
    dataset_problem,
    read_examples,
)
from ._fine_tuning_models import LEGACY, ORGANIZATION_ID, ORGANIZATION_NAME, base_of
from ._models_store import add_model
from ._store import Resource, table

JOBS = "fine_tuning_jobs"
EVENTS = "_events"
CHECKPOINTS = "_checkpoints"
_EXAMPLES = "_examples"
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
_NEXT = {"validating_files": "queued", "queued": "running", "running": "succeeded"}
_DEFAULTS: dict[str, Any] = {
    "n_epochs": 3,
    "batch_size": 1,
    "learning_rate_multiplier": 2.0,
    "beta": 0.1,
    "compute_multiplier": 1.0,
    "eval_interval": 1,
    "eval_samples": 1,
    "reasoning_effort": "medium",
}
_CORE = ("batch_size", "learning_rate_multiplier", "n_epochs")


def new_job(state: State, body: Mapping[str, Any], model: str) -> Resource:
    """Store a job for a validated create request (`model` resolved to its snapshot); return its row."""
    job_id = state.new_id("ftjob-", str(body.get("training_file")), 24)
    method = _method(body)
    row: Resource = {
        "object": "fine_tuning.job",
        "id": job_id,
        "model": model,
        "created_at": state.now(),
        "finished_at": None,
        "fine_tuned_model": None,
        "organization_id": ORGANIZATION_ID,
        "result_files": [],
        "status": "validating_files",
        "validation_file": body.get("validation_file"),
        "training_file": body["training_file"],
        "hyperparameters": _core(method),
        "trained_tokens": None,
        "error": None,
        "integrations": list(body.get("integrations") or []),
        "seed": body["seed"] if isinstance(body.get("seed"), int) else int(job_id.encode().hex(), 16) % 2**31,
        "estimated_finish": None,
        "method": method,
        "metadata": body.get("metadata"),
        "_suffix": body.get("suffix"),
        EVENTS: [],
        CHECKPOINTS: [],
    }
    add_event(state, row, f"Validating training file: {row['training_file']}")
    add_event(state, row, f"Created fine-tuning job: {job_id}")
    return table(state, JOBS).put(row)


def _method(body: Mapping[str, Any]) -> dict[str, Any]:
    method = dict(body.get("method") or {"type": "supervised"})
    kind = method["type"]
    settings = dict(method.get(kind) or {})
    legacy = body.get("hyperparameters") if kind == "supervised" else None
    hyperparameters = dict(settings.get("hyperparameters") or legacy or {})
    keys = _CORE + (("beta",) if kind == "dpo" else ())
    for key in keys:
        hyperparameters.setdefault(key, "auto")
    settings["hyperparameters"] = hyperparameters
    method[kind] = settings
    return method


def _core(method: Mapping[str, Any]) -> dict[str, Any]:
    hyperparameters = method[method["type"]]["hyperparameters"]
    return {key: hyperparameters[key] for key in _CORE}


def add_event(state: State, row: Resource, message: str, *, level: str = "info", data: Any = None) -> None:
    """Log an event on the job (`GET /v1/fine_tuning/jobs/{id}/events` lists them, newest first)."""
    row[EVENTS].append(
        {
            "object": "fine_tuning.job.event",
            "id": state.new_id("ftevent-", row["id"], 24),
            "created_at": state.now(),
            "level": level,
            "message": message,
            "data": data if data is not None else {},
            "type": "metrics" if data is not None else "message",
        }
    )


def advance(state: State, row: Resource) -> None:
    """Move the job one status on (validating the files on the way out of `validating_files`)."""
    status = row["status"]
    if status == "paused":
        raise ConfigurationError(f"Fine-tuning job {row['id']} is paused: the client must resume it first.")
    if status in TERMINAL:
        raise ConfigurationError(f"Fine-tuning job {row['id']} has already {status}.")
    if status == "validating_files":
        failure = _validate_files(state, row)
        if failure is not None:
            fail(state, row, *failure)
            return
        add_event(state, row, "Files validated, moving job to queued state")
    elif status == "queued":
        _start(state, row)
    else:
        _succeed(state, row)
        return
    row["status"] = _NEXT[status]


def finish(state: State, row: Resource) -> None:
    """Move the job on until it ends (succeeded, or failed if its files are invalid)."""
    while row["status"] not in TERMINAL:
        advance(state, row)


def fail(state: State, row: Resource, code: str, message: str, param: str | None = None) -> None:
    """End the job with an error."""
    if row["status"] in TERMINAL:
        raise ConfigurationError(f"Fine-tuning job {row['id']} has already {row['status']}.")
    row.update(
        status="failed",
        error={"code": code, "message": message, "param": param},
        finished_at=state.now(),
        estimated_finish=None,
    )
    add_event(state, row, message, level="error")


def _validate_files(state: State, row: Resource) -> tuple[str, str, str] | None:
    legacy = base_of(row["model"]) in LEGACY
    method = row["method"]["type"]
    for key, minimum in (("training_file", MIN_TRAINING_EXAMPLES), ("validation_file", 1)):
        if row[key] is None:
            continue
        stored = table(state, FILES).get(row[key])
        kind = key.removesuffix("_file")
        if stored is None:
            return (
                f"invalid_{kind}_file",
                f"The job failed due to an invalid {kind} file: {row[key]} no longer exists.",
                key,
            )
        examples = read_examples(stored[CONTENT])
        problem = dataset_problem(examples, method, legacy=legacy, minimum=minimum)
        if problem is not None:
            return f"invalid_{kind}_file", f"The job failed due to an invalid {kind} file. {problem}", key
        if key == "training_file":
            row[_EXAMPLES] = (len(examples), count_example_tokens(examples))
    return None


def _start(state: State, row: Resource) -> None:
    method = row["method"]
    hyperparameters = method[method["type"]]["hyperparameters"]
    for key, value in hyperparameters.items():
        if value == "auto" and key in _DEFAULTS:
            hyperparameters[key] = _DEFAULTS[key]
    row["hyperparameters"] = _core(method)
    row["estimated_finish"] = state.now() + 600
    add_event(state, row, "Fine-tuning job started")


def _succeed(state: State, row: Resource) -> None:
    examples, tokens = row.get(_EXAMPLES, (MIN_TRAINING_EXAMPLES, 0))
    epochs = int(row["hyperparameters"]["n_epochs"])
    per_epoch = math.ceil(examples / int(row["hyperparameters"]["batch_size"]))
    suffix = row["_suffix"] or ""
    model = f"ft:{base_of(row['model'])}:{ORGANIZATION_NAME}:{suffix}:{state.new_id('', row['id'], 8)}"
    steps = [per_epoch * epoch for epoch in range(max(1, epochs - 2), epochs + 1)]
    for step in steps:
        metrics = _metrics(step, per_epoch * epochs)
        add_event(state, row, f"Step {step}/{per_epoch * epochs}: training loss={metrics['train_loss']}", data=metrics)
        row[CHECKPOINTS].append(
            {
                "object": "fine_tuning.job.checkpoint",
                "id": state.new_id("ftckpt_", row["id"], 24),
                "created_at": state.now(),
                "fine_tuned_model_checkpoint": f"{model}:ckpt-step-{step}",
                "fine_tuning_job_id": row["id"],
                "metrics": metrics,
                "step_number": step,
            }
        )
        add_event(state, row, f"Checkpoint created at step {step}")
    results = store_file(
        state, _results_csv(per_epoch * epochs), filename="step_metrics.csv", purpose="fine-tune-results"
    )
    now = state.now()
    row.update(
        status="succeeded",
        fine_tuned_model=model,
        finished_at=now,
        trained_tokens=tokens * epochs,
        result_files=[results["id"]],
        estimated_finish=None,
    )
    add_model(state, model, ORGANIZATION_ID, created=now)
    add_event(state, row, f"New fine-tuned model created: {model}")
    add_event(state, row, "The job has successfully completed")


def _metrics(step: int, total: int) -> dict[str, float]:
    progress = step / max(total, 1)
    loss = round(1.2 - 0.9 * progress, 4)
    accuracy = round(0.6 + 0.35 * progress, 4)
    return {
        "step": float(step),
        "train_loss": loss,
        "train_mean_token_accuracy": accuracy,
        "valid_loss": round(loss + 0.05, 4),
        "valid_mean_token_accuracy": round(accuracy - 0.03, 4),
        "full_valid_loss": round(loss + 0.04, 4),
        "full_valid_mean_token_accuracy": round(accuracy - 0.02, 4),
    }


def _results_csv(total: int) -> bytes:
    lines = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"]
    for step in range(1, total + 1):
        metrics = _metrics(step, total)
        lines.append(
            f"{step},{metrics['train_loss']},{metrics['train_mean_token_accuracy']},"
            f"{metrics['valid_loss']},{metrics['valid_mean_token_accuracy']}"
        )
    return ("\n".join(lines) + "\n").encode()


def job_not_found(job_id: str) -> ApiError:
    """The API's 404 for an unknown job id."""
    return ApiError(404, f"Could not find fine-tuning job: {job_id}", param="fine_tuning_job_id")


def refuse(row: Resource, action: str, allowed: str) -> ApiError:
    """The API's 400 for a job whose status does not allow `action` ("cancel", "pause", "resume")."""
    return ApiError(400, f"Cannot {action} job {row['id']}: its status is '{row['status']}'; {allowed}.")
