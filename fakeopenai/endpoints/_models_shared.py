"""Small pieces the models, completions, embeddings and moderations endpoints share."""

from __future__ import annotations

from .._app.responses import Response
from .._app.state import Context
from .._errors import ConfigurationError
from .._scripting.script import Fault
from .._validation.bodies import Problem


def scripted_fault(ctx: Context) -> Response | None:
    """A scripted error for this request, for endpoints whose answers are not model turns."""
    entry = ctx.state.scripts.take(ctx.operation, ctx.request, model_turn=False)
    if entry is None:
        return None
    if not isinstance(entry.answer, Fault):
        raise ConfigurationError(
            f"{entry.describe()} cannot answer {ctx.operation}: only errors can be scripted for it."
        )
    return entry.answer.to_error()


def problem(message: str, param: str | None = None, code: str | None = None, *, at: str | None = None) -> Problem:
    """A `Problem` whose JSON path is `at`, else follows its `param`."""
    json_path = at or ("$" if param is None else "$." + param.replace(".[", "["))
    return Problem(message=message, param=param, code=code, json_path=json_path)
