"""Threads and their messages (`/v1/threads`, `/v1/threads/{thread_id}/messages`), kept per server.

A thread holds its messages in order; messages list newest first unless
`order=asc`, and `run_id=` keeps those a run wrote. While a run of the thread
is active, the thread takes no new message, as the real API refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._app.responses import JsonResponse, Response
from .._app.state import Context, State
from .._errors import ApiError
from ._assistants_common import (
    MESSAGES,
    RUNS,
    STEPS,
    THREADS,
    active_run,
    beta_only,
    deleted,
    domain_lock,
    get_thread,
    listing,
    metadata_of,
    missing,
    public,
    tool_resources_of,
    update_metadata,
)
from ._assistants_messages import file_problem, new_message, thread_messages
from ._route import Route
from ._store import Resource, table


def thread_problem(state: State, body: Mapping[str, Any], where: str = "") -> ApiError | None:
    """The API's error for the initial messages of a thread, if one names an unknown file."""
    messages = body.get("messages")
    for index, message in enumerate(messages if isinstance(messages, list) else []):
        problem = file_problem(state, message, f"{where}messages[{index}].")
        if problem is not None:
            return problem
    return None


def new_thread(state: State, body: Mapping[str, Any], thread_id: str | None = None) -> Resource:
    """A thread built from a create body (with its initial messages), stored."""
    thread: Resource = {
        "id": thread_id or state.new_id("thread_", "", 24),
        "object": "thread",
        "created_at": state.now(),
        "metadata": metadata_of(body),
        "tool_resources": tool_resources_of(body),
    }
    table(state, THREADS).put(thread)
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else []:
        new_message(state, thread["id"], message)
    return thread


def create(ctx: Context) -> Response:
    """`POST /v1/threads`."""
    with domain_lock(ctx.state):
        problem = thread_problem(ctx.state, ctx.request.body)
        if problem is not None:
            return problem
        return JsonResponse(public(new_thread(ctx.state, ctx.request.body)))


def retrieve(ctx: Context) -> Response:
    """`GET /v1/threads/{thread_id}`."""
    thread = get_thread(ctx.state, ctx.path_args["thread_id"])
    return thread if isinstance(thread, ApiError) else JsonResponse(public(thread))


def update(ctx: Context) -> Response:
    """`POST /v1/threads/{thread_id}`: metadata and tool resources."""
    with domain_lock(ctx.state):
        thread = get_thread(ctx.state, ctx.path_args["thread_id"])
        if isinstance(thread, ApiError):
            return thread
        body = ctx.request.body
        if "metadata" in body:
            thread["metadata"] = metadata_of(body)
        if "tool_resources" in body:
            thread["tool_resources"] = tool_resources_of(body)
        return JsonResponse(public(thread))


def delete(ctx: Context) -> Response:
    """`DELETE /v1/threads/{thread_id}`: the thread, its messages, runs and run steps."""
    thread_id = ctx.path_args["thread_id"]
    with domain_lock(ctx.state):
        if table(ctx.state, THREADS).pop(thread_id) is None:
            return missing("thread", thread_id)
        for kind in (MESSAGES, RUNS, STEPS):
            rows = table(ctx.state, kind)
            for row in rows.rows(lambda r: r.get("thread_id") == thread_id):
                rows.pop(row["id"])
    return deleted(thread_id, "thread")


def create_message(ctx: Context) -> Response:
    """`POST /v1/threads/{thread_id}/messages`."""
    state = ctx.state
    with domain_lock(state):
        thread = get_thread(state, ctx.path_args["thread_id"])
        if isinstance(thread, ApiError):
            return thread
        running = active_run(state, thread["id"])
        if running is not None:
            return ApiError(400, f"Can't add messages to {thread['id']} while a run {running['id']} is active.")
        problem = file_problem(state, ctx.request.body)
        if problem is not None:
            return problem
        return JsonResponse(public(new_message(state, thread["id"], ctx.request.body)))


def _message(ctx: Context) -> Resource | ApiError:
    thread = get_thread(ctx.state, ctx.path_args["thread_id"])
    if isinstance(thread, ApiError):
        return thread
    message_id = ctx.path_args["message_id"]
    message = table(ctx.state, MESSAGES).get(message_id)
    if message is None or message["thread_id"] != thread["id"]:
        return missing("message", message_id)
    return message


def retrieve_message(ctx: Context) -> Response:
    """`GET /v1/threads/{thread_id}/messages/{message_id}`."""
    message = _message(ctx)
    return message if isinstance(message, ApiError) else JsonResponse(public(message))


def update_message(ctx: Context) -> Response:
    """`POST /v1/threads/{thread_id}/messages/{message_id}`: metadata only."""
    return update_metadata(ctx, _message)


def delete_message(ctx: Context) -> Response:
    """`DELETE /v1/threads/{thread_id}/messages/{message_id}`."""
    with domain_lock(ctx.state):
        message = _message(ctx)
        if isinstance(message, ApiError):
            return message
        table(ctx.state, MESSAGES).pop(message["id"])
    return deleted(message["id"], "thread.message")


def list_messages(ctx: Context) -> Response:
    """`GET /v1/threads/{thread_id}/messages`: newest first unless `order=asc`; `run_id=` filters."""
    thread = get_thread(ctx.state, ctx.path_args["thread_id"])
    if isinstance(thread, ApiError):
        return thread
    rows = thread_messages(ctx.state, thread["id"])
    run_id = ctx.query.get("run_id")
    if run_id:
        rows = [row for row in rows if row.get("run_id") == run_id]
    return listing(rows, ctx)


_THREAD = "/v1/threads/<thread_id>"
_MESSAGES = _THREAD + "/messages"
_MESSAGE = _MESSAGES + "/<message_id>"

ROUTES = [
    Route("POST", "/v1/threads", "beta.threads.create", beta_only(create)),
    Route("GET", _THREAD, "beta.threads.retrieve", beta_only(retrieve), body="none"),
    Route("POST", _THREAD, "beta.threads.update", beta_only(update)),
    Route("DELETE", _THREAD, "beta.threads.delete", beta_only(delete), body="none"),
    Route("POST", _MESSAGES, "beta.threads.messages.create", beta_only(create_message)),
    Route("GET", _MESSAGES, "beta.threads.messages.list", beta_only(list_messages), body="none"),
    Route("GET", _MESSAGE, "beta.threads.messages.retrieve", beta_only(retrieve_message), body="none"),
    Route("POST", _MESSAGE, "beta.threads.messages.update", beta_only(update_message)),
    Route("DELETE", _MESSAGE, "beta.threads.messages.delete", beta_only(delete_message), body="none"),
]
