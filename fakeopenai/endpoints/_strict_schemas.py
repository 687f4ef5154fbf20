"""The rules of strict structured outputs, shared by chat completions and the Responses API."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

_NESTING = ("properties", "items", "anyOf", "allOf", "$defs", "definitions")


def strict_violation(schema: Any, context: tuple[str, ...] = ()) -> str | None:
    """Why a schema breaks the rules of strict structured outputs (the first reason the API gives); None if it keeps them."""
    if not isinstance(schema, dict):
        return None
    types = schema.get("type")
    if types == "object" or (isinstance(types, list) and "object" in types) or "properties" in schema:
        if schema.get("additionalProperties") is not False:
            return f"In context={context!r}, 'additionalProperties' is required to be supplied and to be false."
        required = schema.get("required") or []
        for key in _mapping(schema, "properties"):
            if key not in required:
                return (
                    f"In context={context!r}, 'required' is required to be supplied and to be an array including "
                    f"every key in properties. Missing '{key}'."
                )
    if schema.keys().isdisjoint(_NESTING):
        return None
    for sub, where in _subschemas(schema, context):
        found = strict_violation(sub, where)
        if found is not None:
            return found
    return None


def _subschemas(schema: dict[str, Any], context: tuple[str, ...]) -> Iterator[tuple[Any, tuple[str, ...]]]:
    for key, sub in _mapping(schema, "properties").items():
        yield sub, (*context, "properties", key)
    if "items" in schema:
        yield schema["items"], (*context, "items")
    for keyword in ("anyOf", "allOf"):
        branches = schema.get(keyword)
        for position, sub in enumerate(branches if isinstance(branches, list) else []):
            yield sub, (*context, keyword, str(position))
    for keyword in ("$defs", "definitions"):
        for name, sub in _mapping(schema, keyword).items():
            yield sub, (*context, keyword, name)


def _mapping(schema: dict[str, Any], keyword: str) -> dict[str, Any]:
    """The object under `keyword`; {} when it is absent or not an object."""
    value = schema.get(keyword)
    return value if isinstance(value, dict) else {}


def schema_errors(text: str, holder: Mapping[str, Any]) -> list[str]:
    """Why `text` is not JSON valid against `holder["parameters"]` (a scripted answer checked as strict); [] if it is."""
    try:
        value = json.loads(text)
    except ValueError:
        return ["are not valid JSON"]
    from jsonschema import Draft202012Validator  # imported on first use: it costs 70 ms at start-up
    from jsonschema.exceptions import best_match

    schema = holder.get("parameters") or {}
    error = best_match(Draft202012Validator(schema).iter_errors(value))
    if error is None:
        return []
    where = "".join(f"[{p!r}]" for p in error.absolute_path) or "the top level"
    return [f"break the strict schema at {where}: {error.message}"]
