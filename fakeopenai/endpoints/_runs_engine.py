"""How a run moves: queued, in progress, a model turn, then `requires_action` or an end.

A model turn sends the conversation (the run's instructions, the thread's
messages, this run's tool calls and their outputs) to the same scripts as chat
completions, under the operation `beta.threads.runs.create`; with none
scripted, chat's simulator answers. A tool call stops the run at
`requires_action`; a message completes it; a scripted fault fails it with
`last_error`, as the real API reports a model error.

Runs move as far as they can at once unless held (`hold`), in which case they
wait for `advance` (or for some retrieves, with `polls`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._app.state import State
from .._app.views import ChatRequest
from .._scripting.script import Fault, Message
from .._simulation.tokens import split_into_chunks
from ._assistants_common import MESSAGES, STEPS
from ._assistants_messages import as_chat_message, text_block, thread_messages
from ._chat_checks import impossible_answer
from ._chat_wire import completion_tokens, prompt_tokens
from ._runs_objects import Events, add_usage, new_step, run_steps
from ._store import Resource, table
from .chat import simulate_turn

TURN_OPERATION = "beta.threads.runs.create"
"""The operation a run's model turns are scripted under."""
TURN_OPERATIONS = frozenset({TURN_OPERATION, "beta.threads.create_and_run", "beta.threads.runs.submit_tool_outputs"})
"""The operations that start or continue a model turn."""

_HOLD_KEY = "runs:hold"
_TURNS_KEY = "runs:turns"
_SERVER_ERROR = "Sorry, something went wrong."
_RATE_LIMITED = "Rate limit reached for requests. Please try again in 1s."
_LAST_ERROR_CODES = ("server_error", "rate_limit_exceeded", "invalid_prompt")


class RunTurn(ChatRequest):
    """The conversation one model turn of a run sends the model, as a chat request view.

    Script matchers (`user_message=`, `tool=`, `model=`, `when=`) see this view;
    `thread_id`, `run_id` and `assistant_id` say which run it belongs to.
    """

    __slots__ = ("assistant_id", "run_id", "thread_id")

    def __init__(self, body: Any, *, thread_id: str = "", run_id: str = "", assistant_id: str = "") -> None:
        super().__init__(body)
        self.thread_id = thread_id
        self.run_id = run_id
        self.assistant_id = assistant_id


def hold_policy(state: State) -> dict[str, Any] | None:
    """How new runs are held now (`{"polls": n or None}`), or None when they move at once."""
    policy = state.resources.get(_HOLD_KEY)
    return dict(policy) if isinstance(policy, dict) else None


def set_hold_policy(state: State, policy: dict[str, Any] | None) -> None:
    """Hold new runs (or stop holding them, with None)."""
    if policy is None:
        state.resources.pop(_HOLD_KEY, None)
    else:
        state.resources[_HOLD_KEY] = policy


def turns(state: State) -> list[RunTurn]:
    """Every model turn taken by runs so far, oldest first."""
    return list(state.resources.get(_TURNS_KEY) or [])


def build_turn(state: State, run: Resource) -> RunTurn:
    """The chat request a model turn of this run amounts to.

    A forcing `tool_choice` (`required`, or a named function) applies to the
    run's first turn; once tool outputs came back the model may answer in text.
    """
    messages: list[dict[str, Any]] = []
    if run["instructions"]:
        messages.append({"role": "system", "content": run["instructions"]})
    messages += [as_chat_message(m) for m in thread_messages(state, run["thread_id"]) if m["status"] != "in_progress"]
    messages += run["_tool_turns"]
    body: dict[str, Any] = {"model": run["model"], "messages": messages}
    functions = [tool for tool in run["tools"] if tool.get("type") == "function"]
    if functions:
        body["tools"] = functions
    choice = run["tool_choice"] if not run["_tool_turns"] else "auto"
    if isinstance(choice, Mapping):
        body["tool_choice"] = dict(choice) if choice.get("type") == "function" else "none"
    elif choice != "auto":
        body["tool_choice"] = choice
    if isinstance(run["response_format"], Mapping):
        body["response_format"] = run["response_format"]
    for key in ("max_completion_tokens", "temperature", "top_p"):
        if run.get(key) is not None:
            body[key] = run[key]
    return RunTurn(body, thread_id=run["thread_id"], run_id=run["id"], assistant_id=run["assistant_id"])


def refresh(state: State, run: Resource) -> None:
    """Expire a run whose `expires_at` has passed, as the API does when it is next read."""
    if run["status"] in ("queued", "in_progress", "requires_action") and run["expires_at"] is not None:
        if state.now() >= run["expires_at"]:
            expire(state, run, Events())


def on_poll(state: State, run: Resource) -> None:
    """A retrieve of a run held for some polls: count it, and move the run one step when they are used up."""
    hold = run["_hold"]
    if not hold or hold.get("polls") is None:
        return
    hold["left"] = hold.get("left", hold["polls"]) - 1
    if hold["left"] <= 0:
        hold["left"] = hold["polls"]
        step(state, run, Events())


def drive(state: State, run: Resource, events: Events, *, ignore_hold: bool = False) -> None:
    """Move the run until it waits for something: tool outputs, an end, or (when held) the test."""
    while run["status"] in ("queued", "in_progress", "cancelling"):
        if run["_hold"] and not ignore_hold:
            return
        step(state, run, events)


def step(state: State, run: Resource, events: Events) -> bool:
    """Move the run one step; False if it cannot move by itself."""
    status = run["status"]
    if status == "queued":
        run["status"] = "in_progress"
        run["started_at"] = state.now()
        events.emit("thread.run.in_progress", run)
    elif status == "in_progress":
        _model_turn(state, run, events)
    elif status == "cancelling":
        _finish(state, run, "cancelled", "cancelled_at", events)
    else:
        return False
    return True


def _take_answer(state: State, run: Resource) -> tuple[RunTurn, Message | Fault]:
    view = build_turn(state, run)
    state.resources.setdefault(_TURNS_KEY, []).append(view)
    entry = state.scripts.take(TURN_OPERATION, view, model_turn=True)
    if entry is None:
        seed = json.dumps(view.body, sort_keys=True)
        return view, simulate_turn(view, seed)
    call = run["_call"]
    if call is not None:
        call.answered_by = "script"
        if isinstance(entry.answer, Message):
            call.notes += [f"{entry.origin}: {why}" for why in impossible_answer(view, entry.answer)]
    return view, entry.answer


def _model_turn(state: State, run: Resource, events: Events) -> None:
    view, answer = _take_answer(state, run)
    if isinstance(answer, Fault):
        code = answer.code if answer.code in _LAST_ERROR_CODES else None
        code = code or ("rate_limit_exceeded" if answer.status == 429 else "server_error")
        default = _RATE_LIMITED if code == "rate_limit_exceeded" else _SERVER_ERROR
        fail(state, run, code, answer.message or default, events)
        return
    prompt = prompt_tokens(view)
    completion = completion_tokens(answer)
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    add_usage(run["_usage"], usage)
    if answer.tool_calls:
        _call_tools(state, run, answer, usage, events)
    else:
        _write_message(state, run, answer, usage, events)


def _call_tools(state: State, run: Resource, answer: Message, usage: dict[str, int], events: Events) -> None:
    step_row = new_step(state, run, {"type": "tool_calls", "tool_calls": []})
    step_row["_usage"] = usage
    events.emit("thread.run.step.created", step_row)
    events.emit("thread.run.step.in_progress", step_row)
    calls: list[dict[str, Any]] = []
    for index, call in enumerate(answer.tool_calls):
        call_id = call.id or state.new_id("call_", call.name, 24)
        arguments = call.arguments_json()
        calls.append({"id": call_id, "type": "function", "function": {"name": call.name, "arguments": arguments}})
        function = {"name": call.name, "arguments": "", "output": None}
        header = {"index": index, "id": call_id, "type": "function", "function": function}
        events.emit_raw("thread.run.step.delta", _step_delta(step_row["id"], header))
        for piece in split_into_chunks(arguments):
            fragment = {"index": index, "type": "function", "function": {"arguments": piece}}
            events.emit_raw("thread.run.step.delta", _step_delta(step_row["id"], fragment))
    step_row["step_details"]["tool_calls"] = [
        {"id": c["id"], "type": "function", "function": {**c["function"], "output": None}} for c in calls
    ]
    run["_tool_step"] = step_row["id"]
    run["status"] = "requires_action"
    run["required_action"] = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": calls}}
    events.emit("thread.run.requires_action", run)


def _step_delta(step_id: str, tool_call: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": step_id,
        "object": "thread.run.step.delta",
        "delta": {"step_details": {"type": "tool_calls", "tool_calls": [tool_call]}},
    }


def _write_message(state: State, run: Resource, answer: Message, usage: dict[str, int], events: Events) -> None:
    now = state.now()
    message: Resource = {
        "id": state.new_id("msg_", run["id"], 24),
        "object": "thread.message",
        "created_at": now,
        "thread_id": run["thread_id"],
        "status": "in_progress",
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
        "role": "assistant",
        "content": [],
        "assistant_id": run["assistant_id"],
        "run_id": run["id"],
        "attachments": [],
        "metadata": {},
    }
    step_row = new_step(state, run, {"type": "message_creation", "message_creation": {"message_id": message["id"]}})
    events.emit("thread.run.step.created", step_row)
    events.emit("thread.run.step.in_progress", step_row)
    table(state, MESSAGES).put(message)
    events.emit("thread.message.created", message)
    events.emit("thread.message.in_progress", message)
    _emit_deltas(message["id"], answer, events)
    if answer.refusal is not None:
        message["content"] = [{"type": "refusal", "refusal": answer.refusal}]
    else:
        message["content"] = [text_block(answer.content or "")]
    finish = answer.resolved_finish_reason
    if finish in ("length", "content_filter"):
        message["status"] = "incomplete"
        message["incomplete_at"] = now
        message["incomplete_details"] = {"reason": "max_tokens" if finish == "length" else "content_filter"}
        events.emit("thread.message.incomplete", message)
    else:
        message["status"] = "completed"
        message["completed_at"] = now
        events.emit("thread.message.completed", message)
    step_row["status"] = "completed"
    step_row["completed_at"] = now
    step_row["usage"] = usage
    events.emit("thread.run.step.completed", step_row)
    if finish == "length":
        run["incomplete_details"] = {"reason": "max_completion_tokens"}
        _finish(state, run, "incomplete", None, events)
    else:
        _finish(state, run, "completed", "completed_at", events)


def _emit_deltas(message_id: str, answer: Message, events: Events) -> None:
    if answer.refusal is not None:
        pieces = split_into_chunks(answer.refusal)
        blocks = [{"index": 0, "type": "refusal", "refusal": piece} for piece in pieces]
    else:
        pieces = list(answer.chunks) if answer.chunks is not None else split_into_chunks(answer.content or "")
        blocks = [
            {"index": 0, "type": "text", "text": {"value": piece, "annotations": []} if n == 0 else {"value": piece}}
            for n, piece in enumerate(pieces)
        ]
    for block in blocks:
        events.emit_raw(
            "thread.message.delta",
            {"id": message_id, "object": "thread.message.delta", "delta": {"content": [block]}},
        )


def submit_outputs(state: State, run: Resource, outputs: dict[str, str], events: Events) -> None:
    """Complete the waiting tool-calls step with these outputs, and queue the run again."""
    step_row = table(state, STEPS).get(run["_tool_step"] or "")
    calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    if step_row is not None:
        for call in step_row["step_details"]["tool_calls"]:
            call["function"]["output"] = outputs.get(call["id"])
        step_row["status"] = "completed"
        step_row["completed_at"] = state.now()
        step_row["usage"] = step_row.pop("_usage", None)
        events.emit("thread.run.step.completed", step_row)
    run["_tool_turns"] = [
        *run["_tool_turns"],
        {"role": "assistant", "content": None, "tool_calls": calls},
        *({"role": "tool", "tool_call_id": c["id"], "content": outputs.get(c["id"], "")} for c in calls),
    ]
    run["_tool_step"] = None
    run["required_action"] = None
    run["status"] = "queued"
    events.emit("thread.run.queued", run)


def cancel(state: State, run: Resource, events: Events) -> None:
    """Start cancelling the run (`cancelling`); it ends `cancelled` when it next moves."""
    run["status"] = "cancelling"
    run["required_action"] = None
    events.emit("thread.run.cancelling", run)


def expire(state: State, run: Resource, events: Events) -> None:
    """End the run as `expired`, its unfinished steps too."""
    run["required_action"] = None
    _close_steps(state, run, "expired", "expired_at")
    run["status"] = "expired"
    events.emit("thread.run.expired", run)


def fail(state: State, run: Resource, code: str, message: str, events: Events) -> None:
    """End the run as `failed`, with `last_error`."""
    run["last_error"] = {"code": code, "message": message}
    run["required_action"] = None
    _close_steps(state, run, "failed", "failed_at", last_error=run["last_error"])
    _finish(state, run, "failed", "failed_at", events)


def _close_steps(state: State, run: Resource, status: str, stamp: str, last_error: Any = None) -> None:
    for row in run_steps(state, run["id"]):
        if row["status"] == "in_progress":
            row["status"] = status
            row[stamp] = state.now()
            if last_error is not None:
                code = last_error["code"] if last_error["code"] == "rate_limit_exceeded" else "server_error"
                row["last_error"] = {"code": code, "message": last_error["message"]}


def _finish(state: State, run: Resource, status: str, stamp: str | None, events: Events) -> None:
    if status == "cancelled":
        _close_steps(state, run, "cancelled", "cancelled_at")
    run["status"] = status
    if stamp is not None:
        run[stamp] = state.now()
    run["expires_at"] = None
    run["usage"] = dict(run["_usage"])
    events.emit(f"thread.run.{status}", run)
