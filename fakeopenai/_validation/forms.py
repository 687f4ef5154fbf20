"""Multipart form fields converted to the JSON body they stand for, with values of the schema's types."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .._app.strict_json import loads as loads_json
from .checkers import ANY, Array, Node, Number, Object, Union
from .kinds import FormString, kind_of

__all__ = ["coerce_form"]

_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
_UNCONVERTED = object()


def coerce_form(form: Mapping[str, object], root: Node) -> object:
    """The form as the JSON body it stands for: bracketed keys nested, values of the schema's types."""
    nested: dict[str, object] = {}
    for raw_key, value in form.items():
        name, _, rest = raw_key.partition("[")
        keys = [name, *_BRACKETS.findall("[" + rest)] if rest else [raw_key]
        _place(nested, keys, value)
    return _coerce(nested, root)


def _place(target: dict[str, object], keys: list[str], value: object) -> None:
    for index, key in enumerate(keys[:-1]):
        if keys[index + 1] == "":
            target[key] = list(value) if isinstance(value, list) else [value]
            return
        child = target.setdefault(key, {})
        if not isinstance(child, dict):
            return
        target = child
    target[keys[-1]] = value


def _branch(node: Node, kind: str) -> Node | None:
    node = node.resolved()
    if isinstance(node, Union):
        return next(iter(node.by_kind().get(kind, ())), None)
    return node if kind in node.kinds else None


def _coerce(value: object, node: Node) -> object:
    if isinstance(value, list):
        array = _branch(node, "array")
        if isinstance(array, Array):
            return [_coerce(item, array.items) for item in value]
        return _coerce(value[0], node) if len(value) == 1 else value
    if isinstance(value, dict):
        target = _branch(node, "object")
        if isinstance(target, Object):
            return {k: _coerce(v, target.properties.get(k) or target.additional or ANY) for k, v in value.items()}
        return value
    if not isinstance(value, str) or "string" in node.kinds:
        return value
    resolved = node.resolved()
    branches = resolved.flat() if isinstance(resolved, Union) else [resolved]
    for branch in branches:
        converted = _convert(value, branch)
        if converted is not _UNCONVERTED:
            return converted
    convertible = any(isinstance(b, (Number, Array, Object)) or b.kinds == {"boolean"} for b in branches)
    return FormString(value) if convertible else value


def _convert(text: str, node: Node) -> object:
    try:
        if isinstance(node, Number):
            return int(text) if node.integer else float(text)
        if node.kinds == {"boolean"} and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if isinstance(node, (Object, Array)):
            parsed = loads_json(text)
            return parsed if kind_of(parsed) in node.kinds else _UNCONVERTED
        if node.kinds == {"null"} and text in ("", "null"):
            return None
    except ValueError:
        pass
    return _UNCONVERTED
