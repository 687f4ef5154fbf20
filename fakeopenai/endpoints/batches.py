"""Batches: `POST /v1/batches`, `GET /v1/batches`, `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`.

A batch really runs: its requests go through the fake's own endpoints (scripts,
cassettes, simulator) and their answers become an output file and an error
file in the API's JSONL format. It moves `validating` -> `in_progress` ->
`finalizing` -> `completed` as the test chooses (`fake.batches`): by default it
finishes on its first retrieve. An invalid input file fails it with `errors`.
"""

from __future__ import annotations

from .._app.responses import JsonResponse, Response
from .._app.state import Context
from .._errors import ApiError
from ._batches_run import BATCHES, TERMINAL, finish, new_batch
from ._files_progress import count_retrieve, finishes_at_once, stamp
from ._files_store import FILES, file_not_found, listing, public, public_rows
from ._route import Route
from ._store import not_found, table

_KIND = "batches"


def _batch_not_found(batch_id: str) -> ApiError:
    return not_found(f"No batch found with id '{batch_id}'.")


def create(ctx: Context) -> Response:
    """Create a batch from an uploaded input file (purpose `batch`); answer it in `validating`."""
    body = ctx.request.body
    file_id = body["input_file_id"]
    stored = table(ctx.state, FILES).get(file_id)
    if stored is None:
        return file_not_found(file_id, "input_file_id")
    if stored["purpose"] != "batch":
        return ApiError(
            400,
            f"Invalid 'input_file_id': file {file_id} has purpose '{stored['purpose']}', but a batch input file must "
            "have purpose 'batch'.",
            param="input_file_id",
        )
    batches = table(ctx.state, BATCHES)
    with batches.lock:
        row = new_batch(ctx.state, body)
        stamp(ctx.state, _KIND, row)
        answer = public(row)
    if finishes_at_once(row):
        finish(ctx.state, row["id"])
    return JsonResponse(answer)


def list_batches(ctx: Context) -> Response:
    """The batches, newest first."""
    return listing(public_rows(table(ctx.state, BATCHES)), ctx.query, default_limit=20)


def retrieve(ctx: Context) -> Response:
    """One batch; a batch due to finish on this retrieve runs to its end first."""
    batch_id = ctx.path_args["batch_id"]
    batches = table(ctx.state, BATCHES)
    with batches.editing(batch_id) as row:
        if row is None:
            return _batch_not_found(batch_id)
        due = count_retrieve(row) and row["status"] not in TERMINAL
    if due:
        finish(ctx.state, batch_id)
    with batches.editing(batch_id) as row:
        return _batch_not_found(batch_id) if row is None else JsonResponse(public(row))


def cancel(ctx: Context) -> Response:
    """Start cancelling a batch that is validating or in progress (status `cancelling`)."""
    batch_id = ctx.path_args["batch_id"]
    with table(ctx.state, BATCHES).editing(batch_id) as row:
        if row is None:
            return _batch_not_found(batch_id)
        if row["status"] not in ("validating", "in_progress"):
            return ApiError(400, f"Cannot cancel a batch with status '{row['status']}'.")
        row.update(status="cancelling", cancelling_at=ctx.state.now())
        return JsonResponse(public(row))


ROUTES = [
    Route("POST", "/v1/batches", "batches.create", create),
    Route("GET", "/v1/batches", "batches.list", list_batches, body="none"),
    Route("GET", "/v1/batches/<batch_id>", "batches.retrieve", retrieve, body="none"),
    Route("POST", "/v1/batches/<batch_id>/cancel", "batches.cancel", cancel, body="none"),
]
