"""Uploads: a large file sent in parts. `POST /v1/uploads`, `…/{id}/parts`, `…/{id}/complete`, `…/{id}/cancel`.

Completing an upload stores its parts, in the order given, as one file of the
Files API (subject to the same checks as a direct upload).
"""

from __future__ import annotations

import hashlib
from typing import Any

from .._app.multipart import FilePart
from .._app.responses import JsonResponse, Response
from .._app.state import Context
from .._errors import ApiError
from ._files_checks import content_problem
from ._files_store import expiry, public, store_file
from ._route import Route
from ._store import Resource, not_found, table

UPLOADS = "uploads"
_PARTS = "_parts"
_EXPIRES_AFTER = "_expires_after"
MAX_UPLOAD_BYTES = 8 * 1024**3
MAX_PART_BYTES = 64 * 1024**2
_LIFETIME = 3600


def _upload_not_found(upload_id: str) -> ApiError:
    return not_found(f"No such Upload object: {upload_id}", "upload_id")


def _not_pending(row: Resource) -> ApiError:
    return ApiError(400, f"Upload {row['id']} is already {row['status']}; only a pending upload can be changed.")


def create(ctx: Context) -> Response:
    """Start an upload: answer the pending Upload object."""
    body = ctx.request.body
    if body["bytes"] > MAX_UPLOAD_BYTES:
        return ApiError(
            400,
            f"Invalid 'bytes': an upload can be at most {MAX_UPLOAD_BYTES} bytes (8 GB), but got {body['bytes']}.",
            param="bytes",
        )
    created = ctx.state.now()
    row: Resource = {
        "id": ctx.state.new_id("upload_", body["filename"], 24),
        "object": "upload",
        "bytes": body["bytes"],
        "created_at": created,
        "expires_at": created + _LIFETIME,
        "filename": body["filename"],
        "purpose": body["purpose"],
        "status": "pending",
        "file": None,
        _PARTS: {},
        _EXPIRES_AFTER: body.get("expires_after"),
    }
    table(ctx.state, UPLOADS).put(row)
    return JsonResponse(public(row))


def add_part(ctx: Context) -> Response:
    """Add one part (up to 64 MB) to a pending upload."""
    upload_id = ctx.path_args["upload_id"]
    part: FilePart = ctx.request.body["data"]
    if part.size > MAX_PART_BYTES:
        return ApiError(400, f"Each part can be at most {MAX_PART_BYTES} bytes (64 MB), but got {part.size}.")
    part_id = ctx.state.new_id("part_", upload_id, 24)
    with table(ctx.state, UPLOADS).editing(upload_id) as row:
        if row is None:
            return _upload_not_found(upload_id)
        if row["status"] != "pending":
            return _not_pending(row)
        row[_PARTS][part_id] = part.content
    return JsonResponse({"id": part_id, "object": "upload.part", "created_at": ctx.state.now(), "upload_id": upload_id})


def complete(ctx: Context) -> Response:
    """Join the parts in the order given into a file; answer the completed Upload with its `file`."""
    upload_id = ctx.path_args["upload_id"]
    body = ctx.request.body
    with table(ctx.state, UPLOADS).editing(upload_id) as row:
        if row is None:
            return _upload_not_found(upload_id)
        if row["status"] != "pending":
            return _not_pending(row)
        joined = _join(row, body)
        if isinstance(joined, ApiError):
            return joined
        file = store_file(
            ctx.state,
            joined,
            filename=row["filename"],
            purpose=row["purpose"],
            expires_after=expiry(row["purpose"], row[_EXPIRES_AFTER]),
        )
        row.update(status="completed", file=public(file))
        return JsonResponse(public(row))


def _join(row: Resource, body: dict[str, Any]) -> bytes | ApiError:
    parts: dict[str, bytes] = row[_PARTS]
    unknown = [part_id for part_id in body["part_ids"] if part_id not in parts]
    if unknown:
        return ApiError(400, f"Part {unknown[0]} does not belong to upload {row['id']}.", param="part_ids")
    content = b"".join(parts[part_id] for part_id in body["part_ids"])
    if len(content) != row["bytes"]:
        return ApiError(
            400,
            f"The number of bytes uploaded ({len(content)}) does not match the number of bytes given when the "
            f"upload was created ({row['bytes']}).",
            param="part_ids",
        )
    if "md5" in body and hashlib.md5(content).hexdigest() != body["md5"]:
        return ApiError(400, "The md5 checksum of the uploaded bytes does not match 'md5'.", param="md5")
    problem = content_problem(row["purpose"], row["filename"], content)
    return content if problem is None else ApiError(400, problem)


def cancel(ctx: Context) -> Response:
    """Cancel a pending upload."""
    upload_id = ctx.path_args["upload_id"]
    with table(ctx.state, UPLOADS).editing(upload_id) as row:
        if row is None:
            return _upload_not_found(upload_id)
        if row["status"] != "pending":
            return _not_pending(row)
        row["status"] = "cancelled"
        return JsonResponse(public(row))


ROUTES = [
    Route("POST", "/v1/uploads", "uploads.create", create),
    Route("POST", "/v1/uploads/<upload_id>/parts", "uploads.parts.create", add_part, body="multipart"),
    Route("POST", "/v1/uploads/<upload_id>/complete", "uploads.complete", complete),
    Route("POST", "/v1/uploads/<upload_id>/cancel", "uploads.cancel", cancel, body="none"),
]
