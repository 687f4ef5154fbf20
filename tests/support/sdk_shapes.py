"""Shared by the SDK tests: a structured-output model, a check for fields the SDK's types do not declare, and what
differs between the SDK lines (openai 3.x on `httpx2`, 2.x on `httpx`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pydantic
import pytest

from fakeopenai._fake import _sdk_httpx

SDK_HTTPX = _sdk_httpx()
"""The HTTP package the installed SDK is built on: `httpx2` (openai 3.x) or `httpx` (2.x)."""
SDK_LINE = int(openai.__version__.split(".")[0])
"""The major version of the installed SDK: 3 (on `httpx2`) or 2 (on `httpx`)."""


def mid_stream(sdk_error: type[openai.APIError], http_error: type[BaseException]) -> type[BaseException]:
    """What a stream that fails mid-way with `http_error` raises: `sdk_error` from openai 3.x on, else `http_error`."""
    return sdk_error if SDK_LINE >= 3 else http_error


def http_error_of(error: BaseException) -> BaseException | None:
    """The HTTP package's error behind `error`: the cause of an SDK error, or `error` itself."""
    return error.__cause__ if isinstance(error, openai.APIError) else error


def api_message(error: openai.APIStatusError) -> str:
    """The API's own error message (`exc.message` also holds the status code, and in openai 2.x the whole body)."""
    assert isinstance(error.body, dict)
    message = error.body["message"]
    assert isinstance(message, str)
    return message


def warns_if_sdk_deprecates(method: Callable[..., Any]) -> contextlib.AbstractContextManager[Any]:
    """`pytest.warns(DeprecationWarning)` where the installed SDK marks `method` deprecated (3.x does, 2.x does not)."""
    if getattr(method, "__deprecated__", None) is None:
        return contextlib.nullcontext()
    return pytest.warns(DeprecationWarning)


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
