"""`fake.files`: seed and inspect the stored files, script errors of the Files and Uploads APIs, read their calls."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .._app.state import State
from .._app.views import RequestView
from .._errors import ConfigurationError
from .._scripting.vocabulary import Scripting
from ._files_store import CONTENT, FILES, public, store_file
from ._store import table

_OPERATIONS = frozenset(
    {
        "files.create",
        "files.list",
        "files.retrieve",
        "files.delete",
        "files.content",
        "uploads.create",
        "uploads.parts.create",
        "uploads.complete",
        "uploads.cancel",
    }
)


def jsonl(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """Rows as JSON Lines: one compact JSON object per line, each ending in a newline."""
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


class FilesScripting(Scripting[RequestView]):
    """The Files and Uploads APIs: the stored files, scripted errors, and the calls made.

    `fake.files.add(...)` makes a file exist (as if uploaded) and returns its File
    object; `get`, `content` and `all` read what the code under test stored.
    """

    def __init__(self, state: State) -> None:
        super().__init__(state, _OPERATIONS)

    def add(
        self,
        content: bytes | str | Sequence[Mapping[str, Any]],
        *,
        filename: str | None = None,
        purpose: str = "user_data",
        id: str | None = None,  # noqa: A002
    ) -> dict[str, Any]:
        """Store a file as if uploaded (no checks): bytes, text, or rows written as JSON Lines.

        Returns its File object. Give `id` to make "a file with id X" exist.
        """
        if isinstance(content, str):
            data = content.encode()
        elif isinstance(content, bytes):
            data = content
        else:
            data = jsonl(content)
        if filename is None:
            filename = "data.jsonl" if purpose in ("batch", "fine-tune", "evals") else "data.txt"
        return public(store_file(self._state, data, filename=filename, purpose=purpose, file_id=id))

    def get(self, file_id: str) -> dict[str, Any] | None:
        """The File object with this id, or None."""
        row = table(self._state, FILES).get(file_id)
        return None if row is None else public(row)

    def content(self, file_id: str) -> bytes:
        """The bytes of the file with this id."""
        row = table(self._state, FILES).get(file_id)
        if row is None:
            raise ConfigurationError(f"No file with id {file_id!r} is stored; the files are: {self._ids()}.")
        data: bytes = row[CONTENT]
        return data

    def all(self, purpose: str | None = None) -> list[dict[str, Any]]:
        """The stored File objects, oldest first, optionally of one purpose."""
        rows = table(self._state, FILES).rows()
        return [public(row) for row in rows if purpose is None or row["purpose"] == purpose]

    def _ids(self) -> str:
        return ", ".join(row["id"] for row in table(self._state, FILES).rows()) or "none"
