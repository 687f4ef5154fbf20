"""JSON Schema algebra for the fabricator: merging subschemas into one, and checking values against one schema."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from .pattern import compile_pattern

__all__ = [
    "CONFLICT",
    "EXTRA_PATTERNS",
    "bounds",
    "compatible",
    "inverted_bounds",
    "is_multiple",
    "is_null_schema",
    "is_number",
    "json_equal",
    "matches_type",
    "merge",
    "number_matches",
    "string_matches",
    "type_set",
    "within",
]


_LOWER_BOUNDS = frozenset({"minimum", "minLength", "minItems", "minProperties", "minContains"})
_UPPER_BOUNDS = frozenset({"maximum", "maxLength", "maxItems", "maxProperties", "maxContains"})
_SUBSCHEMA_KEYS = frozenset(
    {
        "items",
        "additionalProperties",
        "additionalItems",
        "contains",
        "propertyNames",
        "unevaluatedProperties",
        "unevaluatedItems",
    }
)
_DEFERRED_KEYS = frozenset({"$ref", "anyOf", "oneOf", "not", "if"})
_PAIRED_BOUNDS = frozenset(
    {
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
    }
)
EXTRA_PATTERNS = "\x00patterns"
"""Key under which `merge` keeps the patterns beyond the first (a string must match them all)."""
CONFLICT = "\x00conflict"
"""Key that `merge` sets when the merged schemas cannot both hold."""


def is_number(value: Any) -> TypeGuard[int | float]:
    """Whether value is a JSON number (an int or float, not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def type_set(value: Any) -> list[str]:
    """The type names of a `type` keyword, a string or a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _common_types(mine: list[str], theirs: list[str]) -> list[str]:
    common = [kind for kind in mine if kind in theirs]
    if "integer" not in common and (
        ("integer" in mine and "number" in theirs) or ("number" in mine and "integer" in theirs)
    ):
        common.append("integer")
    return common


def compatible(base: Mapping[str, Any], branch: Any) -> bool:
    """Whether the types of base and branch overlap (or either leaves the type open)."""
    if not isinstance(branch, Mapping):
        return True
    mine, theirs = type_set(base.get("type")), type_set(branch.get("type"))
    return not mine or not theirs or bool(_common_types(mine, theirs))


def _close_properties(merged: dict[str, Any], closed: Mapping[str, Any]) -> None:
    """Forbid in merged the properties that `closed` (additionalProperties: false) does not allow."""
    allowed = closed.get("properties")
    allowed = allowed if isinstance(allowed, Mapping) else {}
    patterns = closed.get("patternProperties")
    patterns = (
        [regex for regex in map(compile_pattern, patterns) if regex is not None]
        if isinstance(patterns, Mapping)
        else []
    )
    properties = merged.get("properties")
    if not isinstance(properties, Mapping):
        return
    narrowed = {
        name: sub if name in allowed or any(regex.search(name) for regex in patterns) else False
        for name, sub in properties.items()
    }
    merged["properties"] = narrowed
    required = merged.get("required")
    if isinstance(required, list) and any(narrowed.get(name, True) is False for name in required):
        merged[CONFLICT] = True


def merge(base: dict[str, Any], extra: Any) -> dict[str, Any]:
    """Combine two schemas into one whose instances satisfy both (as far as practical)."""
    if not isinstance(extra, Mapping):
        return base
    merged = _merge_keys(base, extra)
    if extra.get("additionalProperties") is False and "properties" in base:
        _close_properties(merged, extra)
    if base.get("additionalProperties") is False and "properties" in extra:
        _close_properties(merged, base)
    return merged


def _merge_keys(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if key not in merged:
            merged[key] = value
            continue
        mine = merged[key]
        if mine is value or mine == value:
            continue
        if key in ("properties", "patternProperties", "dependentRequired"):
            if isinstance(mine, Mapping) and isinstance(value, Mapping):
                combined = dict(mine)
                for name, sub in value.items():
                    if name not in combined:
                        combined[name] = sub
                    elif key == "dependentRequired":
                        combined[name] = list(dict.fromkeys([*combined[name], *sub]))
                    else:
                        combined[name] = {"allOf": [combined[name], sub]}
                merged[key] = combined
        elif key == "required":
            merged[key] = list(dict.fromkeys([*mine, *value]))
        elif key == "type":
            common_types = _common_types(type_set(mine), type_set(value))
            if common_types:
                merged[key] = common_types[0] if len(common_types) == 1 else common_types
            else:
                merged[CONFLICT] = True
        elif key == "enum":
            if isinstance(mine, list) and isinstance(value, list):
                common = [item for item in mine if item in value]
                if common:
                    merged[key] = common
                else:
                    merged[CONFLICT] = True
        elif key == "const":
            merged[CONFLICT] = True
        elif key == "not":
            merged[key] = {"anyOf": [mine, value]}
        elif key in _LOWER_BOUNDS and is_number(mine) and is_number(value):
            merged[key] = max(mine, value)
        elif key in _UPPER_BOUNDS and is_number(mine) and is_number(value):
            merged[key] = min(mine, value)
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(mine, bool) or isinstance(value, bool):
                merged[key] = bool(mine) or bool(value)
            elif is_number(mine) and is_number(value):
                merged[key] = max(mine, value) if key == "exclusiveMinimum" else min(mine, value)
        elif key == "multipleOf" and is_number(mine) and is_number(value):
            if isinstance(mine, int) and isinstance(value, int):
                merged[key] = mine * value // math.gcd(mine, value)
            else:
                merged[key] = max(mine, value)
        elif key == "uniqueItems":
            merged[key] = bool(mine) or bool(value)
        elif key in _SUBSCHEMA_KEYS:
            merged[key] = False if mine is False or value is False else {"allOf": [mine, value]}
        elif key == "allOf":
            merged[key] = [*mine, *value]
        elif key in _DEFERRED_KEYS:
            group = {key: value}
            if key == "if":
                group.update({name: extra[name] for name in ("then", "else") if name in extra})
            merged["allOf"] = [*merged.get("allOf", []), group]
        elif key == "pattern":
            merged[EXTRA_PATTERNS] = [*merged.get(EXTRA_PATTERNS, []), value]
    return merged


def is_null_schema(schema: Any) -> bool:
    """Whether the schema allows only null."""
    if not isinstance(schema, Mapping):
        return False
    if type_set(schema.get("type")) == ["null"]:
        return True
    if "const" in schema:
        return schema["const"] is None
    enum = schema.get("enum")
    return isinstance(enum, list) and enum == [None]


def matches_type(value: Any, kind: str) -> bool:
    """Whether value is of the JSON type `kind`."""
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return is_number(value) and float(value).is_integer()
    if kind == "number":
        return is_number(value)
    return False


def inverted_bounds(flat: Mapping[str, Any]) -> bool:
    """Whether the schema's lower and upper limits leave no room for a value."""
    if len(flat.keys() & _PAIRED_BOUNDS) < 2:
        return False
    for low_key, high_key in (("minLength", "maxLength"), ("minItems", "maxItems"), ("minProperties", "maxProperties")):
        low, high = flat.get(low_key), flat.get(high_key)
        if is_number(low) and is_number(high) and low > high:
            return True
    low, low_open, high, high_open = bounds(flat)
    if low is None or high is None:
        return False
    if low > high or ((low_open or high_open) and low == high):
        return True
    if type_set(flat.get("type")) == ["integer"]:
        return math.floor(high) - (1 if high_open and float(high).is_integer() else 0) < math.ceil(low) + (
            1 if low_open and float(low).is_integer() else 0
        )
    return False


def json_equal(first: Any, second: Any) -> bool:
    """JSON equality: 1 == 1.0 but True != 1."""
    if isinstance(first, bool) or isinstance(second, bool):
        return first is second
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(map(json_equal, first, second))
    if isinstance(first, Mapping) and isinstance(second, Mapping):
        return first.keys() == second.keys() and all(json_equal(first[key], second[key]) for key in first)
    return bool(first == second)


def _is_ip(value: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(value).version == version
    except ValueError:
        return False


def _regex_check(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


_FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "date-time": _regex_check(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)"),
    "date": _regex_check(r"\d{4}-\d\d-\d\d"),
    "time": _regex_check(r"\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)"),
    "email": _regex_check(r"[^@\s]+@[^@\s]+"),
    "uuid": _regex_check(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    "uri": _regex_check(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*"),
    "hostname": _regex_check(
        r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    ),
    "ipv4": lambda value: _is_ip(value, 4),
    "ipv6": lambda value: _is_ip(value, 6),
    "duration": _regex_check(r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?"),
}


def number_matches(value: float, schema: Mapping[str, Any]) -> bool:
    """Whether a number meets the schema's bounds and multipleOf."""
    low, low_open, high, high_open = bounds(schema)
    step = schema.get("multipleOf")
    if is_number(step) and step > 0 and not is_multiple(value, step):
        return False
    return within(value, low, low_open, high, high_open)


def string_matches(value: str, schema: Mapping[str, Any]) -> bool:
    """Whether a string meets the schema's length limits, pattern and format."""
    low, high, pattern = schema.get("minLength"), schema.get("maxLength"), schema.get("pattern")
    if is_number(low) and len(value) < low:
        return False
    if is_number(high) and len(value) > high:
        return False
    compiled = compile_pattern(pattern) if isinstance(pattern, str) else None
    if compiled is not None and compiled.search(value) is None:
        return False
    check = _FORMAT_CHECKS.get(schema.get("format", "")) if isinstance(schema.get("format"), str) else None
    return check is None or check(value)


def bounds(flat: Mapping[str, Any]) -> tuple[float | None, bool, float | None, bool]:
    """The schema's (low, low is exclusive, high, high is exclusive) number bounds; None where unbounded."""
    low, low_open = _bound(flat, "minimum", "exclusiveMinimum", lower=True)
    high, high_open = _bound(flat, "maximum", "exclusiveMaximum", lower=False)
    return low, low_open, high, high_open


def _bound(flat: Mapping[str, Any], inclusive: str, exclusive: str, *, lower: bool) -> tuple[float | None, bool]:
    limit = flat.get(inclusive)
    limit = limit if is_number(limit) else None
    open_limit = flat.get(exclusive)
    if open_limit is True:
        return limit, limit is not None
    if is_number(open_limit) and (limit is None or (open_limit >= limit if lower else open_limit <= limit)):
        return open_limit, True
    return limit, False


def within(value: float, low: float | None, low_open: bool, high: float | None, high_open: bool) -> bool:
    """Whether value is inside the bounds."""
    if low is not None and (value < low or (low_open and value == low)):
        return False
    return not (high is not None and (value > high or (high_open and value == high)))


def is_multiple(value: float, step: float) -> bool:
    """Whether value is a whole multiple of step."""
    if isinstance(step, float):
        try:
            quotient = value / step
            return int(quotient) == quotient
        except (OverflowError, ValueError):
            return False
    return not value % step
