"""Assistants (`/v1/assistants`): create, retrieve, update, delete and list, kept per server.

Requests need the `OpenAI-Beta: assistants=v2` header, as the real API requires;
the official SDKs send it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._app.responses import JsonResponse, Response
from .._app.state import Context, State
from ._assistants_common import (
    ASSISTANTS,
    beta_only,
    deleted,
    listing,
    metadata_of,
    missing,
    normalize_tools,
    public,
    tool_resources_of,
)
from ._route import Route
from ._store import Resource, table

_SETTINGS = ("name", "description", "instructions", "model", "temperature", "top_p", "response_format")


def new_assistant(state: State, body: Mapping[str, Any], assistant_id: str | None = None) -> Resource:
    """An assistant built from a create body, stored."""
    assistant: Resource = {
        "id": assistant_id or state.new_id("asst_", str(body.get("name")), 24),
        "object": "assistant",
        "created_at": state.now(),
        "name": None,
        "description": None,
        "model": body.get("model"),
        "instructions": None,
        "tools": [],
        "tool_resources": {},
        "metadata": {},
        "top_p": 1.0,
        "temperature": 1.0,
        "response_format": "auto",
    }
    _apply(assistant, body)
    return table(state, ASSISTANTS).put(assistant)


def _apply(assistant: Resource, body: Mapping[str, Any]) -> None:
    for key in _SETTINGS:
        if key in body:
            value = body[key]
            if key in ("temperature", "top_p") and value is None:
                value = 1.0
            if key == "response_format" and value is None:
                value = "auto"
            assistant[key] = value
    if "tools" in body:
        assistant["tools"] = normalize_tools(body["tools"])
    if "tool_resources" in body:
        assistant["tool_resources"] = tool_resources_of(body)
    if "metadata" in body:
        assistant["metadata"] = metadata_of(body)


def create(ctx: Context) -> Response:
    """`POST /v1/assistants`."""
    return JsonResponse(public(new_assistant(ctx.state, ctx.request.body)))


def retrieve(ctx: Context) -> Response:
    """`GET /v1/assistants/{assistant_id}`."""
    assistant_id = ctx.path_args["assistant_id"]
    row = table(ctx.state, ASSISTANTS).get(assistant_id)
    return JsonResponse(public(row)) if row is not None else missing("assistant", assistant_id)


def update(ctx: Context) -> Response:
    """`POST /v1/assistants/{assistant_id}`: only the fields sent change."""
    assistant_id = ctx.path_args["assistant_id"]
    with table(ctx.state, ASSISTANTS).editing(assistant_id) as row:
        if row is None:
            return missing("assistant", assistant_id)
        _apply(row, ctx.request.body)
        return JsonResponse(public(row))


def delete(ctx: Context) -> Response:
    """`DELETE /v1/assistants/{assistant_id}`."""
    assistant_id = ctx.path_args["assistant_id"]
    if table(ctx.state, ASSISTANTS).pop(assistant_id) is None:
        return missing("assistant", assistant_id)
    return deleted(assistant_id, "assistant")


def list_assistants(ctx: Context) -> Response:
    """`GET /v1/assistants`: newest first unless `order=asc`."""
    return listing(table(ctx.state, ASSISTANTS).rows(), ctx)


ROUTES = [
    Route("POST", "/v1/assistants", "beta.assistants.create", beta_only(create)),
    Route("GET", "/v1/assistants", "beta.assistants.list", beta_only(list_assistants), body="none"),
    Route("GET", "/v1/assistants/<assistant_id>", "beta.assistants.retrieve", beta_only(retrieve), body="none"),
    Route("POST", "/v1/assistants/<assistant_id>", "beta.assistants.update", beta_only(update)),
    Route("DELETE", "/v1/assistants/<assistant_id>", "beta.assistants.delete", beta_only(delete), body="none"),
]
