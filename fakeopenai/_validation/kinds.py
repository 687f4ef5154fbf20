"""The kinds of value a request body holds: JSON types, plus uploaded files and unconvertible form strings."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KIND_BY_TYPE", "FormString", "UploadedFile", "kind_of"]


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart body.

    Pass one (or a list of them) as the value of a file field to
    ``validate_body(..., from_form=True)``: it satisfies the schema's file
    parameters (``file``, ``image``, ``mask``, ...) and nothing else.
    """

    filename: str | None = None
    content_type: str | None = None
    size: int = 0


class FormString(str):
    """A form field value that could not be converted to the type its schema wants."""

    __slots__ = ()


KIND_BY_TYPE: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
    UploadedFile: "file",
    FormString: "unconverted",
}
"""The kind of each exact Python type a request value can have."""


def kind_of(value: object) -> str:
    """The JSON kind of a request value ("object", "integer", "file", ...), or "unsupported"."""
    kind = KIND_BY_TYPE.get(type(value))
    if kind is not None:
        return kind
    for python_type, name in KIND_BY_TYPE.items():
        if isinstance(value, python_type):
            return name
    return "unsupported"
