"""Multipart form bodies (file uploads, audio, image edits) parsed into plain fields and file parts."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from .._validation.bodies import UploadedFile


@dataclass(frozen=True)
class FilePart(UploadedFile):
    """An uploaded file: its name, content type, size and bytes."""

    content: bytes = field(default=b"", repr=False)


class MultipartError(ValueError):
    """The body is not a well-formed multipart form."""


def parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """Fields as strings (lists for repeated or `[]` keys) and files as `FilePart`s."""
    from werkzeug.formparser import MultiPartParser  # imported on first use: werkzeug takes ~20 ms to import
    from werkzeug.http import parse_options_header

    mimetype, options = parse_options_header(content_type)
    boundary = options.get("boundary", "")
    if mimetype != "multipart/form-data" or not boundary:
        raise MultipartError("The multipart body has no boundary in its Content-Type header.")
    parser = MultiPartParser(max_form_memory_size=len(raw) + 1)
    try:
        form, files = parser.parse(io.BytesIO(raw), boundary.encode("latin-1"), len(raw))
    except ValueError as error:
        raise MultipartError(f"Could not parse the multipart form: {error}.") from None
    if not raw.rstrip().endswith(b"--" + boundary.encode("latin-1") + b"--"):
        raise MultipartError("Could not parse the multipart form: the closing boundary is missing.")
    if None in form or None in files:
        raise MultipartError("Could not parse the multipart form: a part has no name in its Content-Disposition.")
    body: dict[str, Any] = {}
    for key in form.keys():
        values = form.getlist(key)
        body[key] = values if len(values) > 1 or key.endswith("[]") else values[0]
    for key in files.keys():
        parts = []
        for storage in files.getlist(key):
            content = storage.read()
            parts.append(FilePart(storage.filename, storage.mimetype or None, len(content), content))
        body[key] = parts if len(parts) > 1 or key.endswith("[]") else parts[0]
    return body
