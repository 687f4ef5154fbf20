"""Shared by the SDK tests: a structured-output model, and a check for fields the SDK's types do not declare."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic


class Person(pydantic.BaseModel):
    name: str
    age: int
    emails: list[str]


def extras(model: Any, path: str = "$") -> Iterator[str]:
    """Every field of a parsed SDK object that its type does not declare."""
    if isinstance(model, pydantic.BaseModel):
        for name in model.model_extra or {}:
            yield f"{path}.{name}"
        for name in type(model).model_fields:
            yield from extras(getattr(model, name), f"{path}.{name}")
    elif isinstance(model, list):
        for index, value in enumerate(model):
            yield from extras(value, f"{path}[{index}]")
