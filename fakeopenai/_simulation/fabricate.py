"""Deterministic fabrication of JSON values that validate against a schema.

`fabricate_json` walks a JSON Schema (the subset OpenAI structured outputs and
tool parameters use, and a good deal more) and builds a value that validates
against it.  Property names steer the choice of values ("city" gives a city,
"email" an address, "age" a small integer).  All randomness comes from `Rng`
streams keyed by the seed and by the position in the document, so the same
(schema, seed) always gives the same value and a sibling property does not
change when another one is added.  `fabricate_text` is re-exported from
`text`.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from .hints import FORMAT_MAKERS, hint_string, inferred_type, number_hint
from .pattern import compile_pattern, length_ok, pattern_string
from .rng import Rng
from .schema_algebra import (
    CONFLICT,
    EXTRA_PATTERNS,
    bounds,
    compatible,
    inverted_bounds,
    is_multiple,
    is_null_schema,
    is_number,
    json_equal,
    matches_type,
    merge,
    number_matches,
    string_matches,
    type_set,
    within,
)
from .text import fabricate_text, fit_length
from .words import NOUNS

__all__ = ["fabricate_json", "fabricate_text"]


_TYPES = ("null", "boolean", "object", "array", "number", "integer", "string")
_OBJECT_KEYS = (
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "dependentRequired",
)
_ARRAY_KEYS = ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")
_STRING_KEYS = ("pattern", "minLength", "maxLength", "format")
_NUMBER_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")

_RECURSION_LIMIT = 3
_ATTEMPTS = 20
_RETRY_BUDGET = 400
_DEPTH_LIMIT = 48
_OPTIONAL_CHANCE = 0.7
_NULL_CHANCE = 1 / 6


def _lower_limit(flat: Mapping[str, Any], key: str, default: int = 0) -> int:
    limit = flat.get(key, default)
    return limit if isinstance(limit, int) else default


def _upper_limit(flat: Mapping[str, Any], key: str) -> int | None:
    limit = flat.get(key)
    return limit if isinstance(limit, int) and not isinstance(limit, bool) else None


def _unique_key(value: Any) -> str:
    def normal(item: Any) -> Any:
        if isinstance(item, float) and item.is_integer():
            return int(item)
        if isinstance(item, list):
            return [normal(element) for element in item]
        if isinstance(item, dict):
            return {key: normal(element) for key, element in item.items()}
        return item

    return json.dumps(normal(value), sort_keys=True, default=str)


def _clone(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return copy.deepcopy(value)
    return value


class _Fabricator:
    """One fabrication run: the root schema (for $ref) and the seed."""

    def __init__(self, root: Any, seed: str) -> None:
        self.root = root
        self.seed = seed
        self.resolved: dict[str, Any] = {}
        self.has_ref: dict[int, tuple[Any, bool]] = {}
        self.failures = 0
        self.retries = _RETRY_BUDGET

    def rng(self, path: str, purpose: str) -> Rng:
        return Rng(self.seed, path, purpose)

    def resolve(self, ref: Any) -> Any:
        if not isinstance(ref, str):
            return True
        if ref in self.resolved:
            return self.resolved[ref]
        target: Any = True
        if ref == "#" or ref == "":
            target = self.root
        elif ref.startswith("#/"):
            target = self.root
            for raw in ref[2:].split("/"):
                part = re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), raw)
                part = part.replace("~1", "/").replace("~0", "~")
                if isinstance(target, Mapping) and part in target:
                    target = target[part]
                elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                    target = target[int(part)]
                else:
                    target = True
                    break
        self.resolved[ref] = target
        return target

    def mentions_ref(self, schema: Any) -> bool:
        key = id(schema)
        if key in self.has_ref:
            return self.has_ref[key][1]
        found = False
        if isinstance(schema, Mapping):
            found = "$ref" in schema or any(self.mentions_ref(sub) for sub in schema.values())
        elif isinstance(schema, list):
            found = any(self.mentions_ref(sub) for sub in schema)
        # Keeping the schema alive keeps its id from being reused by another object.
        self.has_ref[key] = (schema, found)
        return found

    def pick_branch(self, current: Mapping[str, Any], branches: Any, rng: Rng, deep: bool) -> Any:
        if not isinstance(branches, list):
            return True
        usable = [branch for branch in branches if branch is not False]
        if not usable:
            return True
        usable = [branch for branch in usable if compatible(current, branch)] or usable
        nulls = [branch for branch in usable if is_null_schema(branch)]
        others = [branch for branch in usable if not is_null_schema(branch)]
        if deep:
            if nulls:
                return nulls[0]
            plain = [branch for branch in others if not self.mentions_ref(branch)]
            return plain[0] if plain else others[0]
        if nulls and (not others or rng.chance(_NULL_CHANCE)):
            return rng.choice(nulls)
        return rng.choice(others)

    def flatten(
        self,
        schema: Mapping[str, Any],
        path: str,
        chain: tuple[str, ...],
        recursion: int,
        salt: str,
        choices: list[tuple[str, list[Any], int]],
    ) -> tuple[dict[str, Any], tuple[str, ...], int]:
        """Resolve $ref and merge allOf, the chosen anyOf/oneOf branch and if/then into one flat schema.

        Each anyOf/oneOf choice is appended to `choices` as (keyword, branches, chosen branch).
        """
        current = dict(schema)
        for step in range(64):
            if "$ref" in current:
                ref = current.pop("$ref")
                key = ref if isinstance(ref, str) else ""
                chain = (*chain, key)
                recursion = max(recursion, chain.count(key))
                current = merge(current, self.resolve(ref))
                continue
            choice_key = "anyOf" if "anyOf" in current else "oneOf" if "oneOf" in current else ""
            if choice_key:
                rng = self.rng(path, f"{choice_key}{step}{salt}")
                branches = current.pop(choice_key)
                branch = self.pick_branch(current, branches, rng, recursion >= _RECURSION_LIMIT)
                if isinstance(branches, list):
                    chosen = next((index for index, item in enumerate(branches) if item is branch), -1)
                    choices.append((choice_key, branches, chosen))
                current = merge(current, branch)
                continue
            if "if" in current:
                condition = current.pop("if")
                consequence = current.pop("then", None)
                current.pop("else", None)
                if consequence is not None:
                    current = merge(merge(current, condition), consequence)
                continue
            if "allOf" in current:
                parts = current.pop("allOf")
                for part in parts if isinstance(parts, list) else []:
                    current = merge(current, part)
                continue
            break
        return current, chain, recursion

    def matches(self, value: Any, schema: Any, depth: int) -> bool:
        """Whether value validates against schema, for the common keywords; unknown ones count as satisfied."""
        if schema is True or schema is None:
            return True
        if not isinstance(schema, Mapping):
            return False
        if depth > 16:
            return True
        deeper = depth + 1
        if "$ref" in schema and not self.matches(value, self.resolve(schema["$ref"]), deeper):
            return False
        if "type" in schema and not any(matches_type(value, kind) for kind in type_set(schema["type"])):
            return False
        if "const" in schema and not json_equal(value, schema["const"]):
            return False
        enum = schema.get("enum")
        if isinstance(enum, list) and not any(json_equal(value, item) for item in enum):
            return False
        for key in ("allOf", "anyOf", "oneOf"):
            parts = schema.get(key)
            if isinstance(parts, list):
                hits = sum(1 for part in parts if self.matches(value, part, deeper))
                if (
                    (key == "allOf" and hits < len(parts))
                    or (key == "anyOf" and not hits)
                    or (key == "oneOf" and hits != 1)
                ):
                    return False
        if "not" in schema and self.matches(value, schema["not"], deeper):
            return False
        if isinstance(value, str):
            return string_matches(value, schema)
        if is_number(value):
            return number_matches(value, schema)
        if isinstance(value, Mapping):
            return self.object_matches(value, schema, deeper)
        if isinstance(value, list):
            return self.array_matches(value, schema, deeper)
        return True

    def object_matches(self, value: Mapping[str, Any], schema: Mapping[str, Any], depth: int) -> bool:
        required = schema.get("required")
        if isinstance(required, list) and any(name not in value for name in required):
            return False
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        patterns = schema.get("patternProperties")
        patterns = patterns if isinstance(patterns, Mapping) else {}
        additional = schema.get("additionalProperties", True)
        for name, item in value.items():
            sub = self.property_schema(name, properties, patterns, additional)
            if name not in properties and sub == {} and additional is False:
                return False
            if not self.matches(item, sub, depth):
                return False
        return True

    def array_matches(self, value: list[Any], schema: Mapping[str, Any], depth: int) -> bool:
        low, high = schema.get("minItems"), schema.get("maxItems")
        if (is_number(low) and len(value) < low) or (is_number(high) and len(value) > high):
            return False
        prefix = schema.get("prefixItems")
        items = schema.get("items", True)
        if isinstance(items, list):
            prefix, items = items, schema.get("additionalItems", True)
        prefix = prefix if isinstance(prefix, list) else []
        for index, item in enumerate(value):
            if not self.matches(item, prefix[index] if index < len(prefix) else items, depth):
                return False
        return True

    def value(self, schema: Any, path: str, hint: str, chain: tuple[str, ...], recursion: int) -> Any:
        if schema is True or schema is None:
            schema = {}
        if not isinstance(schema, Mapping) or path.count("/") > _DEPTH_LIMIT:
            return None
        # A failed attempt (conflicting branches, a value that breaks `not` or
        # matches two oneOf branches, or a failure further down) is retried with
        # other choices while the retry budget lasts; a value known to be
        # invalid is counted in self.failures so that callers can drop it.
        failures = self.failures
        result: Any = None
        for attempt in range(_ATTEMPTS):
            if attempt:
                if self.retries <= 0:
                    break
                self.retries -= 1
            self.failures = failures
            salt = f"~{attempt}" if attempt else ""
            choices: list[tuple[str, list[Any], int]] = []
            flat, inner_chain, inner_recursion = self.flatten(schema, path, chain, recursion, salt, choices)
            conflict = flat.pop(CONFLICT, False) or inverted_bounds(flat)
            forbidden = flat.pop("not", None)
            if conflict and choices and attempt < _ATTEMPTS - 1:
                continue
            result = self.flat_value(flat, path + salt, hint, inner_chain, inner_recursion)
            if conflict:
                break
            valid = self.failures == failures
            if valid and forbidden is not None and self.matches(result, forbidden, 0):
                valid = False
            if valid and any(
                self.matches(result, other, 0)
                for keyword, branches, chosen in choices
                if keyword == "oneOf"
                for position, other in enumerate(branches)
                if position != chosen
            ):
                valid = False
            if valid:
                return result
            if not choices and forbidden is None:
                break
        self.failures = failures + 1
        return result

    def flat_value(self, flat: dict[str, Any], path: str, hint: str, chain: tuple[str, ...], recursion: int) -> Any:
        if "const" in flat:
            if not self.matches(flat["const"], flat, 0):
                self.failures += 1
            return _clone(flat["const"])
        kinds = self.candidate_types(flat, hint, path)
        enum = flat.get("enum")
        if isinstance(enum, list) and enum:
            fitting = [item for item in enum if self.matches(item, flat, 0)]
            if not fitting:
                self.failures += 1
            return _clone(self.rng(path, "enum").choice(fitting or enum))
        deep = recursion >= _RECURSION_LIMIT
        kind = self.pick_type(kinds, path, deep)
        if kind == "object":
            return self.object_value(flat, path, hint, chain, recursion)
        if kind == "array":
            return self.array_value(flat, path, hint, chain, recursion)
        if kind == "string":
            return self.string_value(flat, path, hint)
        if kind == "integer":
            return self.number_value(flat, path, hint, integer=True)
        if kind == "number":
            return self.number_value(flat, path, hint, integer=False)
        if kind == "boolean":
            return self.rng(path, "boolean").chance(0.5)
        return None

    def candidate_types(self, flat: Mapping[str, Any], hint: str, path: str) -> list[str]:
        declared = [kind for kind in type_set(flat.get("type")) if kind in _TYPES]
        if declared:
            return declared
        if "type" in flat and not isinstance(flat["type"], (str, list)):
            return ["string"]
        for kind, keys in (
            ("object", _OBJECT_KEYS),
            ("array", _ARRAY_KEYS),
            ("string", _STRING_KEYS),
            ("number", _NUMBER_KEYS),
        ):
            if any(key in flat for key in keys):
                if kind == "number" and isinstance(flat.get("multipleOf"), int):
                    return ["integer"]
                return [kind]
        if "enum" in flat or "const" in flat:
            return list(_TYPES)
        inferred = inferred_type(hint)
        if inferred is not None:
            return [inferred]
        if path == "":
            return ["object"]
        return ["string"]

    def pick_type(self, kinds: list[str], path: str, deep: bool) -> str:
        if len(kinds) == 1:
            return kinds[0]
        if "integer" in kinds and "number" in kinds:
            kinds = [kind for kind in kinds if kind != "number"]
        others = [kind for kind in kinds if kind != "null"]
        if not others:
            return "null"
        if deep:
            if "null" in kinds:
                return "null"
            scalars = [kind for kind in others if kind not in ("object", "array")]
            return scalars[0] if scalars else others[0]
        rng = self.rng(path, "type")
        if "null" in kinds and rng.chance(_NULL_CHANCE):
            return "null"
        return rng.choice(others)  # type: ignore[no-any-return]

    def object_value(
        self, flat: Mapping[str, Any], path: str, hint: str, chain: tuple[str, ...], recursion: int
    ) -> dict[str, Any]:
        properties = flat.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        patterns = flat.get("patternProperties")
        patterns = patterns if isinstance(patterns, Mapping) else {}
        additional = flat.get("additionalProperties", True)
        required_raw = flat.get("required")
        required = [name for name in required_raw if isinstance(name, str)] if isinstance(required_raw, list) else []
        required_set = frozenset(required)
        dependent = flat.get("dependentRequired")
        if not isinstance(dependent, Mapping):
            legacy = flat.get("dependencies")
            dependent = (
                {key: value for key, value in legacy.items() if isinstance(value, list)}
                if isinstance(legacy, Mapping)
                else {}
            )
        min_props = _lower_limit(flat, "minProperties")
        max_props = _upper_limit(flat, "maxProperties")
        deep = recursion >= _RECURSION_LIMIT
        rng = self.rng(path, "keys")

        keys: list[str] = []
        optional: list[str] = []
        for name, sub in properties.items():
            if name in required_set:
                keys.append(name)
            elif sub is not False:
                optional.append(name)
                if not deep and rng.chance(_OPTIONAL_CHANCE):
                    keys.append(name)
        keys.extend(name for name in required if name not in keys)
        index = 0
        while index < len(keys):
            needed = dependent.get(keys[index])
            if isinstance(needed, list):
                keys.extend(name for name in needed if isinstance(name, str) and name not in keys)
            index += 1

        for name in optional:
            if len(keys) >= min_props:
                break
            if name not in keys:
                keys.append(name)
        open_map = not properties and isinstance(additional, Mapping) and additional != {}
        wanted_extra = max(0, min_props - len(keys))
        if open_map and not deep and wanted_extra == 0:
            wanted_extra = rng.between(1, 2)
        if max_props is not None:
            wanted_extra = min(wanted_extra, max(0, max_props - len(keys)))
        if wanted_extra and (additional is not False or patterns):
            keys.extend(self.extra_keys(flat, patterns, additional, keys, wanted_extra, path))

        if max_props is not None and len(keys) > max_props:
            removable = [name for name in reversed(keys) if name not in required_set]
            for name in removable[: len(keys) - max_props]:
                keys.remove(name)

        result: dict[str, Any] = {}
        spare = len(keys) - min_props
        for name in keys:
            sub = self.property_schema(name, properties, patterns, additional)
            step = name.replace("~", "~0").replace("/", "~1")
            failures = self.failures
            item = self.value(sub, f"{path}/{step}", name, chain, recursion)
            if self.failures > failures and name not in required_set and spare > 0:
                self.failures = failures
                spare -= 1
                continue
            result[name] = item
        return result

    def extra_keys(
        self,
        flat: Mapping[str, Any],
        patterns: Mapping[str, Any],
        additional: Any,
        taken: list[str],
        count: int,
        path: str,
    ) -> list[str]:
        names_schema = flat.get("propertyNames")
        key_pattern = next(iter(patterns)) if additional is False and patterns else None
        extra: list[str] = []
        for attempt in range(count * 8):
            if len(extra) >= count:
                break
            rng = self.rng(path, f"extra-key{attempt}")
            default = rng.choice(NOUNS) if attempt < 8 else f"{rng.choice(NOUNS)}_{attempt}"
            if isinstance(names_schema, Mapping):
                name = self.value(names_schema, f"{path}/~key{attempt}", "tag", (), 0)
                if not isinstance(name, str):
                    continue
            elif isinstance(key_pattern, str):
                name = pattern_string([key_pattern], default, rng, 1, None)
            else:
                name = default
            if name not in taken and name not in extra:
                extra.append(name)
        return extra

    @staticmethod
    def property_schema(name: str, properties: Mapping[str, Any], patterns: Mapping[str, Any], additional: Any) -> Any:
        parts: list[Any] = []
        if name in properties:
            parts.append(properties[name])
        for pattern, sub in patterns.items():
            compiled = compile_pattern(pattern)
            if compiled is not None and compiled.search(name):
                parts.append(sub)
        if not parts:
            return {} if additional is False else additional
        return parts[0] if len(parts) == 1 else {"allOf": parts}

    def array_value(
        self, flat: Mapping[str, Any], path: str, hint: str, chain: tuple[str, ...], recursion: int
    ) -> list[Any]:
        prefix_raw = flat.get("prefixItems")
        items = flat.get("items", True)
        if isinstance(items, list):
            prefix_raw = items
            items = flat.get("additionalItems", True)
        prefix = list(prefix_raw) if isinstance(prefix_raw, list) else []
        min_items = _lower_limit(flat, "minItems")
        max_items = _upper_limit(flat, "maxItems")
        contains = flat.get("contains")
        min_contains = _lower_limit(flat, "minContains", 1) if contains is not None else 0
        if items is False:
            max_items = len(prefix) if max_items is None else min(max_items, len(prefix))
        low = max(min_items, min_contains)
        if recursion >= _RECURSION_LIMIT:
            size = low
        else:
            size = max(low, len(prefix), self.rng(path, "size").between(1, 3))
        if max_items is not None:
            size = min(size, max(max_items, 0))
        unique = flat.get("uniqueItems") is True
        seen: set[str] = set()
        result: list[Any] = []
        for index in range(size):
            sub = prefix[index] if index < len(prefix) else items
            if contains is not None and index < min_contains:
                sub = {"allOf": [sub, contains]}
            failures = self.failures
            item: Any = None
            accepted = False
            for attempt in range(41 if unique else 1):
                if attempt:
                    if self.retries <= 0:
                        break
                    self.retries -= 1
                self.failures = failures
                item = self.value(
                    sub, f"{path}/{index}~{attempt}" if attempt else f"{path}/{index}", hint, chain, recursion
                )
                if self.failures == failures and not (unique and _unique_key(item) in seen):
                    accepted = True
                    break
            if not accepted:
                if index >= low:
                    self.failures = failures
                    break
                self.failures = failures + 1
            if unique:
                seen.add(_unique_key(item))
            result.append(item)
        return result

    def string_value(self, flat: Mapping[str, Any], path: str, hint: str) -> str:
        rng = self.rng(path, "string")
        min_length = _lower_limit(flat, "minLength")
        max_length = _upper_limit(flat, "maxLength")
        patterns = [flat["pattern"]] if isinstance(flat.get("pattern"), str) else []
        patterns.extend(item for item in flat.get(EXTRA_PATTERNS, []) if isinstance(item, str))
        maker = FORMAT_MAKERS.get(flat.get("format", "")) if isinstance(flat.get("format"), str) else None
        preferred = maker(rng) if maker is not None else hint_string(rng, hint)
        if maker is not None and not patterns:
            for _ in range(8):
                if length_ok(preferred, min_length, max_length):
                    return preferred
                preferred = maker(rng)
        if not patterns:
            return fit_length(preferred, rng, min_length, max_length)
        return pattern_string(patterns, preferred, rng, min_length, max_length)

    def number_value(self, flat: Mapping[str, Any], path: str, hint: str, *, integer: bool) -> int | float:
        rng = self.rng(path, "number")
        low, low_open, high, high_open = bounds(flat)
        raw_step: Any = flat.get("multipleOf")
        step = raw_step if is_number(raw_step) and raw_step > 0 else None
        guess = number_hint(hint)
        if guess is None:
            guess = (1.0, 100.0, 0 if integer else 1)
        want_low, want_high, decimals = guess
        span = want_high - want_low
        if low is not None:
            want_low = max(want_low, low)
        if high is not None:
            want_high = min(want_high, high)
        if want_low > want_high:
            if low is not None and high is not None:
                want_low, want_high = low, high
            elif low is not None:
                want_low, want_high = low, low + span
            elif high is not None:
                want_low, want_high = high - span, high
        if integer or step is not None:
            return _pick_multiple(
                rng, want_low, want_high, low, low_open, high, high_open, step or 1, integer or decimals == 0
            )
        if want_high > want_low:
            decimals = max(decimals, 2 - math.floor(math.log10(want_high - want_low)))
        drawn = rng.uniform(want_low, want_high)
        candidates: list[int | float] = [round(drawn) if decimals == 0 else round(drawn, decimals)]
        candidates.extend((drawn, (want_low + want_high) / 2))
        if low is not None and high is not None:
            candidates.append((low + high) / 2)
        elif low is not None:
            candidates.append(low + 1)
        elif high is not None:
            candidates.append(high - 1)
        for candidate in candidates:
            if within(candidate, low, low_open, high, high_open):
                return candidate
        return low if low is not None else high if high is not None else 0


def _pick_multiple(
    rng: Rng,
    want_low: float,
    want_high: float,
    low: float | None,
    low_open: bool,
    high: float | None,
    high_open: bool,
    step: float,
    whole: bool,
) -> int | float:
    def candidates(first: float, last: float) -> tuple[int, int]:
        return math.ceil(first / step), math.floor(last / step)

    start, stop = candidates(want_low, want_high)
    if start > stop:
        start, stop = candidates(low if low is not None else want_low, high if high is not None else want_high)
    chosen = rng.between(start, stop) if start <= stop else start
    digits = max(0, -math.floor(math.log10(step))) + 2 if step < 1 else 0
    fallback: int | float | None = None
    for offset in (0, 1, -1, 2, -2, 3, -3, 4, -4):
        multiple = chosen + offset
        value: int | float
        if isinstance(step, int) or float(step).is_integer():
            value = int(multiple * step)
        else:
            value = round(multiple * step, digits)
            if value.is_integer() and (whole or abs(value) < 2**53):
                value = int(value)
        if not within(value, low, low_open, high, high_open):
            continue
        if fallback is None:
            fallback = value
        if is_multiple(value, step) and (not whole or float(value).is_integer()):
            return value
    if within(0, low, low_open, high, high_open):
        return 0
    return fallback if fallback is not None else chosen * step


def fabricate_json(schema: Mapping[str, Any] | bool, seed: str) -> Any:
    """A value that validates against `schema`, always the same for the same (schema, seed).

    Covers the JSON Schema vocabulary used by OpenAI structured outputs and tool
    parameters.  Unsatisfiable or unsupported constructs get a best-effort value
    instead of an exception.  A top-level schema that says nothing gives `{}`.
    """
    return _Fabricator(schema, seed).value(schema, "", "", (), 0)
