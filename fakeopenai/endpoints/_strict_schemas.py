"""The rules of strict structured outputs, shared by chat completions and the Responses API."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any


def strict_violations(schema: Any, context: tuple[str, ...]) -> Iterator[str]:
    """Why a schema breaks the rules of strict structured outputs, deepest path last."""
    if not isinstance(schema, Mapping):
        return
    types = schema.get("type")
    is_object = types == "object" or (isinstance(types, list) and "object" in types) or "properties" in schema
    if is_object:
        if schema.get("additionalProperties") is not False:
            yield f"In context={context!r}, 'additionalProperties' is required to be supplied and to be false."
        properties = schema.get("properties") or {}
        required = schema.get("required") or []
        for key in properties:
            if key not in required:
                yield (
                    f"In context={context!r}, 'required' is required to be supplied and to be an array including "
                    f"every key in properties. Missing '{key}'."
                )
                break
        for key, sub in properties.items():
            yield from strict_violations(sub, (*context, "properties", key))
    if "items" in schema:
        yield from strict_violations(schema["items"], (*context, "items"))
    for keyword in ("anyOf", "allOf"):
        for position, sub in enumerate(schema.get(keyword) or []):
            yield from strict_violations(sub, (*context, keyword, str(position)))
    for keyword in ("$defs", "definitions"):
        for name, sub in (schema.get(keyword) or {}).items():
            yield from strict_violations(sub, (*context, keyword, name))


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
