"""The Responses API's scripting verbs: failures, and the pace of background responses."""

from __future__ import annotations

from dataclasses import dataclass

from typing_extensions import Unpack

from .._app.state import State
from .._scripting.script import Answer, Fault, Message, ToolCall, as_answer
from .._scripting.vocabulary import Scripting, ScriptOptions
from ._responses_request import ResponsesRequest
from ._responses_store import response_store

CREATE = "responses.create"


@dataclass(frozen=True)
class ResponseFailure(Fault):
    """A response that fails while the model works on it.

    A stream ends with `response.failed` and a background response finishes
    with `status: "failed"`, both carrying `error: {code, message}`; a plain
    request gets the HTTP 500 a server error gives.
    """

    status: int = 500
    message: str | None = "The server had an error while processing your request. Sorry about that!"
    code: str | None = "server_error"


class ResponsesScripting(Scripting[ResponsesRequest]):
    """Script the Responses API (`POST /v1/responses` and its stored responses) and read its calls.

    Messages and tool calls answer `POST /v1/responses`; errors answer any of its operations.
    """

    def __init__(self, state: State, operations: frozenset[str] | None) -> None:
        super().__init__(state, operations)
        self._create = Scripting[ResponsesRequest](state, frozenset({CREATE}))

    def respond_with(self, *answers: Answer | str | ToolCall, **options: Unpack[ScriptOptions]) -> None:
        """Queue answers, one per matching request, in order (see `Scripting.respond_with`)."""
        if not answers:
            raise TypeError("respond_with() needs at least one answer.")
        for answer in answers:
            resolved = as_answer(answer)
            if isinstance(resolved, Message):
                self._create.respond_with(resolved, **options)
            else:
                super().respond_with(resolved, **options)

    def respond_with_failure(
        self,
        message: str = "The server had an error while processing your request. Sorry about that!",
        *,
        code: str = "server_error",
        **options: Unpack[ScriptOptions],
    ) -> None:
        """Answer with a response that fails (`response.failed` in a stream, `status: "failed"` in the background)."""
        self._create.respond_with(ResponseFailure(message=message, code=code), **options)

    def hold_background(self, polls: int | None = None) -> None:
        """Keep background responses running for `polls` retrieves each (None: until `complete_background`).

        By default a background response starts `queued` and the first
        retrieve finds it done.
        """
        if polls is not None and polls < 0:
            raise ValueError("polls must be at least 0.")
        response_store(self._state).set_hold(polls)

    def complete_background(self, response_id: str | None = None) -> None:
        """Finish a running background response now (every running one when no id is given)."""
        response_store(self._state).finish(response_id)
