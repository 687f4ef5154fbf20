"""The real API's error texts for request bodies that break the schema."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from .kinds import FormString, kind_of

__all__ = [
    "Path",
    "Problem",
    "invalid",
    "length_problem",
    "listing",
    "missing_problem",
    "number_text",
    "one_of",
    "param_path",
    "problem",
    "quote",
    "type_problem",
    "value_problem",
]

Path = tuple[str | int, ...]
"""Where a value sits in the body: object keys and array indexes."""


@dataclass(frozen=True)
class Problem:
    """One way a request body breaks the API's rules."""

    message: str
    """The real API's error message text, e.g. "Missing required parameter: 'messages'."."""
    param: str | None
    """OpenAI-style param path, e.g. "messages[0].role"; None where the API gives null."""
    code: str | None
    """E.g. "missing_required_parameter", "unknown_parameter", "invalid_type", "invalid_value"."""
    json_path: str
    """For the test report, e.g. "$.messages[0].role" ("$" for the whole body)."""


def param_path(path: Path) -> str:
    """OpenAI-style param text for a path, e.g. "messages[0].role"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _json_path(path: Path) -> str:
    text = "$"
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if part.isidentifier() else f"[{json.dumps(part)}]"
    return text


def problem(message: str, path: Path, code: str | None, *, param: str | None = "") -> Problem:
    """A Problem at path; its param is the path's param text unless `param` is given (None for null)."""
    return Problem(message, param_path(path) if param == "" else param, code, _json_path(path))


def invalid(path: Path, what: str, expectation: str, code: str) -> Problem:
    """The problem "Invalid '<param>': <what>. <expectation>"."""
    return problem(f"Invalid '{param_path(path)}': {what}. {expectation}", path, code)


def quote(value: object) -> str:
    """A value as the API quotes it: strings in single quotes, the rest as JSON."""
    return f"'{value}'" if isinstance(value, str) else json.dumps(value)


def listing(items: Sequence[str], conjunction: str) -> str:
    """Items joined as in "a", "a or b", "a, b, or c"."""
    if len(items) <= 2:
        return f" {conjunction} ".join(items)
    return ", ".join(items[:-1]) + f", {conjunction} " + items[-1]


def one_of(values: Sequence[object]) -> str:
    """The values as in "one of 'a', 'b', or 'c'"."""
    return "one of " + listing([quote(v) for v in values], "or")


def number_text(value: float) -> str:
    """A bound as the API prints it: whole floats without ".0"."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else str(value)


_GOT = {
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a decimal number",
    "object": "an object",
    "array": "an array",
    "null": "null",
    "file": "a file",
}


def type_problem(expected: str, value: object, path: Path) -> Problem:
    """The API's "Invalid type" problem: `expected` is what the schema wants, e.g. "an integer"."""
    where = f"Invalid type for '{param_path(path)}'" if path else "Invalid body"
    if isinstance(value, FormString):
        target = expected.removeprefix("one of ")
        message = f"{where}: expected {expected}, but got a string value that could not be converted into {target}."
    else:
        message = f"{where}: expected {expected}, but got {_GOT.get(kind_of(value), 'an unsupported value')} instead."
    return problem(message, path, "invalid_type", param=None if not path else "")


def value_problem(value: object, supported: Sequence[object], path: Path) -> Problem:
    """The API's "Invalid value" problem for a value outside an enum."""
    values = listing([quote(v) for v in supported], "and")
    return problem(f"Invalid value: {quote(value)}. Supported values are: {values}.", path, "invalid_value")


def missing_problem(path: Path) -> Problem:
    """The API's "Missing required parameter" problem."""
    return problem(f"Missing required parameter: '{param_path(path)}'.", path, "missing_required_parameter")


def length_problem(path: Path, noun: str, limit: int, length: int, *, above: bool) -> Problem:
    """The API's problem for a string or array (`noun`) that is too long (`above`) or too short."""
    article = "an" if noun == "array" else "a"
    if above:
        what, code = f"{noun} too long", f"{noun}_above_max_length"
    elif length == 0:
        what, code = f"empty {noun}", f"empty_{noun}"
    else:
        what, code = f"{noun} too short", f"{noun}_below_min_length"
    got = f"an empty {noun}" if length == 0 else f"{article} {noun} with length {length}"
    bound = "maximum" if above else "minimum"
    return invalid(path, what, f"Expected {article} {noun} with {bound} length {limit}, but got {got} instead.", code)
