"""The lines of a batch input file, checked as a batch validates them (status `validating`).

Every line is `{"custom_id", "method", "url", "body"}`: custom ids unique, the
method POST, the url the batch's endpoint, one model for the whole file, at
most 50,000 requests (and 50,000 embedding inputs). What is wrong becomes the
batch's `errors`, each with its line number, and the batch fails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._app.strict_json import loads as loads_json

MAX_REQUESTS = 50_000
MAX_EMBEDDING_INPUTS = 50_000
_REQUIRED = ("custom_id", "method", "url", "body")


@dataclass(frozen=True)
class BatchLine:
    """One request of a batch."""

    number: int
    """Its line number in the input file, from 1."""
    custom_id: str
    method: str
    url: str
    body: dict[str, Any]


def _error(code: str, message: str, param: str | None = None, line: int | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def read_batch(content: bytes, endpoint: str) -> tuple[list[BatchLine], list[dict[str, Any]]]:
    """The requests of the file and its errors (`BatchError` objects); the batch can run only without errors."""
    raw = [(number, text) for number, text in enumerate(content.decode("utf-8", "replace").splitlines(), 1)]
    raw = [(number, text) for number, text in raw if text.strip()]
    if not raw:
        return [], [_error("empty_file", "The batch input file is empty.")]
    if len(raw) > MAX_REQUESTS:
        message = f"The batch input file has {len(raw)} requests, more than the limit of {MAX_REQUESTS}."
        return [], [_error("too_many_requests", message)]
    lines: list[BatchLine] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    model: str | None = None
    for number, text in raw:
        line = _read_line(number, text, endpoint, errors)
        if line is None:
            continue
        if line.custom_id in seen:
            errors.append(
                _error(
                    "duplicate_custom_id",
                    "The custom_id for this request is a duplicate of another request. The custom_id parameter must "
                    "be unique for each request in a batch.",
                    "custom_id",
                    number,
                )
            )
            continue
        seen.add(line.custom_id)
        line_model = line.body.get("model")
        if model is None:
            model = line_model
        elif line_model != model:
            errors.append(
                _error(
                    "mismatched_model",
                    f"The model '{line_model}' of this request does not match the model '{model}' of the batch's other "
                    "requests. A batch can only use one model.",
                    "body.model",
                    number,
                )
            )
            continue
        lines.append(line)
    if endpoint == "/v1/embeddings" and _embedding_inputs(lines) > MAX_EMBEDDING_INPUTS:
        message = f"An embeddings batch can have at most {MAX_EMBEDDING_INPUTS} inputs across all its requests."
        errors.append(_error("too_many_inputs", message))
    return lines, errors


def _read_line(number: int, text: str, endpoint: str, errors: list[dict[str, Any]]) -> BatchLine | None:
    try:
        value = loads_json(text)
    except ValueError:
        value = None
    if not isinstance(value, Mapping):
        errors.append(_error("invalid_json_line", "This line is not parseable as valid JSON.", None, number))
        return None
    for key in _REQUIRED:
        if key not in value:
            errors.append(_error("missing_required_parameter", f"Missing required parameter: '{key}'.", key, number))
            return None
    if not isinstance(value["custom_id"], str) or not value["custom_id"]:
        errors.append(_error("invalid_type", "Invalid 'custom_id': expected a non-empty string.", "custom_id", number))
        return None
    if not isinstance(value["method"], str) or value["method"].upper() != "POST":
        message = f"Invalid value: {json.dumps(value['method'])}. Supported values are: 'POST'."
        errors.append(_error("invalid_value", message, "method", number))
        return None
    url = value["url"]
    if not isinstance(url, str) or not url.startswith(endpoint):
        message = "The URL provided for this request does not prefix-match the batch endpoint."
        errors.append(_error("invalid_url", message, "url", number))
        return None
    if not isinstance(value["body"], Mapping):
        errors.append(_error("invalid_type", "Invalid 'body': expected an object.", "body", number))
        return None
    return BatchLine(number, value["custom_id"], "POST", url, dict(value["body"]))


def _embedding_inputs(lines: list[BatchLine]) -> int:
    total = 0
    for line in lines:
        source = line.body.get("input")
        total += len(source) if isinstance(source, list) else 1
    return total
