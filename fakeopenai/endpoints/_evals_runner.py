"""An eval run, done for real: read the data source's items, sample a model for each, grade, count.

Items come from `file_content` rows or a stored file (`file_id`, JSON Lines of
`{"item": …, "sample": …}`). A `completions` (or `responses`) data source with
`input_messages` samples its model through the fake's own chat completions
(or Responses API), so scripts answer it as they answer the code under test:
for each item in order, first its sample, then its model graders in the order
of the testing criteria. A `jsonl` data source grades the `sample` its rows
carry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._app.state import State
from .._app.strict_json import loads as loads_json
from ._evals_graders import GraderError, Usage, grade, lookup, render_messages
from ._evals_objects import new_output_item
from ._store import Resource, table

_SAMPLING = ("temperature", "top_p", "seed", "max_completion_tokens", "response_format", "tools")


def items_of(state: State, source: Mapping[str, Any]) -> list[dict[str, Any]] | str:
    """The rows (`{"item": …, "sample"?: …}`) of a data source, or why they cannot be read."""
    origin = source.get("source") or {}
    kind = origin.get("type")
    if kind == "file_content":
        return [dict(row) for row in origin.get("content") or [] if isinstance(row, Mapping)]
    if kind == "file_id":
        row = table(state, "files").get(str(origin.get("id")))
        if row is None:
            return f"No file found with id '{origin.get('id')}'."
        rows = []
        for number, line in enumerate(bytes(row.get("_content") or b"").decode("utf-8", "replace").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(dict(loads_json(line)))
                except (ValueError, TypeError):
                    return f"Line {number} of file {origin.get('id')} is not a JSON object."
        return rows
    return []


def run_eval(state: State, run: Resource, evaluation: Mapping[str, Any]) -> None:
    """Sample and grade every item, write the output items, and complete the run with its counts."""
    source = run["data_source"]
    rows = items_of(state, source)
    if isinstance(rows, str):
        run.update(status="failed", error={"code": "invalid_data_source", "message": rows})
        return
    usage = Usage()
    criteria = list(evaluation["testing_criteria"])
    tallies = {c.get("name"): {"testing_criteria": c.get("name"), "passed": 0, "failed": 0} for c in criteria}
    counts = {"total": 0, "errored": 0, "failed": 0, "passed": 0}
    for index, row in enumerate(rows):
        item = dict(row.get("item") or {})
        record, sample = _sample(state, source, item, row.get("sample"), usage)
        results, errored = [], record["error"] is not None
        for criterion in criteria if not errored else []:
            try:
                result = grade(state, criterion, {"item": item, "sample": sample}, usage)
            except GraderError as error:
                errored = True
                result = _errored_result(criterion, str(error))
            results.append(result)
            tallies[criterion.get("name")]["passed" if result["passed"] else "failed"] += 1
        output = new_output_item(state, run, index, item, results, record)
        counts["total"] += 1
        counts["errored" if errored else "passed" if output["status"] == "pass" else "failed"] += 1
    run.update(
        status="completed",
        result_counts=counts,
        per_model_usage=usage.as_list(),
        per_testing_criteria_results=list(tallies.values()),
    )


def _errored_result(criterion: Mapping[str, Any], message: str) -> dict[str, Any]:
    kind = str(criterion.get("type"))
    return {
        "name": criterion.get("name"),
        "type": f"{kind.replace('_', '-')}-grader",
        "score": 0.0,
        "passed": False,
        "sample": {"error": {"code": "grader_error", "message": message}},
    }


def _empty_record(params: Mapping[str, Any], model: str) -> dict[str, Any]:
    return {
        "input": [],
        "output": [],
        "finish_reason": "",
        "model": model,
        "usage": {"total_tokens": 0, "completion_tokens": 0, "prompt_tokens": 0, "cached_tokens": 0},
        "error": None,
        "temperature": float(params.get("temperature", 1.0)),
        "max_completion_tokens": int(
            params.get("max_completion_tokens") or params.get("max_completions_tokens") or 2048
        ),
        "top_p": float(params.get("top_p", 1.0)),
        "seed": int(params.get("seed", 42)),
    }


def _sample(
    state: State, source: Mapping[str, Any], item: dict[str, Any], given: Any, usage: Usage
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The output item's `sample` record, and the `sample` namespace graders see."""
    params = dict(source.get("sampling_params") or {})
    model = str(source.get("model") or "")
    record = _empty_record(params, model)
    if source.get("type") == "jsonl" or not source.get("input_messages") or not model:
        sample = dict(given) if isinstance(given, Mapping) else {}
        text = sample.get("output_text")
        if isinstance(text, str):
            record["output"] = [{"role": "assistant", "content": text}]
        return record, sample
    messages = _input_messages(source["input_messages"], item)
    record["input"] = messages
    if source.get("type") == "responses":
        status, answer = _responses(state, model, messages, params)
    else:
        status, answer = _completions(state, model, messages, params)
    if status != 200:
        error = answer.get("error") if isinstance(answer, Mapping) else None
        error = error if isinstance(error, Mapping) else {}
        record["error"] = {
            "code": str(error.get("code") or error.get("type") or status),
            "message": str(error.get("message")),
        }
        return record, {}
    text, finish, tools, token_usage = answer
    usage.add(model, token_usage)
    record.update(
        output=[{"role": "assistant", "content": text}],
        finish_reason=finish,
        usage={
            "total_tokens": token_usage["total_tokens"],
            "completion_tokens": token_usage["completion_tokens"],
            "prompt_tokens": token_usage["prompt_tokens"],
            "cached_tokens": 0,
        },
    )
    return record, {"model": model, "output_text": text, "output_json": _json_object(text), "output_tools": tools}


def _input_messages(template: Mapping[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    if template.get("type") == "item_reference":
        found = lookup(str(template.get("item_reference")), {"item": item})
        return [dict(m) for m in found if isinstance(m, Mapping)] if isinstance(found, list) else []
    return render_messages(template.get("template"), {"item": item})


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = loads_json(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _completions(
    state: State, model: str, messages: list[dict[str, Any]], params: Mapping[str, Any]
) -> tuple[int, Any]:
    body: dict[str, Any] = {"model": model, "messages": messages}
    body.update({key: params[key] for key in _SAMPLING if params.get(key) is not None})
    if params.get("max_completions_tokens") is not None:
        body["max_completion_tokens"] = params["max_completions_tokens"]
    status, answer = state.dispatch("POST", "/v1/chat/completions", body)
    if status != 200:
        return status, answer
    choice = answer["choices"][0]
    message = choice.get("message") or {}
    tools = list(message.get("tool_calls") or [])
    return status, (message.get("content") or "", choice.get("finish_reason") or "stop", tools, answer["usage"])


def _responses(state: State, model: str, messages: list[dict[str, Any]], params: Mapping[str, Any]) -> tuple[int, Any]:
    body: dict[str, Any] = {"model": model, "input": messages}
    body.update({key: params[key] for key in ("temperature", "top_p") if params.get(key) is not None})
    if params.get("max_completion_tokens") is not None:
        body["max_output_tokens"] = params["max_completion_tokens"]
    status, answer = state.dispatch("POST", "/v1/responses", body)
    if status == 404 and "Invalid URL" in json.dumps(answer):
        return _completions(state, model, messages, params)
    if status != 200:
        return status, answer
    text = "".join(
        part.get("text", "")
        for output in answer.get("output") or []
        if output.get("type") == "message"
        for part in output.get("content") or []
        if part.get("type") == "output_text"
    )
    tools = [output for output in answer.get("output") or [] if output.get("type") == "function_call"]
    raw = answer.get("usage") or {}
    token_usage = {
        "prompt_tokens": int(raw.get("input_tokens") or 0),
        "completion_tokens": int(raw.get("output_tokens") or 0),
        "total_tokens": int(raw.get("total_tokens") or 0),
    }
    finish = "stop" if answer.get("status") == "completed" else "length"
    return status, (text, finish, tools, token_usage)
