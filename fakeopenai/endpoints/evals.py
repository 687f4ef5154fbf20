"""Evals (`/v1/evals`), their runs and the runs' output items, kept per server.

A run really grades (see `_evals_runner`): `completions` and `responses` data
sources sample their model through the fake itself, so scripts answer those
samples; `string_check` and `text_similarity` are computed; model graders ask
a model the same way. A run is answered `queued` when created, as the real API
answers it, and is done at once unless the test holds it (`fake.evals.hold()`).
Lists are oldest first unless `order=desc`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from .._app.responses import JsonResponse, Response
from .._app.state import Context, State
from .._errors import ApiError
from ._evals_objects import EVAL_RUNS, EVALS, OUTPUT_ITEMS, new_eval, new_eval_run, updated_at
from ._evals_runner import run_eval
from ._route import Route
from ._store import Resource, not_found, paginate, table

_HOLD_KEY = "evals:hold"
_LIVE = ("queued", "in_progress")


def public(row: Resource) -> dict[str, Any]:
    """A stored row as the API shows it: a deep copy without the private `_` keys."""
    return {key: copy.deepcopy(value) for key, value in row.items() if not key.startswith("_")}


def _locked(handler: Callable[[Context], Response]) -> Callable[[Context], Response]:
    """`handler`, run while holding the lock every change to evals, runs and output items holds."""

    def answer(ctx: Context) -> Response:
        with table(ctx.state, EVAL_RUNS).lock:
            return handler(ctx)

    answer.__doc__ = handler.__doc__
    return answer


def _missing(kind: str, resource_id: str) -> ApiError:
    return not_found(f"No {kind} found with id '{resource_id}'.")


def _listing(rows: list[Resource], ctx: Context, *, order_key: str = "created_at") -> Response:
    page = paginate(rows, ctx.query, default_order="asc", order_key=order_key)
    if isinstance(page, ApiError):
        return page
    page["data"] = [public(row) for row in page["data"]]
    return JsonResponse(page)


def holding(state: State) -> bool:
    """Whether new eval runs wait for the test (`fake.evals.hold()`)."""
    return bool(state.resources.get(_HOLD_KEY))


def set_holding(state: State, hold: bool) -> None:
    """Hold new eval runs, or stop holding them."""
    state.resources[_HOLD_KEY] = hold


def step_run(state: State, run: Resource) -> bool:
    """Move an eval run one step (`queued` → `in_progress` → graded); False if it has ended."""
    if run["status"] == "queued":
        run["status"] = "in_progress"
        return True
    if run["status"] == "in_progress":
        evaluation = table(state, EVALS).get(run["eval_id"])
        if evaluation is None:
            run.update(status="failed", error={"code": "eval_not_found", "message": "The eval was deleted."})
        else:
            run_eval(state, run, evaluation)
        return True
    return False


def finish_run(state: State, run: Resource) -> None:
    """Move an eval run until it ends."""
    while step_run(state, run):
        pass


def _eval(ctx: Context) -> Resource | ApiError:
    eval_id = ctx.path_args["eval_id"]
    row = table(ctx.state, EVALS).get(eval_id)
    return row if row is not None else _missing("eval", eval_id)


def _run(ctx: Context) -> Resource | ApiError:
    evaluation = _eval(ctx)
    if isinstance(evaluation, ApiError):
        return evaluation
    run_id = ctx.path_args["run_id"]
    run = table(ctx.state, EVAL_RUNS).get(run_id)
    if run is None or run["eval_id"] != evaluation["id"]:
        return _missing("eval run", run_id)
    return run


def create(ctx: Context) -> Response:
    """`POST /v1/evals`."""
    return JsonResponse(public(new_eval(ctx.state, ctx.request.body)))


def retrieve(ctx: Context) -> Response:
    """`GET /v1/evals/{eval_id}`."""
    row = _eval(ctx)
    return row if isinstance(row, ApiError) else JsonResponse(public(row))


def update(ctx: Context) -> Response:
    """`POST /v1/evals/{eval_id}`: name and metadata."""
    row = _eval(ctx)
    if isinstance(row, ApiError):
        return row
    body = ctx.request.body
    with table(ctx.state, EVALS).editing(row["id"]):
        if body.get("name") is not None:
            row["name"] = body["name"]
        if "metadata" in body:
            row["metadata"] = dict(body.get("metadata") or {})
        row["_updated_at"] = updated_at(ctx.state)
        return JsonResponse(public(row))


def delete(ctx: Context) -> Response:
    """`DELETE /v1/evals/{eval_id}`: the eval, its runs and their output items."""
    row = _eval(ctx)
    if isinstance(row, ApiError):
        return row
    table(ctx.state, EVALS).pop(row["id"])
    for kind in (EVAL_RUNS, OUTPUT_ITEMS):
        rows = table(ctx.state, kind)
        for child in rows.rows(lambda r: r["eval_id"] == row["id"]):
            rows.pop(child["id"])
    return JsonResponse({"object": "eval.deleted", "deleted": True, "eval_id": row["id"]})


def list_evals(ctx: Context) -> Response:
    """`GET /v1/evals`: `order_by=updated_at` sorts by the last update."""
    order_by = ctx.query.get("order_by", "created_at")
    if order_by not in ("created_at", "updated_at"):
        return ApiError(
            400,
            f"Invalid value: '{order_by}'. Supported values are: 'created_at' and 'updated_at'.",
            param="order_by",
            code="invalid_value",
        )
    key = "_updated_at" if order_by == "updated_at" else "created_at"
    return _listing(table(ctx.state, EVALS).rows(), ctx, order_key=key)


def create_run(ctx: Context) -> Response:
    """`POST /v1/evals/{eval_id}/runs`: answered `queued`; graded at once unless held."""
    evaluation = _eval(ctx)
    if isinstance(evaluation, ApiError):
        return evaluation
    problem = _source_problem(ctx.state, ctx.request.body.get("data_source") or {})
    if problem is not None:
        return problem
    run = new_eval_run(ctx.state, evaluation, ctx.request.body)
    answer = public(run)
    if holding(ctx.state):
        run["_hold"] = True
    else:
        finish_run(ctx.state, run)
    return JsonResponse(answer)


def _source_problem(state: State, source: Mapping[str, Any]) -> ApiError | None:
    origin = source.get("source") or {}
    if origin.get("type") == "file_id" and table(state, "files").get(str(origin.get("id"))) is None:
        return ApiError(404, f"No file found with id '{origin.get('id')}'.", param="data_source.source.id")
    return None


def retrieve_run(ctx: Context) -> Response:
    """`GET /v1/evals/{eval_id}/runs/{run_id}`."""
    run = _run(ctx)
    return run if isinstance(run, ApiError) else JsonResponse(public(run))


def list_runs(ctx: Context) -> Response:
    """`GET /v1/evals/{eval_id}/runs`: `status=` filters."""
    evaluation = _eval(ctx)
    if isinstance(evaluation, ApiError):
        return evaluation
    return _children_by_status(ctx, EVAL_RUNS, "eval_id", evaluation["id"])


def cancel_run(ctx: Context) -> Response:
    """`POST /v1/evals/{eval_id}/runs/{run_id}/cancel`: a queued or running run ends `canceled`."""
    run = _run(ctx)
    if isinstance(run, ApiError):
        return run
    if run["status"] not in _LIVE:
        return ApiError(400, f"Cannot cancel run with status '{run['status']}'.")
    run["status"] = "canceled"
    run["_hold"] = None
    return JsonResponse(public(run))


def delete_run(ctx: Context) -> Response:
    """`DELETE /v1/evals/{eval_id}/runs/{run_id}`, with its output items."""
    run = _run(ctx)
    if isinstance(run, ApiError):
        return run
    table(ctx.state, EVAL_RUNS).pop(run["id"])
    items = table(ctx.state, OUTPUT_ITEMS)
    for row in items.rows(lambda r: r["run_id"] == run["id"]):
        items.pop(row["id"])
    return JsonResponse({"object": "eval.run.deleted", "deleted": True, "run_id": run["id"]})


def list_output_items(ctx: Context) -> Response:
    """`GET …/runs/{run_id}/output_items`: `status=pass|fail` filters."""
    run = _run(ctx)
    if isinstance(run, ApiError):
        return run
    return _children_by_status(ctx, OUTPUT_ITEMS, "run_id", run["id"])


def _children_by_status(ctx: Context, name: str, parent_key: str, parent_id: str) -> Response:
    """The page of rows of table `name` whose `parent_key` is `parent_id`, filtered by the `status=` query."""
    status = ctx.query.get("status")
    rows = table(ctx.state, name).rows(
        lambda r: r[parent_key] == parent_id and (status is None or r["status"] == status)
    )
    return _listing(rows, ctx)


def retrieve_output_item(ctx: Context) -> Response:
    """`GET …/runs/{run_id}/output_items/{output_item_id}`."""
    run = _run(ctx)
    if isinstance(run, ApiError):
        return run
    item_id = ctx.path_args["output_item_id"]
    row = table(ctx.state, OUTPUT_ITEMS).get(item_id)
    if row is None or row["run_id"] != run["id"]:
        return _missing("output item", item_id)
    return JsonResponse(public(row))


_EVAL = "/v1/evals/<eval_id>"
_RUNS = _EVAL + "/runs"
_RUN = _RUNS + "/<run_id>"

ROUTES = [
    Route("POST", "/v1/evals", "evals.create", _locked(create)),
    Route("GET", "/v1/evals", "evals.list", _locked(list_evals), body="none"),
    Route("GET", _EVAL, "evals.retrieve", _locked(retrieve), body="none"),
    Route("POST", _EVAL, "evals.update", _locked(update)),
    Route("DELETE", _EVAL, "evals.delete", _locked(delete), body="none"),
    Route("POST", _RUNS, "evals.runs.create", _locked(create_run)),
    Route("GET", _RUNS, "evals.runs.list", _locked(list_runs), body="none"),
    Route("GET", _RUN, "evals.runs.retrieve", _locked(retrieve_run), body="none"),
    Route("POST", _RUN + "/cancel", "evals.runs.cancel", _locked(cancel_run), body="none"),
    Route("POST", _RUN, "evals.runs.cancel", _locked(cancel_run), body="none"),
    Route("DELETE", _RUN, "evals.runs.delete", _locked(delete_run), body="none"),
    Route("GET", _RUN + "/output_items", "evals.runs.output_items.list", _locked(list_output_items), body="none"),
    Route(
        "GET",
        _RUN + "/output_items/<output_item_id>",
        "evals.runs.output_items.retrieve",
        _locked(retrieve_output_item),
        body="none",
    ),
]
