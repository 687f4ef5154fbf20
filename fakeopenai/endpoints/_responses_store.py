"""Stored responses: what `previous_response_id`, retrieve, cancel and input items read, and background runs."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._app.state import State
from .._errors import ConfigurationError
from ._responses_request import item_type
from ._responses_stream import in_flight
from ._responses_wire import Rendered, hex_id

_KEY = "responses"
_RUNNING = ("queued", "in_progress")
_ID_PREFIXES = {"message": "msg_", "function_call": "fc_", "function_call_output": "fco_", "reasoning": "rs_"}


@dataclass
class StoredResponse:
    """A response the API keeps: its finished form, its input items, and where a background run stands."""

    rendered: Rendered
    items: list[dict[str, Any]]
    """Its input items with their ids: those carried over from `previous_response_id`, then those sent."""
    background: bool
    status: str
    """What a retrieve shows now: `queued` or `in_progress` while a background run goes on, else its final status."""
    polls_left: int | None = 0
    """Retrieves a background run still answers `in_progress` to; None until the test completes it."""

    @property
    def id(self) -> str:
        """The response's id."""
        return str(self.rendered.body["id"])

    @property
    def running(self) -> bool:
        """Whether it is a background run not finished yet."""
        return self.status in _RUNNING

    def visible(self) -> dict[str, Any]:
        """The `response` object as a retrieve shows it now."""
        if self.status == self.rendered.body["status"]:
            return self.rendered.body
        return in_flight(self.rendered.body, self.status)

    def conversation(self) -> list[dict[str, Any]]:
        """What a response continuing this one carries over: its input items, then its output."""
        return [*self.items, *self.rendered.body["output"]]


class ResponseStore:
    """The stored responses of one server, and how long background runs last; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._responses: dict[str, StoredResponse] = {}
        self.hold: int | None = 0
        """Retrieves a new background run answers `in_progress` to before it finishes; None until completed."""

    def put(self, response: StoredResponse) -> None:
        """Keep a response (a background one starts its run)."""
        with self._lock:
            if response.running:
                response.polls_left = self.hold
            self._responses[response.id] = response

    def get(self, response_id: str) -> StoredResponse | None:
        """The stored response with this id, or None."""
        with self._lock:
            return self._responses.get(response_id)

    def pop(self, response_id: str) -> StoredResponse | None:
        """Forget a response; the one forgotten, or None."""
        with self._lock:
            return self._responses.pop(response_id, None)

    def item(self, item_id: str) -> dict[str, Any] | None:
        """A stored input or output item, by id (for `item_reference` inputs)."""
        with self._lock:
            responses = list(self._responses.values())
        for response in responses:
            for item in response.conversation():
                if item.get("id") == item_id:
                    return item
        return None

    def poll(self, response_id: str) -> dict[str, Any] | None:
        """A retrieve: a background run moves on one step (and may finish); the response as it is now."""
        with self._lock:
            response = self._responses.get(response_id)
            if response is None:
                return None
            if response.running:
                if response.polls_left is not None and response.polls_left <= 0:
                    response.status = response.rendered.body["status"]
                else:
                    response.status = "in_progress"
                    if response.polls_left is not None:
                        response.polls_left -= 1
            return response.visible()

    def finish(self, response_id: str | None = None, *, strict: bool = True) -> None:
        """Finish one background run now (or every running one).

        With `strict`, naming a response that is not running is a mistake of the test.
        """
        with self._lock:
            if response_id is None:
                targets = [r for r in self._responses.values() if r.running]
            else:
                response = self._responses.get(response_id)
                if strict and (response is None or not response.running):
                    raise ConfigurationError(f"No background response {response_id!r} is running.")
                targets = [response] if response is not None and response.running else []
            for target in targets:
                target.status = target.rendered.body["status"]

    def set_hold(self, polls: int | None) -> None:
        """How many retrieves background runs (running ones too) answer `in_progress` to before they finish."""
        with self._lock:
            self.hold = polls
            for response in self._responses.values():
                if response.running:
                    response.polls_left = polls

    def cancel(self, response_id: str) -> dict[str, Any] | None:
        """Cancel a running background response; the response as it is now (a finished one is left as it is)."""
        with self._lock:
            response = self._responses.get(response_id)
            if response is None:
                return None
            if response.running:
                response.status = "cancelled"
            return response.visible()


_CREATE_LOCK = threading.Lock()


def response_store(state: State) -> ResponseStore:
    """The response store of `state`, created on first use (and gone after a reset)."""
    with _CREATE_LOCK:
        store = state.resources.get(_KEY)
        if not isinstance(store, ResponseStore):
            store = state.resources[_KEY] = ResponseStore()
        return store


def stored_items(state: State, items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Input items as the API keeps and lists them: typed, with ids, message content as parts."""
    return [_stored_item(state, item) for item in items]


def _stored_item(state: State, item: Mapping[str, Any]) -> dict[str, Any]:
    kind = item_type(item) or "message"
    stored: dict[str, Any] = {"id": item.get("id") or hex_id(state, _ID_PREFIXES.get(kind, "item_"), kind)}
    if kind == "message":
        role = item.get("role")
        content = item.get("content")
        if isinstance(content, str):
            content = [{"type": "output_text" if role == "assistant" else "input_text", "text": content}]
        elif not isinstance(content, list):
            content = []
        if role == "assistant":
            content = [{"annotations": [], **part} if part.get("type") == "output_text" else part for part in content]
        stored.update(type="message", role=role, content=content, status=item.get("status") or "completed")
        return stored
    stored.update({key: value for key, value in item.items() if key != "id"})
    if kind in ("function_call", "function_call_output"):
        stored["status"] = item.get("status") or "completed"
    return stored
