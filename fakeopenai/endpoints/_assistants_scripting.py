"""`fake.assistants` and `fake.threads`: seed and read the stored assistants, threads and messages.

`add(...)` makes "an assistant (or thread) with id X" exist, as if the code
under test had created it earlier; `get`, `all` and `messages` read what it
stored. Both are also `Scripting` namespaces: `respond_with_error(...)` answers
their endpoints with an HTTP error, and `calls` lists the requests made to them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._app.state import State
from .._app.views import RequestView
from .._errors import ConfigurationError
from .._scripting.vocabulary import Scripting
from .._validation.bodies import validate_body
from . import assistants, threads
from ._assistants_common import ASSISTANTS, THREADS, domain_lock, public
from ._assistants_messages import file_problem, new_message, thread_messages
from ._store import table


def _checked(operation: str, what: str, body: Mapping[str, Any]) -> None:
    problems = validate_body(operation, dict(body))
    if problems:
        first = problems[0]
        raise ConfigurationError(f"Cannot seed this {what}: {first.message} (at {first.json_path})")


class AssistantsScripting(Scripting[RequestView]):
    """The Assistants endpoints: stored assistants, scripted errors, and the calls made."""

    def __init__(self, state: State) -> None:
        super().__init__(state, frozenset(route.operation for route in assistants.ROUTES))

    def add(self, *, id: str | None = None, model: str = "gpt-4o", **fields: Any) -> dict[str, Any]:  # noqa: A002
        """Store an assistant as `assistants.create` would (fields as its parameters); returns it.

        Give `id` (e.g. `"asst_abc123"`) to make the assistant the code under test expects exist.
        """
        body = {"model": model, **fields}
        _checked("beta.assistants.create", "assistant", body)
        return public(assistants.new_assistant(self._state, body, id))

    def get(self, assistant_id: str) -> dict[str, Any] | None:
        """The stored assistant with this id, or None."""
        row = table(self._state, ASSISTANTS).get(assistant_id)
        return None if row is None else public(row)

    def all(self) -> list[dict[str, Any]]:
        """The stored assistants, oldest first."""
        return [public(row) for row in table(self._state, ASSISTANTS).rows()]


class ThreadsScripting(Scripting[RequestView]):
    """The Threads and Messages endpoints: stored threads and messages, scripted errors, and the calls made."""

    def __init__(self, state: State) -> None:
        super().__init__(state, frozenset(route.operation for route in threads.ROUTES))

    def add(
        self,
        messages: Sequence[Mapping[str, Any]] = (),
        *,
        id: str | None = None,  # noqa: A002
        metadata: Mapping[str, str] | None = None,
        tool_resources: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a thread (with its messages, as `threads.create` takes them); returns it.

        Give `id` (e.g. `"thread_abc123"`) to make the thread the code under test expects exist.
        """
        body: dict[str, Any] = {"messages": [dict(m) for m in messages]}
        if metadata is not None:
            body["metadata"] = dict(metadata)
        if tool_resources is not None:
            body["tool_resources"] = dict(tool_resources)
        _checked("beta.threads.create", "thread", body)
        with domain_lock(self._state):
            problem = threads.thread_problem(self._state, body)
            if problem is not None:
                raise ConfigurationError(f"Cannot seed this thread: {problem.message}")
            return public(threads.new_thread(self._state, body, id))

    def add_message(self, thread_id: str, content: Any, *, role: str = "user", **fields: Any) -> dict[str, Any]:
        """Append a message to a stored thread (no active-run check); returns it."""
        body = {"role": role, "content": content, **fields}
        _checked("beta.threads.messages.create", "message", body)
        with domain_lock(self._state):
            if table(self._state, THREADS).get(thread_id) is None:
                raise ConfigurationError(f"No thread with id {thread_id!r} is stored; the threads are: {self._ids()}.")
            problem = file_problem(self._state, body)
            if problem is not None:
                raise ConfigurationError(f"Cannot add this message: {problem.message}")
            return public(new_message(self._state, thread_id, body))

    def get(self, thread_id: str) -> dict[str, Any] | None:
        """The stored thread with this id, or None."""
        row = table(self._state, THREADS).get(thread_id)
        return None if row is None else public(row)

    def all(self) -> list[dict[str, Any]]:
        """The stored threads, oldest first."""
        return [public(row) for row in table(self._state, THREADS).rows()]

    def messages(self, thread_id: str) -> list[dict[str, Any]]:
        """The messages of a stored thread, oldest first (the API lists them newest first)."""
        if table(self._state, THREADS).get(thread_id) is None:
            raise ConfigurationError(f"No thread with id {thread_id!r} is stored; the threads are: {self._ids()}.")
        return [public(row) for row in thread_messages(self._state, thread_id)]

    def texts(self, thread_id: str) -> list[tuple[str, str]]:
        """`(role, text)` of each message of a stored thread, oldest first: the conversation at a glance."""
        return [
            (m["role"], "".join(b["text"]["value"] for b in m["content"] if b["type"] == "text"))
            for m in self.messages(thread_id)
        ]

    def _ids(self) -> str:
        return ", ".join(row["id"] for row in table(self._state, THREADS).rows()) or "none"
