"""Assistants runs (`/v1/threads/{thread_id}/runs`, `/v1/threads/runs`) and their steps.

A run is answered by the same scripts as chat completions (see
`_runs_engine`): a scripted tool call stops it at `requires_action` until
`submit_tool_outputs`, a message completes it and is added to the thread, a
scripted fault fails it. Create, cancel and submit answer the run as it was
when the request came (`queued`, `cancelling`), as the real API does, and the
run then moves on at once unless the test holds it; the next retrieve sees
where it got to. With `stream: true` the run's events are streamed instead.
"""

from __future__ import annotations

from typing import Any

from .._app.responses import EventStream, JsonResponse, Response
from .._app.state import Context, State
from .._errors import ApiError
from ._assistants_common import (
    ASSISTANTS,
    RUNS,
    STEPS,
    active_run,
    beta_only,
    domain_lock,
    get_thread,
    listing,
    missing,
    public,
    update_metadata,
)
from ._assistants_messages import file_problem, new_message
from ._route import Route
from ._runs_engine import (
    cancel,
    drive,
    hold_policy,
    on_poll,
    refresh,
    submit_outputs,
)
from ._runs_objects import Events, new_run, run_steps
from ._store import Resource, table
from .threads import new_thread, thread_problem

_POLL_AFTER = {"openai-poll-after-ms": "10"}
_CANCELLABLE = ("queued", "in_progress", "requires_action")


def _assistant(state: State, body: Any) -> Resource | ApiError:
    assistant_id = str(body.get("assistant_id"))
    row = table(state, ASSISTANTS).get(assistant_id)
    return row if row is not None else missing("assistant", assistant_id)


def _start(ctx: Context, run: Resource, events: Events) -> Response:
    """Answer a new run: its stream, or the queued run while it moves on."""
    run["_call"] = ctx.call
    events.emit("thread.run.created", run)
    if ctx.request.get("stream") is True:
        events.emit("thread.run.queued", run)
        drive(ctx.state, run, events, ignore_hold=True)
        return EventStream(events.sse())
    answer = public(run)
    policy = hold_policy(ctx.state)
    if policy is not None:
        run["_hold"] = policy
    drive(ctx.state, run, events)
    return JsonResponse(answer)


def create(ctx: Context) -> Response:
    """`POST /v1/threads/{thread_id}/runs`."""
    state, body = ctx.state, ctx.request.body
    with domain_lock(state):
        thread = get_thread(state, ctx.path_args["thread_id"])
        if isinstance(thread, ApiError):
            return thread
        assistant = _assistant(state, body)
        if isinstance(assistant, ApiError):
            return assistant
        running = active_run(state, thread["id"])
        if running is not None:
            return ApiError(400, f"Thread {thread['id']} already has an active run {running['id']}.")
        extra = body.get("additional_messages") or []
        for index, message in enumerate(extra):
            problem = file_problem(state, message, f"additional_messages[{index}].")
            if problem is not None:
                return problem
        for message in extra:
            new_message(state, thread["id"], message)
        return _start(ctx, new_run(state, thread["id"], assistant, body), Events())


def create_and_run(ctx: Context) -> Response:
    """`POST /v1/threads/runs`: a new thread and a run on it."""
    state, body = ctx.state, ctx.request.body
    with domain_lock(state):
        assistant = _assistant(state, body)
        if isinstance(assistant, ApiError):
            return assistant
        thread_body = body.get("thread") or {}
        problem = thread_problem(state, thread_body, "thread.")
        if problem is not None:
            return problem
        thread = new_thread(state, thread_body)
        events = Events()
        events.emit("thread.created", thread)
        return _start(ctx, new_run(state, thread["id"], assistant, body), events)


def _run(ctx: Context) -> Resource | ApiError:
    thread = get_thread(ctx.state, ctx.path_args["thread_id"])
    if isinstance(thread, ApiError):
        return thread
    run_id = ctx.path_args["run_id"]
    run = table(ctx.state, RUNS).get(run_id)
    if run is None or run["thread_id"] != thread["id"]:
        return missing("run", run_id)
    refresh(ctx.state, run)
    return run


def retrieve(ctx: Context) -> Response:
    """`GET /v1/threads/{thread_id}/runs/{run_id}`; a run held for some polls counts this one."""
    with domain_lock(ctx.state):
        run = _run(ctx)
        if isinstance(run, ApiError):
            return run
        on_poll(ctx.state, run)
        held = bool(run["_hold"]) and run["status"] in ("queued", "in_progress", "cancelling")
        return JsonResponse(public(run), headers=_POLL_AFTER if held else {})


def update(ctx: Context) -> Response:
    """`POST /v1/threads/{thread_id}/runs/{run_id}`: metadata only."""
    return update_metadata(ctx, _run)


def list_runs(ctx: Context) -> Response:
    """`GET /v1/threads/{thread_id}/runs`: newest first unless `order=asc`."""
    with domain_lock(ctx.state):
        thread = get_thread(ctx.state, ctx.path_args["thread_id"])
        if isinstance(thread, ApiError):
            return thread
        rows = table(ctx.state, RUNS).rows(lambda r: r["thread_id"] == thread["id"])
        for row in rows:
            refresh(ctx.state, row)
        return listing(rows, ctx)


def cancel_run(ctx: Context) -> Response:
    """`POST …/runs/{run_id}/cancel`: answered `cancelling`; the run is `cancelled` at once unless held."""
    with domain_lock(ctx.state):
        run = _run(ctx)
        if isinstance(run, ApiError):
            return run
        if run["status"] not in _CANCELLABLE:
            return ApiError(400, f"Cannot cancel run with status '{run['status']}'.")
        cancel(ctx.state, run, Events())
        answer = public(run)
        drive(ctx.state, run, Events())
        return JsonResponse(answer)


def submit_tool_outputs(ctx: Context) -> Response:
    """`POST …/runs/{run_id}/submit_tool_outputs`: every call of the waiting step must get its output."""
    state, body = ctx.state, ctx.request.body
    with domain_lock(state):
        run = _run(ctx)
        if isinstance(run, ApiError):
            return run
        if run["status"] != "requires_action":
            return ApiError(400, f'Runs in status "{run["status"]}" do not accept tool outputs.')
        expected = [call["id"] for call in run["required_action"]["submit_tool_outputs"]["tool_calls"]]
        got = [output.get("tool_call_id") for output in body.get("tool_outputs") or []]
        if sorted(set(expected)) != sorted({str(x) for x in got}) or len(got) != len(set(got)):
            return ApiError(400, f"Expected tool outputs for call_ids {expected!r}, got {got!r}")
        outputs = {str(o.get("tool_call_id")): str(o.get("output") or "") for o in body["tool_outputs"]}
        run["_call"] = ctx.call
        events = Events()
        submit_outputs(state, run, outputs, events)
        if body.get("stream") is True:
            drive(state, run, events, ignore_hold=True)
            return EventStream(events.sse())
        answer = public(run)
        if run["_hold"] is None:
            run["_hold"] = hold_policy(state)
        drive(state, run, Events())
        return JsonResponse(answer)


def list_steps(ctx: Context) -> Response:
    """`GET …/runs/{run_id}/steps`: newest first unless `order=asc`."""
    with domain_lock(ctx.state):
        run = _run(ctx)
        if isinstance(run, ApiError):
            return run
        return listing(run_steps(ctx.state, run["id"]), ctx)


def retrieve_step(ctx: Context) -> Response:
    """`GET …/runs/{run_id}/steps/{step_id}`."""
    with domain_lock(ctx.state):
        run = _run(ctx)
        if isinstance(run, ApiError):
            return run
        step_id = ctx.path_args["step_id"]
        step = table(ctx.state, STEPS).get(step_id)
        if step is None or step["run_id"] != run["id"]:
            return missing("step", step_id)
        return JsonResponse(public(step))


def _turn_script(ctx: Context) -> Response | None:
    """Nothing answers these at the HTTP level: their model turns take the scripts (`_runs_engine`)."""
    return None


_RUNS = "/v1/threads/<thread_id>/runs"
_RUN = _RUNS + "/<run_id>"

ROUTES = [
    Route(
        "POST",
        "/v1/threads/runs",
        "beta.threads.create_and_run",
        beta_only(create_and_run),
        script=_turn_script,
        model_turn=True,
    ),
    Route("POST", _RUNS, "beta.threads.runs.create", beta_only(create), script=_turn_script, model_turn=True),
    Route("GET", _RUNS, "beta.threads.runs.list", beta_only(list_runs), body="none"),
    Route("GET", _RUN, "beta.threads.runs.retrieve", beta_only(retrieve), body="none"),
    Route("POST", _RUN, "beta.threads.runs.update", beta_only(update)),
    Route("POST", _RUN + "/cancel", "beta.threads.runs.cancel", beta_only(cancel_run), body="none"),
    Route(
        "POST",
        _RUN + "/submit_tool_outputs",
        "beta.threads.runs.submit_tool_outputs",
        beta_only(submit_tool_outputs),
        script=_turn_script,
        model_turn=True,
    ),
    Route("GET", _RUN + "/steps", "beta.threads.runs.steps.list", beta_only(list_steps), body="none"),
    Route("GET", _RUN + "/steps/<step_id>", "beta.threads.runs.steps.retrieve", beta_only(retrieve_step), body="none"),
]
