"""Batches and their lifecycle: `validating` -> `in_progress` -> `finalizing` -> `completed` (or `failed`,
`cancelling` -> `cancelled`, `expired`).

Each row of `table(state, "batches")` is the Batch object the API returns, plus
private keys: the validated requests and their results so far. Running a batch
sends every request through the fake's own endpoints (`State.dispatch`), so
scripts, cassettes and the simulator answer them and each appears in the
request log; the answers become the output file (2xx) and the error file.
Progress is serialized per server, and no table lock is held while requests run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from .._app.state import State
from .._errors import ConfigurationError
from ._batches_input import BatchLine, read_batch
from ._files_store import CONTENT, FILES, hex_id, store_file
from ._store import Resource, table

BATCHES = "batches"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
WINDOW = 24 * 3600
_LINES = "_lines"
_RESULTS = "_results"
_RUN = "batches:run-lock"
_GUARD = threading.Lock()
_NOT_RUN = {
    "expired": ("batch_expired", "This request could not be executed before the completion window expired."),
    "cancelled": ("batch_cancelled", "This request was not executed because the batch was cancelled."),
}


def new_batch(state: State, body: Mapping[str, Any]) -> Resource:
    """Store a batch for a valid create request; return its row (status `validating`)."""
    created = state.now()
    row: Resource = {
        "id": hex_id(state, "batch_", body["input_file_id"]),
        "object": "batch",
        "endpoint": body["endpoint"],
        "model": None,
        "errors": None,
        "input_file_id": body["input_file_id"],
        "completion_window": body["completion_window"],
        "status": "validating",
        "output_file_id": None,
        "error_file_id": None,
        "created_at": created,
        "in_progress_at": None,
        "expires_at": created + WINDOW,
        "finalizing_at": None,
        "completed_at": None,
        "failed_at": None,
        "expired_at": None,
        "cancelling_at": None,
        "cancelled_at": None,
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
        "usage": _usage(),
        "metadata": body.get("metadata"),
        _LINES: [],
        _RESULTS: {},
        "_output_expires_after": body.get("output_expires_after"),
    }
    return table(state, BATCHES).put(row)


def _usage() -> dict[str, Any]:
    return {
        "input_tokens": 0,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 0,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 0,
    }


def _run_lock(state: State) -> Any:
    """The lock that serializes the progress of this server's batches (a reentrant lock)."""
    with _GUARD:
        lock = state.resources.get(_RUN)
        if lock is None:
            lock = state.resources[_RUN] = threading.RLock()
    return lock


def advance(state: State, batch_id: str) -> None:
    """Move the batch one status on; running its requests on the way out of `in_progress`."""
    with _run_lock(state):
        status = _row(state, batch_id)["status"]
        if status in TERMINAL:
            raise ConfigurationError(f"Batch {batch_id} has already ended: its status is {status!r}.")
        if status == "validating":
            _validate(state, batch_id)
        elif status == "in_progress":
            _run(state, batch_id)
        elif status == "finalizing":
            _close(state, batch_id, "completed")
        else:
            _close(state, batch_id, "cancelled")


def finish(state: State, batch_id: str) -> None:
    """Move the batch on until it ends."""
    with _run_lock(state):
        while _row(state, batch_id)["status"] not in TERMINAL:
            advance(state, batch_id)


def expire(state: State, batch_id: str) -> None:
    """End the batch as `expired`: what did not run goes to the error file as `batch_expired`."""
    with _run_lock(state):
        status = _row(state, batch_id)["status"]
        if status in TERMINAL:
            raise ConfigurationError(f"Batch {batch_id} has already ended: its status is {status!r}.")
        if status == "validating":
            _validate(state, batch_id, quietly=True)
        _close(state, batch_id, "expired")


def _row(state: State, batch_id: str) -> Resource:
    row = table(state, BATCHES).get(batch_id)
    if row is None:
        known = ", ".join(r["id"] for r in table(state, BATCHES).rows()) or "none"
        raise ConfigurationError(f"No batch {batch_id!r}; the batches are: {known}.")
    return row


def _validate(state: State, batch_id: str, *, quietly: bool = False) -> None:
    with table(state, BATCHES).editing(batch_id) as row:
        assert row is not None
        stored = table(state, FILES).get(row["input_file_id"])
        if stored is None:
            lines: list[BatchLine] = []
            message = f"No such File object: {row['input_file_id']}"
            errors = [{"code": "file_not_found", "message": message, "param": "input_file_id", "line": None}]
        else:
            lines, errors = read_batch(stored[CONTENT], row["endpoint"])
        if errors and not quietly:
            row.update(status="failed", failed_at=state.now(), errors={"object": "list", "data": errors})
            return
        row[_LINES] = lines
        row["model"] = next((line.body.get("model") for line in lines if line.body.get("model")), None)
        row["request_counts"]["total"] = len(lines)
        if not quietly:
            row.update(status="in_progress", in_progress_at=state.now())


def _run(state: State, batch_id: str) -> None:
    batches = table(state, BATCHES)
    lines: list[BatchLine] = list(_row(state, batch_id)[_LINES])
    for line in lines:
        with batches.editing(batch_id) as row:
            if row is None or row["status"] != "in_progress":
                return  # cancelled meanwhile (or the fake was reset)
        status, body = state.dispatch(line.method, line.url, line.body)
        record = {
            "id": hex_id(state, "batch_req_", line.custom_id),
            "custom_id": line.custom_id,
            "response": {"status_code": status, "request_id": hex_id(state, "", line.custom_id), "body": body},
            "error": None,
        }
        with batches.editing(batch_id) as row:
            if row is None:
                return
            ok = 200 <= status < 300
            row[_RESULTS][line.custom_id] = (ok, record)
            row["request_counts"]["completed" if ok else "failed"] += 1
            if ok and isinstance(body, Mapping):
                _add_usage(row["usage"], body.get("usage"))
    with batches.editing(batch_id) as row:
        if row is not None and row["status"] == "in_progress":
            row.update(status="finalizing", finalizing_at=state.now())


def _add_usage(total: dict[str, Any], usage: Any) -> None:
    if not isinstance(usage, Mapping):
        return
    given_in = usage.get("input_tokens", usage.get("prompt_tokens", 0))
    given_out = usage.get("output_tokens", usage.get("completion_tokens", 0))
    in_details = usage.get("input_tokens_details") or usage.get("prompt_tokens_details") or {}
    out_details = usage.get("output_tokens_details") or usage.get("completion_tokens_details") or {}
    total["input_tokens"] += given_in or 0
    total["output_tokens"] += given_out or 0
    total["input_tokens_details"]["cached_tokens"] += in_details.get("cached_tokens") or 0
    total["output_tokens_details"]["reasoning_tokens"] += out_details.get("reasoning_tokens") or 0
    total["total_tokens"] = total["input_tokens"] + total["output_tokens"]


def _close(state: State, batch_id: str, status: str) -> None:
    """End the batch with `status`, writing its output and error files."""
    with table(state, BATCHES).editing(batch_id) as row:
        assert row is not None
        outputs: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        not_run = _NOT_RUN.get(status)
        for line in row[_LINES]:
            result = row[_RESULTS].get(line.custom_id)
            if result is not None:
                (outputs if result[0] else failures).append(result[1])
            elif not_run is not None:
                error = {"code": not_run[0], "message": not_run[1]}
                record_id = hex_id(state, "batch_req_", line.custom_id)
                failures.append({"id": record_id, "custom_id": line.custom_id, "response": None, "error": error})
        expires_after = (row["_output_expires_after"] or {}).get("seconds")
        for key, records, name in (("output_file_id", outputs, "output"), ("error_file_id", failures, "error")):
            if records:
                content = b"".join(json.dumps(record).encode() + b"\n" for record in records)
                filename = f"{batch_id}_{name}.jsonl"
                file = store_file(
                    state, content, filename=filename, purpose="batch_output", expires_after=expires_after
                )
                row[key] = file["id"]
        row.update({"status": status, f"{status}_at": state.now()})
        if status == "cancelled" and row["cancelling_at"] is None:
            row["cancelling_at"] = row["cancelled_at"]
