"""What `POST /_fakeopenai/reset` does beyond `State.reset()`: keep the cassette, or let the owner restart it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from weakref import WeakKeyDictionary

from .._app.state import State, Tape

ResetHook = Callable[[State, Tape | None], Sequence[str] | None]
"""Called after a reset with the state and the tape it had, to restore what the server started with; returns
what the reset's answer should report (recordings left out of the saved cassette)."""

_HOOKS: WeakKeyDictionary[State, ResetHook] = WeakKeyDictionary()
_LOCK = threading.Lock()


def set_reset_hook(state: State, hook: ResetHook | None) -> None:
    """Run `hook` after each control-API reset of `state` (`fakeopenai serve` reloads its script and cassette)."""
    with _LOCK:
        if hook is None:
            _HOOKS.pop(state, None)
        else:
            _HOOKS[state] = hook


def reset(state: State) -> list[str]:
    """Forget scripts, calls and resources; then restore the server's starting scripts and cassette.

    Without a hook, the cassette in use stays in use: a reset is a clean slate for the
    test, not a change of configuration.
    """
    with _LOCK:
        hook = _HOOKS.get(state)
    tape = state.tape
    state.reset()
    if hook is not None:
        return list(hook(state, tape) or ())
    state.tape = tape
    return []
