"""What the Assistants API endpoints share: table names, the beta header, 404s, lists and object shapes."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from typing import Any

from .._app.responses import JsonResponse, Response
from .._app.state import Context, State
from .._errors import ApiError
from ._store import Resource, not_found, paginate, table

ASSISTANTS = "assistants"
THREADS = "threads"
MESSAGES = "thread_messages"
RUNS = "thread_runs"
STEPS = "run_steps"
FILES = "files"

ACTIVE_RUN_STATUSES = ("queued", "in_progress", "requires_action", "cancelling")
"""A run in one of these has not finished: its thread takes no new run and no new message."""

_BETA_MISSING = (
    "You must provide the 'OpenAI-Beta' header to access the Assistants API. "
    "Please try again by setting the header 'OpenAI-Beta: assistants=v2'."
)
_BETA_V1 = (
    "The v1 Assistants API has been deprecated. Please try again by setting the header 'OpenAI-Beta: assistants=v2'."
)
_LOCK_KEY = "assistants:lock"
_LOCK_GUARD = threading.Lock()


def domain_lock(state: State) -> threading.RLock:
    """The one lock every change to assistants, threads, messages, runs and steps holds."""
    with _LOCK_GUARD:
        lock: threading.RLock | None = state.resources.get(_LOCK_KEY)
        if lock is None:
            lock = state.resources[_LOCK_KEY] = threading.RLock()
    return lock


def beta_header_error(ctx: Context) -> ApiError | None:
    """The API's 400 for a request without `OpenAI-Beta: assistants=v2` (requests the fake makes itself pass)."""
    if ctx.call is None or not ctx.call.headers:
        return None
    value = ctx.call.headers.get("openai-beta", "")
    versions = [part.strip() for part in value.split(",")]
    if "assistants=v2" in versions:
        return None
    return ApiError(400, _BETA_V1 if "assistants=v1" in versions else _BETA_MISSING, param=None)


def beta_only(handler: Callable[[Context], Response]) -> Callable[[Context], Response]:
    """`handler`, answering the API's 400 first when the beta header is missing."""

    def answer(ctx: Context) -> Response:
        return beta_header_error(ctx) or handler(ctx)

    answer.__doc__ = handler.__doc__
    return answer


def missing(kind: str, resource_id: str) -> ApiError:
    """The API's 404 for an unknown id, e.g. `No thread found with id 'thread_x'.`"""
    return not_found(f"No {kind} found with id '{resource_id}'.")


def public(row: Resource) -> dict[str, Any]:
    """A stored row as the API shows it: a deep copy without the fake's private `_` keys."""
    return {key: copy.deepcopy(value) for key, value in row.items() if not key.startswith("_")}


def listing(rows: list[Resource], ctx: Context, *, default_order: str = "desc") -> Response:
    """A paginated `list` of stored rows, as the API's list endpoints answer."""
    page = paginate(rows, ctx.query, default_order=default_order)
    if isinstance(page, ApiError):
        return page
    page["data"] = [public(row) for row in page["data"]]
    return JsonResponse(page)


def deleted(resource_id: str, kind: str) -> JsonResponse:
    """The `…deleted` answer of a DELETE."""
    return JsonResponse({"id": resource_id, "object": f"{kind}.deleted", "deleted": True})


def metadata_of(body: Mapping[str, Any]) -> dict[str, str]:
    """The `metadata` sent, or `{}`."""
    value = body.get("metadata")
    return dict(value) if isinstance(value, Mapping) else {}


def update_metadata(ctx: Context, find: Callable[[Context], Resource | ApiError]) -> Response:
    """A `POST` that may change only `metadata`: the resource `find` locates, updated, or its 404."""
    with domain_lock(ctx.state):
        resource = find(ctx)
        if isinstance(resource, ApiError):
            return resource
        if "metadata" in ctx.request.body:
            resource["metadata"] = metadata_of(ctx.request.body)
        return JsonResponse(public(resource))


def get_thread(state: State, thread_id: str) -> Resource | ApiError:
    """The stored thread, or the API's 404."""
    row = table(state, THREADS).get(thread_id)
    return row if row is not None else missing("thread", thread_id)


def active_run(state: State, thread_id: str) -> Resource | None:
    """The run of this thread that has not finished, if any."""
    rows = table(state, RUNS).rows(lambda r: r["thread_id"] == thread_id and r["status"] in ACTIVE_RUN_STATUSES)
    return rows[-1] if rows else None


def tool_resources_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """The `tool_resources` sent, as the API echoes them (`{}` when none)."""
    value = body.get("tool_resources")
    if not isinstance(value, Mapping):
        return {}
    resources: dict[str, Any] = {}
    code = value.get("code_interpreter")
    if isinstance(code, Mapping):
        resources["code_interpreter"] = {"file_ids": list(code.get("file_ids") or [])}
    search = value.get("file_search")
    if isinstance(search, Mapping):
        resources["file_search"] = {"vector_store_ids": list(search.get("vector_store_ids") or [])}
    return resources


def normalize_tools(tools: Any) -> list[dict[str, Any]]:
    """Tools as the API echoes them: function definitions get `strict`, file search its ranking options."""
    result = []
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, Mapping):
            continue
        tool = copy.deepcopy(dict(tool))
        if tool.get("type") == "function" and isinstance(tool.get("function"), Mapping):
            function = dict(tool["function"])
            function.setdefault("strict", False)
            tool["function"] = function
        elif tool.get("type") == "file_search":
            search = dict(tool.get("file_search") or {})
            ranking = dict(search.get("ranking_options") or {})
            ranking.setdefault("ranker", "default_2024_08_21")
            ranking.setdefault("score_threshold", 0.0)
            search["ranking_options"] = ranking
            tool["file_search"] = search
        result.append(tool)
    return result
