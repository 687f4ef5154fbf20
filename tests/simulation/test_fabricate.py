"""fabricate_json output validates against its schema and is deterministic; fabricate_text is short and bounded."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakeopenai._simulation.fabricate import fabricate_json, fabricate_text
from fakeopenai._simulation.tokens import count_tokens

SEEDS = [f"seed-{n}" for n in range(25)]

_FORMATS = jsonschema.FormatChecker()


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z"))


def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(datetime.date.fromisoformat(value))


def _is_time(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value))


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", value))


def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or str(uuid.UUID(value)) == value


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme and parts.netloc) and " " not in value


def _is_hostname(value: object) -> bool:
    label = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    return not isinstance(value, str) or bool(re.fullmatch(rf"{label}(\.{label})*", value))


def _is_ipv4(value: object) -> bool:
    return not isinstance(value, str) or bool(ipaddress.IPv4Address(value))


def _is_ipv6(value: object) -> bool:
    return not isinstance(value, str) or bool(ipaddress.IPv6Address(value))


def _is_duration(value: object) -> bool:
    pattern = r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?"
    return not isinstance(value, str) or bool(re.fullmatch(pattern, value))


for _name, _check in {
    "date-time": _is_date_time,
    "date": _is_date,
    "time": _is_time,
    "email": _is_email,
    "uuid": _is_uuid,
    "uri": _is_uri,
    "hostname": _is_hostname,
    "ipv4": _is_ipv4,
    "ipv6": _is_ipv6,
    "duration": _is_duration,
}.items():
    _FORMATS.checks(_name, raises=ValueError)(_check)


def assert_valid(schema: Any, value: Any) -> None:
    """Fail with the value and the reason when value does not validate against schema."""
    validator = jsonschema.Draft202012Validator(schema, format_checker=_FORMATS)
    errors = [error.message for error in validator.iter_errors(value)]
    assert not errors, f"{json.dumps(value)} does not validate: {errors}"


WEATHER_TOOL = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "include_hourly": {"type": "boolean"},
    },
    "required": ["location", "unit"],
    "additionalProperties": False,
}

STRICT_STRUCTURED = {
    "type": "object",
    "properties": {
        "customer": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "email": {"type": "string", "format": "email"},
                "phone": {"type": ["string", "null"]},
                "address": {
                    "type": "object",
                    "properties": {
                        "street": {"type": "string"},
                        "city": {"type": "string"},
                        "zip": {"type": "string", "pattern": r"^\d{5}$"},
                        "country": {"type": "string"},
                    },
                    "required": ["street", "city", "zip", "country"],
                    "additionalProperties": False,
                },
            },
            "required": ["name", "email", "phone", "address"],
            "additionalProperties": False,
        },
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "sku": {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
                    "price": {"type": "number", "exclusiveMinimum": 0},
                    "size": {"type": "string", "enum": ["S", "M", "L", "XL"]},
                    "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
                "required": ["sku", "quantity", "price", "size", "note"],
                "additionalProperties": False,
            },
        },
        "status": {"type": "string", "enum": ["pending", "shipped", "delivered"]},
        "priority": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 5}, {"type": "null"}]},
        "created_at": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    },
    "required": ["customer", "items", "status", "priority", "created_at", "tags"],
    "additionalProperties": False,
}

TREE = {
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "value": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            },
            "required": ["name", "children"],
            "additionalProperties": False,
        }
    },
    "$ref": "#/$defs/node",
}

LINKED_LIST = {
    "definitions": {
        "cell": {
            "type": "object",
            "properties": {
                "value": {"type": "integer"},
                "next": {"anyOf": [{"$ref": "#/definitions/cell"}, {"type": "null"}]},
            },
            "required": ["value", "next"],
        }
    },
    "$ref": "#/definitions/cell",
}

SELF_RECURSIVE = {
    "type": "object",
    "properties": {
        "label": {"type": "string"},
        "parent": {"$ref": "#"},
        "siblings": {"type": "array", "items": {"$ref": "#"}},
    },
    "required": ["label", "siblings"],
}

SCHEMAS: dict[str, Any] = {
    "empty": {},
    "true": True,
    "null": {"type": "null"},
    "boolean": {"type": "boolean"},
    "type-list": {"type": ["string", "integer", "null"]},
    "string": {"type": "string"},
    "string-lengths": {"type": "string", "minLength": 40, "maxLength": 45},
    "string-short": {"type": "string", "maxLength": 3},
    "string-exact": {"type": "string", "minLength": 7, "maxLength": 7},
    "string-enum": {"type": "string", "enum": ["red", "green", "blue"]},
    "string-const": {"type": "string", "const": "fixed"},
    "const-object": {"const": {"a": [1, 2, {"b": None}]}},
    "enum-mixed": {"enum": [1, "two", None, [3], {"four": 4}]},
    "pattern-code": {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
    "pattern-alternation": {"type": "string", "pattern": r"^(cat|dog|bird)s?$"},
    "pattern-classes": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{2,15}$"},
    "pattern-phone": {"type": "string", "pattern": r"^\+?[1-9]\d{1,14}$"},
    "pattern-unanchored": {"type": "string", "pattern": "abc"},
    "pattern-negated": {"type": "string", "pattern": r"^[^aeiou\s]{4}$"},
    "pattern-escapes": {"type": "string", "pattern": r"^\w+\.\w+@\w+\.(com|org)$"},
    "pattern-hex": {"type": "string", "pattern": r"^#[0-9a-fA-F]{6}$"},
    "pattern-lookahead": {"type": "string", "pattern": r"^(?=.*[A-Z])(?=.*\d)(?=.*[!@#$]).{8,20}$"},
    "pattern-backreference": {"type": "string", "pattern": r"^(ab)\1$"},
    "pattern-with-length": {"type": "string", "pattern": r"^[a-z]+$", "minLength": 12, "maxLength": 14},
    "pattern-braces": {"type": "string", "pattern": r"^x{2,}y{,2}z{3}$"},
    "pattern-unicode": {"type": "string", "pattern": r"^[\u4e00-\u9fff]{2,4}$"},
    "pattern-noncapturing": {"type": "string", "pattern": r"^(?:\d{3}-){2}\d{4}$"},
    "pattern-and-hint": {
        "type": "object",
        "properties": {"city": {"type": "string", "pattern": r"^[A-Za-z ]+$"}},
        "required": ["city"],
    },
    **{
        f"format-{name}": {"type": "string", "format": name}
        for name in ("date-time", "date", "time", "email", "uuid", "uri", "hostname", "ipv4", "ipv6", "duration")
    },
    "integer": {"type": "integer"},
    "integer-range": {"type": "integer", "minimum": -3, "maximum": 3},
    "integer-exclusive": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2},
    "integer-multiple": {"type": "integer", "multipleOf": 7, "minimum": 10, "maximum": 50},
    "integer-big": {"type": "integer", "minimum": 1_000_000_000_000},
    "integer-negative": {"type": "integer", "maximum": -1000},
    "number": {"type": "number"},
    "number-range": {"type": "number", "minimum": 0.5, "maximum": 0.75},
    "number-exclusive": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    "number-tight-exclusive": {"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 1.001},
    "number-multiple": {"type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 10},
    "number-multiple-quarter": {"type": "number", "multipleOf": 0.25},
    "number-draft4-exclusive": {"type": "number", "minimum": 5, "exclusiveMinimum": True, "maximum": 6},
    "object-plain": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}},
    "object-required-only": {"type": "object", "required": ["x", "y"]},
    "object-map": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    "object-min-properties": {"type": "object", "properties": {"a": {}, "b": {}, "c": {}}, "minProperties": 3},
    "object-max-properties": {
        "type": "object",
        "properties": {name: {"type": "boolean"} for name in "abcdef"},
        "maxProperties": 2,
    },
    "object-pattern-properties": {
        "type": "object",
        "patternProperties": {r"^x_[a-z]+$": {"type": "integer"}},
        "additionalProperties": False,
        "minProperties": 2,
    },
    "object-property-names": {"type": "object", "propertyNames": {"pattern": "^[a-z]{3,5}$"}, "minProperties": 2},
    "object-false-property": {"type": "object", "properties": {"gone": False, "kept": {"type": "string"}}},
    "object-dependent-required": {
        "type": "object",
        "properties": {"card": {"type": "string"}, "billing_address": {"type": "string"}},
        "dependentRequired": {"card": ["billing_address"]},
    },
    "array": {"type": "array"},
    "array-items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 4},
    "array-empty-max": {"type": "array", "items": {"type": "string"}, "maxItems": 0},
    "array-long": {"type": "array", "items": {"type": "boolean"}, "minItems": 12},
    "array-prefix": {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}],
        "items": False,
    },
    "array-unique": {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 5},
        "minItems": 4,
        "uniqueItems": True,
    },
    "array-unique-enum": {
        "type": "array",
        "items": {"enum": ["a", "b", "c"]},
        "minItems": 3,
        "maxItems": 3,
        "uniqueItems": True,
    },
    "array-contains": {"type": "array", "items": {"type": "integer"}, "contains": {"const": 42}},
    "array-min-contains": {"type": "array", "contains": {"type": "string", "const": "x"}, "minContains": 2},
    "any-of": {"anyOf": [{"type": "string", "format": "email"}, {"type": "integer", "minimum": 10}]},
    "one-of-discriminated": {
        "oneOf": [
            {
                "type": "object",
                "properties": {"kind": {"const": "circle"}, "radius": {"type": "number"}},
                "required": ["kind", "radius"],
            },
            {
                "type": "object",
                "properties": {"kind": {"const": "square"}, "side": {"type": "number", "minimum": 1}},
                "required": ["kind", "side"],
            },
        ]
    },
    "one-of-types": {"oneOf": [{"type": "string"}, {"type": "boolean"}, {"type": "null"}]},
    "all-of": {
        "allOf": [
            {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
            {
                "properties": {"id": {"minimum": 100, "maximum": 200}, "label": {"type": "string", "maxLength": 5}},
                "required": ["label"],
            },
        ]
    },
    "all-of-with-any-of": {
        "allOf": [
            {"anyOf": [{"type": "integer"}, {"type": "string"}]},
            {"anyOf": [{"type": "integer", "minimum": 5}, {"type": "boolean"}]},
        ]
    },
    "all-of-patterns": {"allOf": [{"type": "string", "pattern": "^[a-z]+$"}, {"pattern": "^.{4}$"}]},
    "all-of-numbers": {"allOf": [{"type": "integer", "multipleOf": 4}, {"multipleOf": 6, "minimum": 1, "maximum": 30}]},
    "ref-defs": {
        "type": "object",
        "properties": {"home": {"$ref": "#/$defs/address"}, "work": {"$ref": "#/$defs/address"}},
        "required": ["home", "work"],
        "$defs": {
            "address": {
                "type": "object",
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
                "required": ["street", "city"],
                "additionalProperties": False,
            }
        },
    },
    "ref-escaped": {
        "$defs": {"a/b": {"type": "integer", "const": 3}},
        "type": "object",
        "properties": {"x": {"$ref": "#/$defs/a~1b"}},
        "required": ["x"],
    },
    "ref-with-siblings": {
        "$defs": {"base": {"type": "string", "minLength": 3}},
        "$ref": "#/$defs/base",
        "maxLength": 6,
    },
    "tree": TREE,
    "linked-list": LINKED_LIST,
    "self-recursive": SELF_RECURSIVE,
    "if-then": {
        "type": "object",
        "if": {"properties": {"a": {"const": 1}}, "required": ["a"]},
        "then": {"required": ["b"]},
    },
    "not": {"type": ["string", "integer"], "not": {"type": "string"}},
    "nullable-type-list": {
        "type": "object",
        "properties": {"nickname": {"type": ["string", "null"]}, "score": {"type": ["number", "null"]}},
        "required": ["nickname", "score"],
        "additionalProperties": False,
    },
    "weather-tool": WEATHER_TOOL,
    "strict-structured": STRICT_STRUCTURED,
}


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_validates(name: str) -> None:
    schema = SCHEMAS[name]
    for seed in SEEDS:
        assert_valid(schema, fabricate_json(schema, seed))


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_same_seed_same_value(name: str) -> None:
    schema = SCHEMAS[name]
    first = json.dumps(fabricate_json(schema, "stable"))
    assert json.dumps(fabricate_json(json.loads(json.dumps(schema)), "stable")) == first


@pytest.mark.parametrize(
    "name",
    [
        "string",
        "type-list",
        "string-enum",
        "pattern-code",
        "pattern-lookahead",
        "format-uuid",
        "format-date-time",
        "integer",
        "number",
        "boolean",
        "object-map",
        "any-of",
        "weather-tool",
        "strict-structured",
        "tree",
    ],
)
def test_different_seeds_differ(name: str) -> None:
    values = {json.dumps(fabricate_json(SCHEMAS[name], seed), sort_keys=True) for seed in SEEDS}
    assert len(values) > 1


def test_same_across_processes() -> None:
    script = (
        "import json, sys\n"
        "from fakeopenai._simulation.fabricate import fabricate_json, fabricate_text\n"
        "schema = json.loads(sys.stdin.read())\n"
        "print(json.dumps([fabricate_json(schema, 'p'), fabricate_text('p')]))\n"
    )
    outputs = set()
    for hash_seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(STRICT_STRUCTURED),
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_result_is_json_serialisable_and_fresh() -> None:
    schema = {"const": {"nested": [1, 2]}}
    first = fabricate_json(schema, "s")
    first["nested"].append(3)
    assert fabricate_json(schema, "s") == {"nested": [1, 2]}
    json.dumps(fabricate_json(STRICT_STRUCTURED, "s"))


def test_property_names_steer_values() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "count": {"type": "integer"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "website": {"type": "string"},
            "created_at": {"type": "string"},
        },
        "required": ["city", "email", "name", "age", "count", "unit", "website", "created_at"],
    }
    for seed in SEEDS:
        value = fabricate_json(schema, seed)
        assert value["city"][0].isupper() and not any(char.isdigit() for char in value["city"])
        assert re.fullmatch(r"[a-z]+\.[a-z]+@example\.com", value["email"])
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", value["name"])
        assert 0 < value["age"] < 120
        assert 0 < value["count"] <= 10
        assert value["unit"] in ("celsius", "fahrenheit")
        assert value["website"].startswith("https://")
        assert datetime.datetime.strptime(value["created_at"], "%Y-%m-%dT%H:%M:%S%z")


def test_camel_case_and_plural_hints() -> None:
    schema = {
        "type": "object",
        "properties": {
            "firstName": {"type": "string"},
            "cities": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        },
        "required": ["firstName", "cities"],
    }
    value = fabricate_json(schema, "x")
    assert " " not in value["firstName"] and value["firstName"][0].isupper()
    assert all(city[0].isupper() for city in value["cities"])


def test_optional_properties_included_deterministically() -> None:
    schema = {"type": "object", "properties": {f"field_{n}": {"type": "string"} for n in range(8)}}
    sizes = {len(fabricate_json(schema, seed)) for seed in SEEDS}
    assert len(sizes) > 1
    assert max(sizes) > 0


def test_nullable_fields_are_mostly_values() -> None:
    schema = {"type": ["string", "null"]}
    values = [fabricate_json(schema, seed) for seed in [f"n{n}" for n in range(200)]]
    nulls = values.count(None)
    assert 0 < nulls < 100


def test_recursion_is_bounded() -> None:
    def depth(node: dict[str, Any]) -> int:
        return 1 + max((depth(child) for child in node["children"]), default=0)

    for seed in SEEDS:
        assert depth(fabricate_json(TREE, seed)) <= 4
        cell = fabricate_json(LINKED_LIST, seed)
        length = 0
        while cell is not None:
            length += 1
            cell = cell["next"]
        assert length <= 4


def test_unresolvable_ref_and_false_do_not_raise() -> None:
    fabricate_json({"$ref": "#/$defs/missing"}, "s")
    fabricate_json({"$ref": "https://example.com/schema.json"}, "s")
    fabricate_json({"type": "object", "properties": {"x": {"$ref": "#/nope"}}, "required": ["x"]}, "s")
    fabricate_json({"$ref": "#"}, "s")
    fabricate_json(False, "s")
    fabricate_json({"type": "string", "pattern": "(unclosed"}, "s")
    fabricate_json({"type": "integer", "minimum": 10, "maximum": 1}, "s")


def test_top_level_untyped_schema_is_an_object() -> None:
    assert fabricate_json({}, "s") == {}
    assert fabricate_json(True, "s") == {}


def test_fast_enough() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 14},
            "email": {"type": "string", "format": "email"},
            "name": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "price": {"type": "number", "minimum": 0},
            "code": {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
            "active": {"type": "boolean"},
            "note": {"type": ["string", "null"]},
        },
        "required": ["city", "unit", "days", "email", "name", "tags", "price", "code", "active", "note"],
        "additionalProperties": False,
    }
    runs = 200
    start = time.perf_counter()
    for n in range(runs):
        fabricate_json(schema, f"t{n}")
    assert (time.perf_counter() - start) / runs < 0.001


def test_text_is_short_plausible_and_deterministic() -> None:
    texts = [fabricate_text(seed) for seed in SEEDS]
    assert len(set(texts)) > 10
    for seed, text in zip(SEEDS, texts, strict=True):
        assert fabricate_text(seed) == text
        assert text[0].isupper() and text[-1] in ".!?"
        sentences = re.findall(r"[.!?](?:\s|$)", text)
        assert 1 <= len(sentences) <= 3
        assert count_tokens(text) < 80


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 5, 8, 13, 100])
def test_text_respects_max_tokens(limit: int) -> None:
    for seed in SEEDS:
        text = fabricate_text(seed, max_tokens=limit)
        assert count_tokens(text) <= limit
        assert fabricate_text(seed).startswith(text)
        if limit >= count_tokens(fabricate_text(seed)):
            assert text == fabricate_text(seed)


def test_text_is_fast() -> None:
    start = time.perf_counter()
    for n in range(2000):
        fabricate_text(f"fresh-{n}", max_tokens=20)
    assert (time.perf_counter() - start) / 2000 < 0.0002


# -- random schemas -------------------------------------------------------------

_NAMES = st.sampled_from(["city", "name", "email", "age", "count", "price", "id", "title", "tags", "x", "unit", "date"])


def _scalar_schemas() -> st.SearchStrategy[dict[str, Any]]:
    integer_bounds = st.tuples(st.integers(-50, 50), st.integers(0, 60)).map(lambda pair: (pair[0], pair[0] + pair[1]))
    return st.one_of(
        st.just({"type": "string"}),
        st.integers(0, 12).flatmap(
            lambda low: st.integers(low, low + 20).map(
                lambda high: {"type": "string", "minLength": low, "maxLength": high}
            )
        ),
        st.sampled_from([r"^[a-z]{2,6}$", r"^\d{3}-\d{2}$", r"^(yes|no)$", r"^[A-F0-9]+$", r"^a*b?c+$", "^.{5}$"]).map(
            lambda pattern: {"type": "string", "pattern": pattern}
        ),
        st.sampled_from(
            ["date-time", "date", "time", "email", "uuid", "uri", "hostname", "ipv4", "ipv6", "duration"]
        ).map(lambda name: {"type": "string", "format": name}),
        integer_bounds.map(lambda bounds: {"type": "integer", "minimum": bounds[0], "maximum": bounds[1]}),
        integer_bounds.map(lambda bounds: {"type": "integer", "exclusiveMinimum": bounds[0] - 1, "maximum": bounds[1]}),
        st.tuples(st.integers(1, 9), integer_bounds).map(
            lambda pair: {"type": "integer", "multipleOf": pair[0], "minimum": pair[1][0], "maximum": pair[1][1] + 9}
        ),
        st.tuples(st.floats(-1e6, 1e6), st.floats(0.001, 1e3)).map(
            lambda pair: {"type": "number", "minimum": pair[0], "maximum": pair[0] + pair[1]}
        ),
        st.floats(-1e3, 1e3).map(lambda low: {"type": "number", "exclusiveMinimum": low}),
        st.sampled_from([0.1, 0.5, 0.25, 2.5, 3]).map(lambda step: {"type": "number", "multipleOf": step}),
        st.just({"type": "boolean"}),
        st.just({"type": "null"}),
        st.lists(st.one_of(st.integers(), st.text(max_size=5), st.booleans(), st.none()), min_size=1, max_size=4).map(
            lambda values: {"enum": values}
        ),
        st.sampled_from(["string", "integer", "number", "boolean"]).map(lambda kind: {"type": [kind, "null"]}),
    )


def _schemas() -> st.SearchStrategy[Any]:
    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        objects = st.dictionaries(_NAMES, children, max_size=4).flatmap(
            lambda properties: st.lists(st.sampled_from(sorted(properties) or ["x"]), unique=True).map(
                lambda required: {
                    "type": "object",
                    "properties": properties,
                    "required": [name for name in required if name in properties],
                    "additionalProperties": False,
                }
            )
        )
        arrays = st.tuples(children, st.integers(0, 3), st.integers(0, 3)).map(
            lambda parts: {"type": "array", "items": parts[0], "minItems": parts[1], "maxItems": parts[1] + parts[2]}
        )
        unions = st.lists(children, min_size=1, max_size=3).map(lambda options: {"anyOf": options})
        return st.one_of(objects, arrays, unions)

    return st.recursive(_scalar_schemas(), extend, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(schema=_schemas(), seed=st.text(max_size=10))
def test_random_schemas_validate(schema: Any, seed: str) -> None:
    value = fabricate_json(schema, seed)
    assert_valid(schema, value)
    assert fabricate_json(schema, seed) == value
