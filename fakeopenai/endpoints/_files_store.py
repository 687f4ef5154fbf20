"""The stored files: one row per file, shared by files, uploads, batches and fine-tuning (and anyone else).

Each row of `table(state, "files")` is exactly the File object the API returns
(`id`, `object`, `bytes`, `created_at`, `expires_at`, `filename`, `purpose`,
`status`, `status_details`) plus one private key, `"_content"`, holding the
file's bytes. Private keys start with `_` and never reach a client: answer
with `public(row)`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from .._app.responses import JsonResponse, Response
from .._app.state import State
from .._errors import ApiError
from ._store import Resource, Table, paginate, table

FILES = "files"
CONTENT = "_content"
BATCH_EXPIRY = 30 * 24 * 3600
"""Files with purpose `batch` expire after 30 days unless `expires_after` says otherwise."""


def public(row: Resource) -> dict[str, Any]:
    """The resource as the API shows it: without the private keys (those starting with `_`)."""
    return {key: value for key, value in row.items() if not key.startswith("_")}


def hex_id(state: State, prefix: str, seed: str = "") -> str:
    """An id of 32 hex digits after `prefix` (`batch_…`, `batch_req_…`), reproducible after a reset."""
    return prefix + hashlib.sha256(state.new_id(prefix, seed).encode()).hexdigest()[:32]


def store_file(
    state: State,
    content: bytes,
    *,
    filename: str,
    purpose: str,
    expires_after: int | None = None,
    file_id: str | None = None,
) -> Resource:
    """Store a new file (or replace the one with `file_id`) and return its row."""
    created = state.now()
    row: Resource = {
        "id": file_id or state.new_id("file-", filename, 22),
        "object": "file",
        "bytes": len(content),
        "created_at": created,
        "expires_at": None if expires_after is None else created + expires_after,
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
        "status_details": None,
        CONTENT: content,
    }
    return table(state, FILES).put(row)


def expiry(purpose: str, expires_after: Any) -> int | None:
    """Seconds until a new file expires: `expires_after.seconds` if given, 30 days for batch files, else never."""
    if isinstance(expires_after, Mapping) and expires_after.get("seconds") is not None:
        return int(expires_after["seconds"])
    return BATCH_EXPIRY if purpose == "batch" else None


def file_not_found(file_id: str, param: str | None = "id") -> ApiError:
    """The API's 404 for an unknown file id."""
    return ApiError(404, f"No such File object: {file_id}", param=param)


def public_rows(rows: Table, where: Callable[[Resource], bool] | None = None) -> list[dict[str, Any]]:
    """Public copies of a table's resources, oldest first, taken under its lock (rows change in place)."""
    with rows.lock:
        return [public(row) for row in rows.rows(where)]


def listing(rows: list[Resource], query: Mapping[str, str], **options: Any) -> Response:
    """A paginated `list` answer of `rows` (already public), or the API's error for a bad `limit` or `order`."""
    page = paginate(rows, query, **options)
    return page if isinstance(page, ApiError) else JsonResponse(page)
