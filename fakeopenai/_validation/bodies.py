"""Request bodies checked against the shipped JSON Schemas, with the real API's error texts.

Each operation's schema (``fakeopenai/schemas/<operation>.json``, written by
``scripts/generate_schemas.py``) is compiled once, on first use, into a tree of
checkers (`checkers`); the problems they find are worded as the
API words them (`wording`). Multipart form bodies are first
converted to the JSON they stand for (`forms`).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from .checkers import Node, compile_schema
from .forms import coerce_form
from .kinds import UploadedFile
from .wording import Problem, problem

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = ["Problem", "UploadedFile", "has_schema", "validate_body"]


def validate_body(operation: str, body: object, *, from_form: bool = False) -> list[Problem]:
    """Return the problems of `body` for `operation` ("chat.completions.create", ...), best first; [] if valid.

    The first problem is the one the API reports. With `from_form=True`, `body`
    is a multipart form: its values are strings, lists of strings or
    `UploadedFile`s, keyed as the SDK sends them (``a[]``, ``a[b]``), and are
    converted to the schema's types first. Raises KeyError for an operation
    without a schema (see `has_schema`).
    """
    root = _root(operation)
    if from_form and isinstance(body, Mapping):
        body = coerce_form(body, root)
    if root.ok(body):
        return []
    out: list[Problem] = []
    root.explain(body, (), out)
    return out or [problem("The request body is invalid.", (), None, param=None)]


@cache
def has_schema(operation: str) -> bool:
    """Whether a request schema ships for `operation`."""
    return _OPERATION.fullmatch(operation) is not None and _schema_file(operation).is_file()


_OPERATION = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")


def _schema_file(operation: str) -> Traversable:
    return resources.files("fakeopenai").joinpath("schemas").joinpath(f"{operation}.json")


@cache
def _root(operation: str) -> Node:
    if not has_schema(operation):
        raise KeyError(f"No request schema for operation {operation!r}.")
    return compile_schema(json.loads(_schema_file(operation).read_text(encoding="utf-8")))
