"""What the Files API checks when a file is uploaded, by purpose.

Only what the real API checks at upload time: batch and fine-tune files must be
`.jsonl`, a fine-tune file must hold one JSON object per line, and sizes stay
within the limits. The lines of a batch file and the examples of a fine-tune
file are checked later, when a batch or a job validates them.
"""

from __future__ import annotations

from .._app.multipart import FilePart
from .._app.strict_json import loads as loads_json
from .._app.views import RequestView
from .._validation.bodies import Problem

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_BATCH_FILE_BYTES = 200 * 1024 * 1024
_API_NAMES = {"batch": "Batch", "fine-tune": "Fine-Tuning"}


def content_problem(purpose: str, filename: str, content: bytes) -> str | None:
    """The API's message refusing this upload, or None if it is accepted."""
    if len(content) > MAX_FILE_BYTES:
        return f"File is too large: {len(content)} bytes. The maximum size of a file is {MAX_FILE_BYTES} bytes."
    api = _API_NAMES.get(purpose)
    if api is None:
        return None
    if not filename.lower().endswith(".jsonl"):
        return f"Invalid file format for {api} API. Must be .jsonl"
    if purpose == "batch" and len(content) > MAX_BATCH_FILE_BYTES:
        return f"Batch input files can be at most 200 MB; this file has {len(content)} bytes."
    if purpose == "fine-tune":
        return _jsonl_problem(content)
    return None


def _jsonl_problem(content: bytes) -> str | None:
    text = content.decode("utf-8", "replace")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = loads_json(line)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            return (
                "Expected file to have JSONL format, where every line is a JSON dictionary. "
                f'Line {number} is not a dictionary (HINT: line starts with: "{line.strip()[:3]}...").'
            )
    return None


def check_upload(view: RequestView) -> list[Problem]:
    """The problems of a `POST /v1/files` form, beyond its schema."""
    part = view.get("file")
    purpose = view.get("purpose")
    if not isinstance(part, FilePart) or not isinstance(purpose, str):
        return []
    message = content_problem(purpose, part.filename or "", part.content)
    return [] if message is None else [Problem(message, None, None, "$.file")]
