"""How an endpoint declares itself to the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .._app.responses import Response
from .._app.state import Context
from .._app.views import RequestView
from .._validation.bodies import Problem

BodyKind = Literal["json", "multipart", "none"]


@dataclass(frozen=True)
class Route:
    """One operation: where it lives, how to read its body, and who answers it."""

    method: str
    rule: str
    """A URL rule in werkzeug's syntax, e.g. `/v1/files/<file_id>` (what it matches: `fakeopenai._app.routing`)."""
    operation: str
    """The SDK-style name, e.g. `chat.completions.create`; also names its request schema."""
    simulate: Callable[[Context], Response]
    """The deterministic default answer."""
    script: Callable[[Context], Response | None] | None = None
    """The scripted answer, if a script matches; when None, only scripted faults (errors) apply."""
    check: Callable[[RequestView], list[Problem]] | None = None
    """The semantic checks the real API makes beyond the schema."""
    view: type[RequestView] = RequestView
    body: BodyKind = "json"
    auth: bool = True
    """Whether the route needs an `Authorization` header (False only for the fake's own asset URLs)."""
    logged: bool = True
    """Whether its calls go in the request log (False for the fake's own control and asset routes)."""
    model_turn: bool = False
    """Whether it generates a model turn, so answers scripted on the fake itself apply to it."""
