"""The objects a run writes (the run, its steps, the assistant message) and the stream events it emits."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .._app.responses import SseEvent, compact_json
from .._app.state import State
from ._assistants_common import RUNS, STEPS, normalize_tools, public
from ._store import Resource, table

RUN_LIFETIME = 600
"""Seconds a run may wait (e.g. for tool outputs) before it expires, as the real API allows."""

DEFAULT_TRUNCATION = {"type": "auto", "last_messages": None}


def zero_usage() -> dict[str, int]:
    """A usage object with nothing counted."""
    return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


def new_run(state: State, thread_id: str, assistant: Mapping[str, Any], body: Mapping[str, Any]) -> Resource:
    """A queued run of `assistant` on a thread, its settings taken from the body, else from the assistant."""

    def setting(key: str, default: Any) -> Any:
        if body.get(key) is not None:
            return body[key]
        value = assistant.get(key)
        return default if value is None else value

    instructions = setting("instructions", "")
    extra = body.get("additional_instructions")
    if isinstance(extra, str) and extra:
        instructions = f"{instructions}\n\n{extra}" if instructions else extra
    now = state.now()
    run: Resource = {
        "id": state.new_id("run_", thread_id, 24),
        "object": "thread.run",
        "created_at": now,
        "assistant_id": assistant["id"],
        "thread_id": thread_id,
        "status": "queued",
        "started_at": None,
        "expires_at": now + RUN_LIFETIME,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "required_action": None,
        "last_error": None,
        "model": setting("model", "gpt-4o"),
        "instructions": instructions,
        "tools": normalize_tools(body["tools"])
        if body.get("tools") is not None
        else list(assistant.get("tools") or []),
        "metadata": dict(body.get("metadata") or {}),
        "temperature": setting("temperature", 1.0),
        "top_p": setting("top_p", 1.0),
        "max_completion_tokens": body.get("max_completion_tokens"),
        "max_prompt_tokens": body.get("max_prompt_tokens"),
        "truncation_strategy": body.get("truncation_strategy") or dict(DEFAULT_TRUNCATION),
        "incomplete_details": None,
        "usage": None,
        "response_format": setting("response_format", "auto"),
        "tool_choice": body.get("tool_choice") if body.get("tool_choice") is not None else "auto",
        "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
        "_tool_turns": [],
        "_usage": zero_usage(),
        "_hold": None,
        "_call": None,
        "_tool_step": None,
    }
    return table(state, RUNS).put(run)


def new_step(state: State, run: Resource, details: dict[str, Any]) -> Resource:
    """An in-progress step of a run (`message_creation` or `tool_calls`), stored."""
    step: Resource = {
        "id": state.new_id("step_", run["id"], 24),
        "object": "thread.run.step",
        "created_at": state.now(),
        "run_id": run["id"],
        "assistant_id": run["assistant_id"],
        "thread_id": run["thread_id"],
        "type": details["type"],
        "status": "in_progress",
        "cancelled_at": None,
        "completed_at": None,
        "expired_at": None,
        "failed_at": None,
        "last_error": None,
        "step_details": details,
        "usage": None,
        "metadata": {},
    }
    return table(state, STEPS).put(step)


def run_steps(state: State, run_id: str) -> list[Resource]:
    """The steps of a run, oldest first."""
    return table(state, STEPS).rows(lambda s: s["run_id"] == run_id)


def add_usage(total: dict[str, int], usage: Mapping[str, int]) -> None:
    """Add one turn's usage to a running total."""
    for key in total:
        total[key] += usage[key]


class Events:
    """The stream events a run emits while it moves, with the objects as they were at that moment."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []

    def emit(self, name: str, row: Resource) -> None:
        """An event whose data is a snapshot of a stored object."""
        self.items.append((name, public(row)))

    def emit_raw(self, name: str, data: dict[str, Any]) -> None:
        """An event whose data is given as is (deltas)."""
        self.items.append((name, data))

    def sse(self) -> Iterator[SseEvent]:
        """The events on the wire, ending with `done`."""
        for name, data in self.items:
            yield SseEvent(compact_json(data), event=name)
        yield SseEvent("[DONE]", event="done")
