"""The control API under `/_fakeopenai/`: script answers, read the request log and reset, over HTTP.

For tests in other languages, driving `fakeopenai serve`::

    POST /_fakeopenai/scripts   one entry, or {"scripts": [entries]}: the script-file vocabulary
    GET  /_fakeopenai/scripts   the registered scripts and how often each was used
    GET  /_fakeopenai/calls     the request log: method, path, operation, body, status, response, …
    POST /_fakeopenai/reset     forget scripts, calls and resources (the server's --script comes back)
    GET  /_fakeopenai/report    what went wrong so far, as the teardown report text, or null
    GET  /_fakeopenai/health    {"status": "ok"}

These routes stay out of the request log. They need the app's control token if it
has one (`fakeopenai serve` beyond loopback), else its API key if one is set;
`/health` needs neither (see `App._authenticate_control`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._app.report import build_report
from .._app.responses import JsonResponse, Response
from .._app.state import Context
from .._errors import ApiError
from .._scripting.files import ScriptFileError, parse_scripts, register
from ._control_json import call_json, script_json
from ._control_reset import reset
from ._route import BodyKind, Route

PREFIX = "/_fakeopenai"


def _add_scripts(ctx: Context) -> Response:
    body: Any = ctx.request.body
    try:
        entries = parse_scripts(body, origin=f"POST {PREFIX}/scripts")
    except ScriptFileError as error:
        return ApiError(400, str(error), param=error.param, code="invalid_script")
    register(entries, ctx.state)
    return JsonResponse({"added": len(entries), "scripts": [script_json(e) for e in ctx.state.scripts.entries()]})


def _list_scripts(ctx: Context) -> Response:
    return JsonResponse({"object": "list", "data": [script_json(e) for e in ctx.state.scripts.entries()]})


def _calls(ctx: Context) -> Response:
    return JsonResponse({"object": "list", "data": [call_json(call) for call in ctx.state.journal.all()]})


def _reset(ctx: Context) -> Response:
    left_out = reset(ctx.state)
    return JsonResponse({"reset": True, "left_out": left_out} if left_out else {"reset": True})


def _report(ctx: Context) -> Response:
    return JsonResponse({"report": build_report(ctx.state)})


def _health(ctx: Context) -> Response:
    return JsonResponse({"status": "ok"})


def _control(
    method: str, path: str, name: str, handler: Callable[[Context], Response], body: BodyKind = "none"
) -> Route:
    # The handler is the route's script too, so no script, cassette or simulator ever answers instead.
    return Route(
        method,
        PREFIX + path,
        f"fakeopenai.control.{name}",
        handler,
        script=handler,
        body=body,
        auth=False,
        logged=False,
    )


ROUTES = [
    _control("POST", "/scripts", "scripts.create", _add_scripts, body="json"),
    _control("GET", "/scripts", "scripts.list", _list_scripts),
    _control("GET", "/calls", "calls.list", _calls),
    _control("POST", "/reset", "reset", _reset),
    _control("GET", "/report", "report", _report),
    _control("GET", "/health", "health", _health),
]
