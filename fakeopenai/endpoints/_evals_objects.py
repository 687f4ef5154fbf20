"""The objects of the Evals API as stored: evals, runs and output items, with ids in the API's shapes."""

from __future__ import annotations

import copy
import hashlib
import itertools
from collections.abc import Mapping
from typing import Any

from .._app.state import State
from ._store import Resource, table

EVALS = "evals"
EVAL_RUNS = "eval_runs"
OUTPUT_ITEMS = "eval_output_items"
REPORT_URL = "https://platform.openai.com/evaluations/{eval_id}?run_id={run_id}"

_SAMPLE_SCHEMA = {
    "type": "object",
    "properties": {
        "model": {"type": "string"},
        "choices": {"type": "array", "items": {"type": "object"}},
        "output_text": {"type": "string"},
        "output_json": {"type": "object"},
        "output_tools": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["model", "choices", "output_text"],
}


def hex_id(state: State, prefix: str, seed: str = "") -> str:
    """An id of 32 hex digits after `prefix` (`eval_…`, `evalrun_…`), reproducible after a reset."""
    return prefix + hashlib.sha256(state.new_id(prefix, seed).encode()).hexdigest()[:32]


def data_source_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The stored `data_source_config`: the item (and sample) schema the runs' data must follow."""
    kind = config.get("type")
    if kind == "custom":
        properties: dict[str, Any] = {"item": copy.deepcopy(config.get("item_schema") or {"type": "object"})}
        required = ["item"]
        if config.get("include_sample_schema"):
            properties["sample"] = copy.deepcopy(_SAMPLE_SCHEMA)
            required.append("sample")
        return {"type": "custom", "schema": {"type": "object", "properties": properties, "required": required}}
    schema = {
        "type": "object",
        "properties": {"item": {"type": "object"}, "sample": copy.deepcopy(_SAMPLE_SCHEMA)},
        "required": ["item", "sample"],
    }
    return {"type": kind, "metadata": dict(config.get("metadata") or {}), "schema": schema}


def new_eval(state: State, body: Mapping[str, Any], eval_id: str | None = None) -> Resource:
    """An eval built from a create body, stored."""
    now = state.now()
    row: Resource = {
        "object": "eval",
        "id": eval_id or hex_id(state, "eval_", str(body.get("name"))),
        "name": body.get("name") or "",
        "data_source_config": data_source_config(body.get("data_source_config") or {}),
        "testing_criteria": [copy.deepcopy(dict(c)) for c in body.get("testing_criteria") or []],
        "created_at": now,
        "metadata": dict(body.get("metadata") or {}),
        "_updated_at": updated_at(state),
    }
    return table(state, EVALS).put(row)


def updated_at(state: State) -> tuple[int, int]:
    """When an eval changed, as a sort key: the time, then the order of changes within one second."""
    counter = state.resources.setdefault("evals:changes", itertools.count())
    return state.now(), next(counter)


def new_eval_run(state: State, evaluation: Mapping[str, Any], body: Mapping[str, Any]) -> Resource:
    """A queued run of an eval, stored."""
    run_id = hex_id(state, "evalrun_", evaluation["id"])
    source = copy.deepcopy(dict(body.get("data_source") or {}))
    model = source.get("model") or ""
    row: Resource = {
        "object": "eval.run",
        "id": run_id,
        "eval_id": evaluation["id"],
        "report_url": REPORT_URL.format(eval_id=evaluation["id"], run_id=run_id),
        "status": "queued",
        "model": model,
        "name": body.get("name") or model or evaluation["name"] or run_id,
        "created_at": state.now(),
        "result_counts": {"total": 0, "errored": 0, "failed": 0, "passed": 0},
        "per_model_usage": [],
        "per_testing_criteria_results": [],
        "data_source": source,
        "error": None,
        "metadata": dict(body.get("metadata") or {}),
        "_hold": None,
    }
    return table(state, EVAL_RUNS).put(row)


def new_output_item(
    state: State,
    run: Mapping[str, Any],
    index: int,
    item: Mapping[str, Any],
    results: list[dict[str, Any]],
    sample: dict[str, Any],
) -> Resource:
    """The graded result of one data source item, stored."""
    passed = bool(results) and all(r["passed"] for r in results) and sample.get("error") is None
    row: Resource = {
        "object": "eval.run.output_item",
        "id": hex_id(state, "outputitem_", run["id"]),
        "run_id": run["id"],
        "eval_id": run["eval_id"],
        "created_at": state.now(),
        "status": "pass" if passed else "fail",
        "datasource_item_id": index,
        "datasource_item": copy.deepcopy(dict(item)),
        "results": results,
        "sample": sample,
    }
    return table(state, OUTPUT_ITEMS).put(row)
