"""When long-running resources (batches, fine-tuning jobs) finish on their own, as a test chooses.

A new resource remembers the policy in force when it was created: finish at
once, on its N-th retrieve, or only when the test moves it. A test that moves a
resource itself (`advance`, `fail`, …) takes it out of automatic progress.
"""

from __future__ import annotations

from .._app.state import State
from .._app.views import RequestView
from .._errors import ConfigurationError
from .._scripting.vocabulary import Scripting
from ._store import Resource

DEFAULT_ON_RETRIEVE = 1
_RETRIEVES = "_retrieves"
_FINISH_ON = "_finish_on"


def _key(kind: str) -> str:
    return f"autopilot:{kind}"


def set_policy(state: State, kind: str, on_retrieve: int | None) -> None:
    """New resources of `kind` finish on their `on_retrieve`-th retrieve (0: at once; None: never by themselves)."""
    if on_retrieve is not None and on_retrieve < 0:
        raise ConfigurationError("on_retrieve must be 0 (at once) or more.")
    state.resources[_key(kind)] = on_retrieve


def stamp(state: State, kind: str, row: Resource) -> None:
    """Give a new resource the policy in force now."""
    row[_FINISH_ON] = state.resources.get(_key(kind), DEFAULT_ON_RETRIEVE)
    row[_RETRIEVES] = 0


def finishes_at_once(row: Resource) -> bool:
    """Whether the resource finishes as soon as it is created."""
    return row.get(_FINISH_ON) == 0


def count_retrieve(row: Resource) -> bool:
    """Count one retrieve of the resource; whether it is now due to finish."""
    row[_RETRIEVES] = row.get(_RETRIEVES, 0) + 1
    finish_on = row.get(_FINISH_ON)
    return finish_on is not None and row[_RETRIEVES] >= finish_on


def take_over(row: Resource) -> None:
    """The test moves this resource from now on: it no longer finishes by itself."""
    row[_FINISH_ON] = None


class ProgressVerbs(Scripting[RequestView]):
    """How resources created from now on move through their statuses (batches, fine-tuning jobs)."""

    _kind: str

    def complete_at_once(self) -> None:
        """New ones finish as soon as they are created (the create answer still shows the first status)."""
        set_policy(self._state, self._kind, 0)

    def complete_on_retrieve(self, n: int = 1) -> None:
        """New ones finish on their `n`-th retrieve (the default, with n=1)."""
        if n < 1:
            raise ConfigurationError("complete_on_retrieve(n) needs n >= 1; use complete_at_once() for n=0.")
        set_policy(self._state, self._kind, n)

    def manual(self) -> None:
        """New ones move only when the test moves them."""
        set_policy(self._state, self._kind, None)
