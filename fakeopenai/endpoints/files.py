"""Files: `POST /v1/files`, `GET /v1/files`, `GET|DELETE /v1/files/{id}`, `GET /v1/files/{id}/content`.

Files live in the server's store until deleted or until the fake is reset (between tests).
The rows of `table(state, "files")` are the File objects the API returns, plus a
private `"_content"` key holding the bytes (see `_files_store`); other endpoint
groups (assistants, vector stores, evals, …) may read them by id.
"""

from __future__ import annotations

from typing import Any

from .._app.multipart import FilePart
from .._app.responses import JsonResponse, RawResponse, Response
from .._app.state import Context
from .._errors import ApiError
from ._files_checks import check_upload
from ._files_store import CONTENT, FILES, expiry, file_not_found, listing, public, public_rows, store_file
from ._route import Route
from ._store import table

_NOT_DOWNLOADABLE = frozenset({"assistants"})


def _expires_after(body: dict[str, Any]) -> dict[str, Any] | None:
    """`expires_after` as the form sends it (`expires_after[seconds]`) or as a JSON object."""
    if "expires_after[seconds]" in body:
        return {"seconds": body["expires_after[seconds]"]}
    value = body.get("expires_after")
    return value if isinstance(value, dict) else None


def create(ctx: Context) -> Response:
    """Store the uploaded file and answer its File object."""
    body = ctx.request.body
    part: FilePart = body["file"]
    row = store_file(
        ctx.state,
        part.content,
        filename=part.filename or "file",
        purpose=body["purpose"],
        expires_after=expiry(body["purpose"], _expires_after(body)),
    )
    return JsonResponse(public(row))


def list_files(ctx: Context) -> Response:
    """The files, newest first, optionally of one purpose."""
    purpose = ctx.query.get("purpose")
    rows = public_rows(table(ctx.state, FILES), None if purpose is None else lambda row: row["purpose"] == purpose)
    return listing(rows, ctx.query, default_limit=10000, max_limit=10000)


def retrieve(ctx: Context) -> Response:
    """One file's File object."""
    file_id = ctx.path_args["file_id"]
    row = table(ctx.state, FILES).get(file_id)
    return file_not_found(file_id) if row is None else JsonResponse(public(row))


def delete(ctx: Context) -> Response:
    """Delete a file."""
    file_id = ctx.path_args["file_id"]
    if table(ctx.state, FILES).pop(file_id) is None:
        return file_not_found(file_id)
    return JsonResponse({"id": file_id, "object": "file", "deleted": True})


def content(ctx: Context) -> Response:
    """The file's bytes, exactly as uploaded (or as the fake wrote them)."""
    file_id = ctx.path_args["file_id"]
    row = table(ctx.state, FILES).get(file_id)
    if row is None:
        return file_not_found(file_id)
    if row["purpose"] in _NOT_DOWNLOADABLE:
        return ApiError(400, f"Not allowed to download files of purpose: {row['purpose']}.")
    return RawResponse(row[CONTENT], "application/octet-stream")


ROUTES = [
    Route("POST", "/v1/files", "files.create", create, check=check_upload, body="multipart"),
    Route("GET", "/v1/files", "files.list", list_files, body="none"),
    Route("GET", "/v1/files/<file_id>", "files.retrieve", retrieve, body="none"),
    Route("DELETE", "/v1/files/<file_id>", "files.delete", delete, body="none"),
    Route("GET", "/v1/files/<file_id>/content", "files.content", content, body="none"),
]
