"""The graders of eval testing criteria, applied to one data source item and its sample.

`{{item.x}}` and `{{sample.output_text}}` in a grader's strings are filled from
the item and the sample. `string_check` and `text_similarity` are computed;
`python` runs the grader's own `grade(sample, item)`; `label_model` and
`score_model` ask a model through the fake's own chat completions (so scripts
answer them), with a structured output the model must fill: `{"label": …}`
(one of the labels) or `{"score": …}` (a number in the range). A plain-text
answer that is a label, or a number, is accepted too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .._app.state import State
from ._evals_similarity import METRICS

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


class GraderError(Exception):
    """A grader could not produce a score (its model call failed, its answer or code was unusable)."""


def lookup(path: str, namespaces: Mapping[str, Any]) -> Any:
    """The value at a dotted path such as `item.answer` or `sample.output_json.score`; None if absent."""
    value: Any = namespaces
    for part in re.split(r"\.|\[|\]", path):
        if part == "":
            continue
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def render(template: str, namespaces: Mapping[str, Any]) -> str:
    """A template with each `{{path}}` replaced by its value (JSON for non-strings, "" when absent)."""

    def fill(match: re.Match[str]) -> str:
        value = lookup(match.group(1), namespaces)
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value)

    return _PLACEHOLDER.sub(fill, template)


def render_messages(template: Any, namespaces: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Chat messages from a template of `{role, content}` (or `{type: message, …}`) entries."""
    messages = []
    for entry in template if isinstance(template, list) else []:
        if isinstance(entry, Mapping):
            messages.append(
                {"role": entry.get("role", "user"), "content": _render_content(entry.get("content"), namespaces)}
            )
    return messages


def _render_content(content: Any, namespaces: Mapping[str, Any]) -> str:
    if isinstance(content, str):
        return render(content, namespaces)
    if isinstance(content, Mapping):
        return render(str(content.get("text", "")), namespaces)
    if isinstance(content, list):
        return "".join(_render_content(part, namespaces) for part in content)
    return ""


class Usage:
    """Tokens spent per model during an eval run (`per_model_usage`)."""

    def __init__(self) -> None:
        self.models: dict[str, dict[str, Any]] = {}

    def add(self, model: str, usage: Mapping[str, Any] | None) -> None:
        """Count one model invocation."""
        entry = self.models.setdefault(
            model,
            {
                "model_name": model,
                "invocation_count": 0,
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "total_tokens": 0,
                "cached_tokens": 0,
            },
        )
        entry["invocation_count"] += 1
        usage = usage or {}
        for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
            entry[key] += int(usage.get(key) or 0)
        entry["cached_tokens"] += int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)

    def as_list(self) -> list[dict[str, Any]]:
        """The `per_model_usage` list."""
        return list(self.models.values())


def chat(state: State, body: dict[str, Any], usage: Usage) -> dict[str, Any]:
    """A chat completion through the fake itself (scripts, cassette, simulator); GraderError if it fails."""
    status, answer = state.dispatch("POST", "/v1/chat/completions", body)
    if status != 200 or not isinstance(answer, Mapping):
        error = answer.get("error") if isinstance(answer, Mapping) else None
        message = error.get("message") if isinstance(error, Mapping) else str(answer)
        raise GraderError(f"The model call failed with HTTP {status}: {message}")
    usage.add(str(body.get("model")), answer.get("usage"))
    return dict(answer)


def grade(state: State, criterion: Mapping[str, Any], namespaces: Mapping[str, Any], usage: Usage) -> dict[str, Any]:
    """The result of one testing criterion for one item: `name`, `type`, `score`, `passed`, `sample`."""
    kind = str(criterion.get("type"))
    sample: dict[str, Any] | None = None
    if kind == "string_check":
        score = _string_check(criterion, namespaces)
        passed = score == 1.0
    elif kind == "text_similarity":
        metric = METRICS[str(criterion.get("evaluation_metric"))]
        score = metric(render(str(criterion["input"]), namespaces), render(str(criterion["reference"]), namespaces))
        passed = score >= float(criterion.get("pass_threshold") or 0.0)
    elif kind == "python":
        score = _python(criterion, namespaces)
        threshold = criterion.get("pass_threshold")
        passed = score >= (float(threshold) if threshold is not None else 0.5)
    elif kind == "label_model":
        score, sample = _label_model(state, criterion, namespaces, usage)
        passed = score == 1.0
    elif kind == "score_model":
        score, sample, passed = _score_model(state, criterion, namespaces, usage)
    else:
        raise GraderError(f"Graders of type {kind!r} are not supported.")
    return {
        "name": criterion.get("name"),
        "type": f"{kind.replace('_', '-')}-grader",
        "score": round(float(score), 6),
        "passed": bool(passed),
        "sample": sample,
    }


def _string_check(criterion: Mapping[str, Any], namespaces: Mapping[str, Any]) -> float:
    value = render(str(criterion["input"]), namespaces)
    reference = render(str(criterion["reference"]), namespaces)
    operation = criterion.get("operation")
    if operation == "eq":
        return float(value == reference)
    if operation == "ne":
        return float(value != reference)
    if operation == "like":
        return float(reference in value)
    return float(reference.lower() in value.lower())


def _python(criterion: Mapping[str, Any], namespaces: Mapping[str, Any]) -> float:
    scope: dict[str, Any] = {}
    try:
        exec(compile(str(criterion["source"]), f"<grader {criterion.get('name')}>", "exec"), scope)
        return float(scope["grade"](namespaces.get("sample") or {}, namespaces.get("item") or {}))
    except Exception as error:  # noqa: BLE001 - the grader's own code failed, as it may on the real API
        raise GraderError(f"The python grader raised {type(error).__name__}: {error}") from None


def _model_sample(body: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    choice = (answer.get("choices") or [{}])[0]
    return {
        "input": body["messages"],
        "output": [{"role": "assistant", "content": (choice.get("message") or {}).get("content") or ""}],
        "finish_reason": choice.get("finish_reason"),
        "model": answer.get("model"),
        "usage": answer.get("usage"),
        "error": None,
    }


def _structured(
    criterion: Mapping[str, Any], namespaces: Mapping[str, Any], name: str, schema: dict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": criterion.get("model"),
        "messages": render_messages(criterion.get("input"), namespaces),
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": name,
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {name: schema},
                    "required": [name],
                    "additionalProperties": False,
                },
            },
        },
    }
    for key, value in (criterion.get("sampling_params") or {}).items():
        if key in ("temperature", "top_p", "seed", "max_completions_tokens", "max_completion_tokens"):
            body["max_completion_tokens" if key.startswith("max_") else key] = value
    return body


def _answer_value(answer: Mapping[str, Any], key: str) -> Any:
    content = (((answer.get("choices") or [{}])[0]).get("message") or {}).get("content") or ""
    try:
        parsed = json.loads(content)
    except ValueError:
        return content.strip()
    return parsed.get(key) if isinstance(parsed, Mapping) else parsed


def _label_model(
    state: State, criterion: Mapping[str, Any], namespaces: Mapping[str, Any], usage: Usage
) -> tuple[float, dict[str, Any]]:
    labels = [str(label) for label in criterion.get("labels") or []]
    body = _structured(criterion, namespaces, "label", {"type": "string", "enum": labels})
    answer = chat(state, body, usage)
    label = _answer_value(answer, "label")
    if label not in labels:
        raise GraderError(f"The label model answered {label!r}, which is none of the labels {labels}.")
    return float(label in (criterion.get("passing_labels") or [])), _model_sample(body, answer)


def _score_model(
    state: State, criterion: Mapping[str, Any], namespaces: Mapping[str, Any], usage: Usage
) -> tuple[float, dict[str, Any], bool]:
    bounds = criterion.get("range")
    low, high = (float(bounds[0]), float(bounds[1])) if isinstance(bounds, list) and len(bounds) == 2 else (0.0, 1.0)
    body = _structured(criterion, namespaces, "score", {"type": "number", "minimum": low, "maximum": high})
    answer = chat(state, body, usage)
    value = _answer_value(answer, "score")
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise GraderError(f"The score model answered {value!r}, which is not a number.") from None
    threshold = criterion.get("pass_threshold")
    passed = score >= (float(threshold) if threshold is not None else low + (high - low) / 2)
    return score, _model_sample(body, answer), passed
