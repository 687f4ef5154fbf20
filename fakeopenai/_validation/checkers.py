"""Request schemas compiled into checkers.

A checker answers two questions: ``ok`` (is this value valid? the fast path
every request takes) and ``explain`` (what exactly is wrong, worded as the
OpenAI API words it; run only once ``ok`` has said no).

Unions are resolved as the API resolves them: by the JSON type of the value,
then by a discriminating property (``type``, ``role``, ...), so that the error
inside the chosen branch is reported rather than a vague "matches none".

Besides standard JSON Schema the checkers read three keywords the generator
writes: ``x-order`` (the order in which the API reports problems in top-level
parameters), ``x-missing`` (the API's own text for a missing top-level
parameter) and ``format: binary`` (a file part of a multipart form).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .kinds import KIND_BY_TYPE, kind_of
from .wording import (
    Path,
    Problem,
    invalid,
    length_problem,
    listing,
    missing_problem,
    number_text,
    one_of,
    param_path,
    problem,
    quote,
    type_problem,
    value_problem,
)

__all__ = ["ANY", "Array", "Node", "Number", "Object", "Union", "compile_schema"]

JsonSchema = Mapping[str, Any]


class Node:
    """A compiled schema that accepts anything; subclasses narrow it."""

    _kinds: frozenset[str] = frozenset(KIND_BY_TYPE.values())

    @property
    def kinds(self) -> frozenset[str]:
        """The JSON kinds of value this schema can accept."""
        return self._kinds

    def ok(self, value: object) -> bool:
        """Whether value is valid: the fast path every request takes."""
        return True

    def explain(self, value: object, path: Path, out: list[Problem]) -> None:
        """Append to out what is wrong with value (at path), best first; call only once `ok` has said no."""
        return None

    def describe(self, in_union: bool = False) -> str:
        """What the schema expects, as in "expected {describe()}, but got ..."."""
        return "a value"

    def resolved(self) -> Node:
        """The checker itself, or for a reference the checker it refers to."""
        return self


ANY = Node()


class _Scalar(Node):
    """null, a boolean or a file: a kind check and nothing more."""

    def __init__(self, kind: str, words: str) -> None:
        self._kinds = frozenset({kind})
        self.kind = kind
        self.words = words
        self.python_type = next(t for t, k in KIND_BY_TYPE.items() if k == kind)

    def ok(self, value: object) -> bool:
        return type(value) is self.python_type or (self.kind == "file" and isinstance(value, self.python_type))

    def explain(self, value: object, path: Path, out: list[Problem]) -> None:
        if kind_of(value) != self.kind:
            out.append(type_problem(self.words, value, path))

    def describe(self, in_union: bool = False) -> str:
        return self.words


class _String(Node):
    _kinds = frozenset({"string"})

    def __init__(self, schema: JsonSchema) -> None:
        self.min_length: int | None = schema.get("minLength")
        self.max_length: int | None = schema.get("maxLength")
        self.pattern_text: str | None = schema.get("pattern")
        self.pattern = re.compile(self.pattern_text) if self.pattern_text is not None else None
        self.plain = self.min_length is None and self.max_length is None and self.pattern is None

    def ok(self, value: object) -> bool:
        if type(value) is not str:
            return False
        if self.plain:
            return True
        out: list[Problem] = []
        self._limits(value, (), out)
        return not out

    def explain(self, value: object, path: Path, out: list[Problem]) -> None:
        if type(value) is not str:
            out.append(type_problem("a string", value, path))
        else:
            self._limits(value, path, out)

    def _limits(self, value: str, path: Path, out: list[Problem]) -> None:
        length = len(value)
        if self.min_length is not None and length < self.min_length:
            out.append(length_problem(path, "string", self.min_length, length, above=False))
        if self.max_length is not None and length > self.max_length:
            out.append(length_problem(path, "string", self.max_length, length, above=True))
        if self.pattern is not None and not self.pattern.search(value):
            expectation = f"Expected a string that matches the pattern '{self.pattern_text}'."
            out.append(invalid(path, "string does not match pattern", expectation, "invalid_value"))

    def describe(self, in_union: bool = False) -> str:
        return "a string"


@dataclass(frozen=True)
class _Bound:
    limit: float
    above: bool
    exclusive: bool

    def broken_by(self, value: float) -> bool:
        if self.above:
            return value > self.limit or (self.exclusive and value == self.limit)
        return value < self.limit or (self.exclusive and value == self.limit)


_BOUNDS = (
    ("minimum", False, False),
    ("exclusiveMinimum", False, True),
    ("maximum", True, False),
    ("exclusiveMaximum", True, True),
)


class Number(Node):
    """`integer` and `number`, with their bounds."""

    _kinds = frozenset({"integer", "number"})

    def __init__(self, schema: JsonSchema, *, integer: bool) -> None:
        self.integer = integer
        self.bounds = [_Bound(schema[key], above, exclusive) for key, above, exclusive in _BOUNDS if key in schema]

    def ok(self, value: object) -> bool:
        if isinstance(value, float):
            if self.integer and not value.is_integer():
                return False
        elif type(value) is not int:
            return False
        return not self.bounds or self._broken(value) is None

    def _broken(self, value: float) -> _Bound | None:
        return next((bound for bound in self.bounds if bound.broken_by(value)), None)

    def explain(self, value: object, path: Path, out: list[Problem]) -> None:
        is_number = isinstance(value, float) or type(value) is int
        if not is_number or (self.integer and isinstance(value, float) and not value.is_integer()):
            out.append(type_problem(self.describe(), value, path))
            return
        assert isinstance(value, (int, float))
        bound = self._broken(value)
        if bound is None:
            return
        noun = "integer" if self.integer else "decimal"
        side = "above maximum" if bound.above else "below minimum"
        operator = ("<" if bound.above else ">") + ("" if bound.exclusive else "=")
        expectation = f"Expected a value {operator} {number_text(bound.limit)}, but got {json.dumps(value)} instead."
        code = f"{noun}_{'above_max' if bound.above else 'below_min'}_value"
        out.append(invalid(path, f"{noun} {side} value", expectation, code))

    def describe(self, in_union: bool = False) -> str:
        return "an integer" if self.integer else "a decimal"


_KIND_WORDS = {"string": "a string", "integer": "an integer", "number": "a decimal", "boolean": "a boolean"}


class _Enum(Node):
    """`const` and `enum`."""

    def __init__(self, values: Sequence[object]) -> None:
        self.values = tuple(values)
        self.allowed = {(kind_of(v), v) for v in self.values if not isinstance(v, (dict, list))}
        self.strings = (
            frozenset(v for v in self.values if type(v) is str) if all(type(v) is str for v in values) else None
        )
        kinds = {kind_of(v) for v in self.values}
        self._kinds = frozenset(kinds | ({"number"} if "integer" in kinds else set()))

    def ok(self, value: object) -> bool:
        if self.strings is not None:
            return type(value) is str and value in self.strings
        try:
            return (kind_of(value), value) in self.allowed
        except TypeError:
            return False

    def explain(self, value: object, path: Path, out: list[Problem]) -> None:
        if kind_of(value) in self.kinds:
            out.append(value_problem(value, self.values, path))
        else:
            out.append(type_problem(self.describe(), value, path))

    def describe(self, in_union: bool = False) -> str:
        if in_union:
            return _KIND_WORDS.get(next(iter(self.kinds)), "a value") if len(self.kinds) == 1 else "a value"
        return quote(self.values[0]) if len(self.values) == 1 else one_of(self.values)


_PLURALS = {
    "an object": "objects",
    "a string": "strings",
    "an integer": "integers",
    "a decimal": "decimals",
    "a boolean": "booleans",
    "a file": "files",
}


class Array(Node):
    """`array`: its item checker and length limits."""

    _kinds = frozenset({"array"})

    def __init__(self, schema: JsonSchema, items: Node) -> None:
        self.items = items
        self.min_items: int | None = schema.get("minItems")
        self.max_items: int | None = schema.get("maxItems")

    def ok(self, value: object) -> bool:
        if type(value) is not list:
            return False
        if self.min_items is not None and len(value) < self.min_items:
            return False
        if self.max_items is not None and len(value) > self.max_items:
            return False
        if self.items is not ANY:
            check = self.items.ok
            for item in value:
                if not check(item):
                    return False
        return True

    def explain(self, value: object, path: Path, out: list[Problem]) -> None:
        if type(value) is not list:
            out.append(type_problem(self.describe(), value, path))
            return
        if self.min_items is not None and len(value) < self.min_items:
            out.append(length_problem(path, "array", self.min_items, len(value), above=False))
        if self.max_items is not None and len(value) > self.max_items:
            out.append(length_problem(path, "array", self.max_items, len(value), above=True))
        for index, item in enumerate(value):
            if not self.items.ok(item):
                self.items.explain(item, (*path, index), out)

    def describe(self, in_union: bool = False) -> str:
        plural = _PLURALS.get(self.items.describe(in_union=True))
        words = f"array of {plural}" if plural else "array"
        return words if in_union and plural else f"an {words}"


class Object(Node):
    """`object`: its property checkers, required and unknown keys, and size limits."""

    _kinds = frozenset({"object"})

    def __init__(self, schema: JsonSchema, properties: dict[str, Node], additional: Node | None) -> None:
        self.properties = properties
        self.required: tuple[str, ...] = tuple(schema.get("required", ()))
        self.required_set = frozenset(self.required)
        self.closed = schema.get("additionalProperties") is False
        self.additional = additional
        self.max_properties: int | None = schema.get("maxProperties")
        self.max_name_length: int | None = schema.get("propertyNames", {}).get("maxLength")
        self.limited = self.max_properties is not None or self.max_name_length is not None
        self.order = {name: index for index, name in enumerate(schema.get("x-order", ()))}
        self.missing_messages: dict[str, str] = dict(schema.get("x-missing", {}))

    def ok(self, value: object) -> bool:
        if type(value) is not dict:
            return False
        properties = self.properties
        for key, item in value.items():
            node = properties.get(key)
            if node is None:
                if self.closed or (self.additional is not None and not self.additional.ok(item)):
                    return False
            elif not node.ok(item):
                return False
        if self.required_set and not value.keys() >= self.required_set:
            return False
        return not self.limited or not self._limits(value, ())

    def explain(self, value: object, path: Path, out: list[Problem]) -> None:
        if type(value) is not dict:
            out.append(type_problem("an object", value, path))
            return
        for key in sorted((k for k in self.required if k not in value), key=self._rank):
            if key in self.missing_messages:
                out.append(problem(self.missing_messages[key], (*path, key), None, param=None))
            else:
                out.append(missing_problem((*path, key)))
        if self.closed:
            unknown = (key for key in value if key not in self.properties)
            out.extend(
                problem(f"Unknown parameter: '{param_path((*path, k))}'.", (*path, k), "unknown_parameter")
                for k in unknown
            )
        out.extend(self._limits(value, path))
        for key in sorted(value, key=self._rank):
            node = self.properties.get(key) or self.additional
            if node is not None and not node.ok(value[key]):
                node.explain(value[key], (*path, key), out)

    def _limits(self, value: Mapping[str, object], path: Path) -> list[Problem]:
        found: list[Problem] = []
        if self.max_properties is not None and len(value) > self.max_properties:
            expectation = (
                f"Expected an object with at most {self.max_properties} properties, "
                f"but got an object with {len(value)} properties instead."
            )
            found.append(invalid(path, "too many properties", expectation, "object_above_max_properties"))
        limit = self.max_name_length
        for key in value:
            if limit is not None and len(key) > limit:
                shown = key if len(key) <= 9 else f"{key[:3]}...{key[-3:]}"
                expectation = (
                    f"Expected a property name with maximum length {limit}, "
                    f"but got a property name with length {len(key)} instead."
                )
                shortened = invalid(
                    (*path, shown), "property name too long", expectation, "property_name_above_max_length"
                )
                found.append(problem(shortened.message, (*path, key), shortened.code))
        return found

    def _rank(self, key: str) -> int:
        return self.order.get(key, len(self.order))

    def describe(self, in_union: bool = False) -> str:
        return "an object"


class _Ref(Node):
    """A `$ref` to a definition, resolved on first use so that definitions may recurse."""

    def __init__(self, compiler: _Compiler, name: str) -> None:
        self.compiler = compiler
        self.name = name
        self.target: Node | None = None

    def resolved(self) -> Node:
        if self.target is None:
            self.target = self.compiler.definition(self.name).resolved()
        return self.target

    @property
    def kinds(self) -> frozenset[str]:
        return self.resolved().kinds

    def ok(self, value: object) -> bool:
        return self.resolved().ok(value)

    def explain(self, value: object, path: Path, out: list[Problem]) -> None:
        self.resolved().explain(value, path, out)

    def describe(self, in_union: bool = False) -> str:
        return self.resolved().describe(in_union)


@dataclass(frozen=True)
class _Discriminator:
    """A property whose string value picks the branch of a union of objects."""

    key: str
    tags: tuple[str, ...]
    by_tag: Mapping[object, tuple[Node, ...]]
    untagged: tuple[Node, ...]
    """The branches that also fit a value without the key (or with it null)."""

    def candidates(self, value: Mapping[str, object]) -> tuple[Node, ...]:
        tag = value.get(self.key)
        if tag is None:
            return self.untagged
        return self.by_tag.get(tag, ()) if isinstance(tag, str) else ()

    def problem(self, value: Mapping[str, object], path: Path) -> Problem:
        where = (*path, self.key)
        if self.key not in value:
            return missing_problem(where)
        tag = value[self.key]
        return (
            value_problem(tag, self.tags, where)
            if isinstance(tag, str)
            else type_problem(one_of(self.tags), tag, where)
        )


class Union(Node):
    """`anyOf`, `oneOf` and `type` lists: dispatched on the JSON kind, then on a discriminator."""

    def __init__(self, branches: Sequence[Node]) -> None:
        self.branches = tuple(branches)
        self._by_kind: dict[str, tuple[Node, ...]] | None = None
        self._discriminator: _Discriminator | None = None

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.by_kind())

    def by_kind(self) -> dict[str, tuple[Node, ...]]:
        """The branches that accept each JSON kind."""
        if self._by_kind is None:
            table: dict[str, list[Node]] = {}
            for branch in self.flat():
                for kind in branch.kinds:
                    table.setdefault(kind, []).append(branch)
            self._discriminator = _find_discriminator(table.get("object", []))
            self._by_kind = {kind: tuple(nodes) for kind, nodes in table.items()}
        return self._by_kind

    def flat(self) -> list[Node]:
        """The branches, resolved, with nested unions spread out in place."""
        branches: list[Node] = []
        for branch in self.branches:
            resolved = branch.resolved()
            branches.extend(resolved.flat() if isinstance(resolved, Union) else [resolved])
        return branches

    def candidates(self, value: object) -> tuple[Node, ...]:
        """The branches that could accept value, by its kind and then its discriminator."""
        found = self.by_kind().get(kind_of(value), ())
        if len(found) > 1 and self._discriminator is not None and isinstance(value, dict):
            return self._discriminator.candidates(value)
        return found

    def ok(self, value: object) -> bool:
        table = self._by_kind if self._by_kind is not None else self.by_kind()
        kind = KIND_BY_TYPE.get(type(value)) or kind_of(value)
        found = table.get(kind, ())
        if len(found) == 1:
            return found[0].ok(value)
        if self._discriminator is not None and isinstance(value, dict):
            found = self._discriminator.candidates(value)
        for branch in found:
            if branch.ok(value):
                return True
        return False

    def explain(self, value: object, path: Path, out: list[Problem]) -> None:
        if not self.by_kind().get(kind_of(value)):
            out.append(type_problem(self.describe(), value, path))
            return
        found = self.candidates(value)
        if not found:
            assert self._discriminator is not None and isinstance(value, dict)
            out.append(self._discriminator.problem(value, path))
            return
        best: list[Problem] | None = None
        for branch in found:
            if branch.ok(value):
                return
            problems: list[Problem] = []
            branch.explain(value, path, problems)
            if best is None or _fits_better(problems, best):
                best = problems
        out.extend(best or ())

    def describe(self, in_union: bool = False) -> str:
        branches = [b for b in self.flat() if not isinstance(b, _Scalar) or b.kind != "null"] or self.flat()
        if len(branches) == 1:
            return branches[0].describe(in_union)
        words: list[str] = []
        for branch in branches:
            word = branch.describe(in_union=True)
            if word not in words:
                words.append(word)
        return words[0] if len(words) == 1 else "one of " + listing(words, "or")


def _depth(found: Problem) -> int:
    return found.json_path.count(".") + found.json_path.count("[")


def _fits_better(problems: list[Problem], best: list[Problem]) -> bool:
    """Whether a branch fits the value better than the best so far: a deeper first problem, then fewer problems."""
    if not problems or not best:
        return not problems
    if _depth(problems[0]) != _depth(best[0]):
        return _depth(problems[0]) > _depth(best[0])
    return len(problems) < len(best)


_PREFERRED_KEYS = ("type", "role", "object")


def _tags(node: Node) -> tuple[list[str], bool] | None:
    """The string values a property allows and whether it may be null; None if it cannot discriminate."""
    node = node.resolved()
    tags: list[str] = []
    nullable = False
    for option in node.flat() if isinstance(node, Union) else [node]:
        if isinstance(option, _Scalar) and option.kind == "null":
            nullable = True
        elif isinstance(option, _Enum) and all(isinstance(v, str) for v in option.values):
            tags.extend(str(v) for v in option.values)
        else:
            return None
    return tags, nullable


def _find_discriminator(branches: Sequence[Node]) -> _Discriminator | None:
    objects = [b for b in branches if isinstance(b, Object)]
    if len(objects) < 2 or len(objects) != len(branches):
        return None
    shared = set.intersection(*(set(o.properties) for o in objects))
    for key in [k for k in _PREFERRED_KEYS if k in shared] + sorted(shared - set(_PREFERRED_KEYS)):
        found = [_tags(o.properties[key]) for o in objects]
        tags: list[str] = []
        by_tag: dict[object, list[Node]] = {}
        untagged: list[Node] = []
        for branch, allowed in zip(objects, found, strict=True):
            if allowed is None:
                break
            values, nullable = allowed
            tags.extend(tag for tag in values if tag not in tags)
            for tag in values:
                by_tag.setdefault(tag, []).append(branch)
            if nullable or key not in branch.required_set:
                untagged.append(branch)
        else:
            if len(tags) > 1:
                return _Discriminator(key, tuple(tags), {t: tuple(n) for t, n in by_tag.items()}, tuple(untagged))
    return None


class _Compiler:
    """Turns one operation's schema document into checkers, each definition compiled once."""

    def __init__(self, document: JsonSchema) -> None:
        self.document = document
        self.definitions: dict[str, Node] = {}

    def definition(self, name: str) -> Node:
        node = self.definitions.get(name)
        if node is None:
            node = self.definitions[name] = self.compile(self.document["$defs"][name])
        return node

    def compile(self, schema: JsonSchema | bool) -> Node:
        if schema is True or schema == {}:
            return ANY
        if not isinstance(schema, Mapping):
            raise ValueError(f"Unsupported schema {schema!r}.")
        if "$ref" in schema:
            return _Ref(self, str(schema["$ref"]).rsplit("/", 1)[1])
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return Union([self.compile(branch) for branch in schema[keyword]])
        if "const" in schema:
            return _Enum([schema["const"]])
        if "enum" in schema:
            return _Enum(schema["enum"])
        if schema.get("format") == "binary":
            return _Scalar("file", "a file")
        declared = schema.get("type")
        if declared is None and ("properties" in schema or "additionalProperties" in schema):
            declared = "object"
        if isinstance(declared, list):
            return Union([self.typed(schema, kind) for kind in declared])
        return ANY if declared is None else self.typed(schema, declared)

    def typed(self, schema: JsonSchema, kind: str) -> Node:
        if kind == "object":
            properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
            extra = schema.get("additionalProperties")
            return Object(schema, properties, self.compile(extra) if isinstance(extra, Mapping) else None)
        if kind == "array":
            return Array(schema, self.compile(schema.get("items", True)))
        if kind == "string":
            return _String(schema)
        if kind in ("integer", "number"):
            return Number(schema, integer=kind == "integer")
        if kind in ("boolean", "null"):
            return _Scalar(kind, "a boolean" if kind == "boolean" else "null")
        raise ValueError(f"Unsupported type {kind!r}.")


def compile_schema(document: JsonSchema) -> Node:
    """The checker for a schema document whose `$ref`s point into its `$defs`."""
    return _Compiler(document).compile(document)
