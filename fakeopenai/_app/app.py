"""The WSGI application: route, authenticate, parse, validate, log, answer, render."""

from __future__ import annotations

import hmac
import io
import json
import random
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from .._errors import ApiError, ConfigurationError, error_for_status
from .._scripting.script import Fault
from .._validation.bodies import Problem, has_schema, validate_body
from ..endpoints import Route, all_routes
from ..endpoints.control import ROUTES as CONTROL_ROUTES
from .hosts import HostCheck
from .incoming import Body, DropConnection, Incoming
from .journal import Call, EventLog
from .multipart import MultipartError, parse_multipart
from .responses import EventStream, JsonResponse, Response, StartResponse, to_wsgi
from .routing import Router
from .state import Context, State
from .strict_json import TooDeeplyNested
from .strict_json import loads as loads_json
from .views import RequestView

_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth "
    "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API "
    "from your browser and are prompted for a username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)
_REQUEST_IDS = random.Random()
"""Its own generator, so that request ids neither draw from nor follow a test's `random.seed`."""
_BAD_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library "
    "correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble "
    "figuring out how to fix this, please contact us through our help center at help.openai.com.)"
)
_GUARDED_CONTROL = frozenset(route.operation for route in CONTROL_ROUTES) - {"fakeopenai.control.health"}
"""The control routes that need the control token (or API key); the health check reveals and changes nothing."""


class _Refusal(Exception):
    """A request refused before any endpoint saw it."""

    def __init__(self, error: ApiError, problem: Problem | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.problem = problem or Problem(message=error.message, param=error.param, code=error.code, json_path="$")


def framing_error_body(status: int, message: str) -> bytes:
    """The body of an error the server sends before the app sees the request."""
    return ApiError(status, message).body_bytes()


def mask_key(key: str) -> str:
    """A key as the API echoes it in errors: its first and last few characters only."""
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:3]}{'*' * (len(key) - 7)}{key[-4:]}"


class PacedBody:
    """A response body whose chunks may wait (latency, pacing, a stall, a live upstream): keep it off event loops."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def close(self) -> None:
        """Close the chunks' iterator, as WSGI asks of a server."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


class App:
    """The fake OpenAI API as a WSGI application over one `State`."""

    def __init__(self, state: State, routes: Iterable[Route] | None = None) -> None:
        self.state = state
        state.dispatch = self.internal_request
        self.routes = list(routes if routes is not None else all_routes())
        self.router = Router(self.routes)
        self.hosts = HostCheck()
        """The `Host` headers answered over the network (`respond_from_network`), against DNS rebinding."""
        self.control_token: str | None = None
        """The bearer token the control API (`/_fakeopenai/`) needs; when None, the API key if one is set."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return self.respond(Incoming.from_environ(environ), start_response)

    def respond_from_network(self, incoming: Incoming, start_response: StartResponse) -> Iterable[bytes]:
        """`respond` to a request that came over a socket: one for a host the server does not answer to gets 421."""
        return self.respond(incoming, start_response, self.hosts)

    def respond(
        self, incoming: Incoming, start_response: StartResponse, hosts: HostCheck | None = None
    ) -> Iterable[bytes]:
        """Answer one request the WSGI way: call `start_response`, return the body's chunks."""
        headers = [("x-request-id", f"req_{_REQUEST_IDS.getrandbits(128):032x}"), ("openai-version", "2020-10-01")]
        call: Call[Any] | None = None
        try:
            call, response = self._answer(incoming, hosts)
        except Exception as exc:  # noqa: BLE001 - anything raised must reach the test, not kill the server
            self.state.record_error(exc)
            response = error_for_status(500)
            if call is not None:
                call.answered_by = "error"
        if call is not None:
            _record_response(call, response)
            for observer in self.state.observers:
                observer(call)
        streaming = isinstance(response, EventStream)
        body: Iterable[bytes]
        per_event = call is not None and call.delivery is not None
        if call is not None and isinstance(response, EventStream):
            events = EventLog()
            call.response = events
            body = self._guarded(to_wsgi(response, start_response, headers, events.add, batch=not per_event))
        else:
            body = to_wsgi(response, start_response, headers)
        if call is not None and call.delivery is not None:
            return PacedBody(call.delivery.wrap(body, streaming=streaming, wake=self.state.wake))
        if isinstance(response, EventStream) and response.live:
            return PacedBody(body)
        return body

    def _guarded(self, body: Iterable[bytes]) -> Iterator[bytes]:
        """Stream `body`; an exception mid-stream ends the stream and reaches the test."""
        try:
            yield from body
        except DropConnection:
            raise
        except Exception as exc:  # noqa: BLE001
            self.state.record_error(exc)

    def _answer(self, incoming: Incoming, hosts: HostCheck | None) -> tuple[Call[Any], Response]:
        method, path, request_headers = incoming.method, incoming.path, incoming.headers
        query = dict(parse_qsl(incoming.query_string, keep_blank_values=True)) if incoming.query_string else {}
        route, path_args = self.router.match(method, path)
        view_type = route.view if route else RequestView
        call: Call[Any] = Call(
            index=0,
            method=method,
            path=path,
            operation=route.operation if route else None,
            headers=request_headers,
            query=query,
            request=view_type({}),
        )
        try:
            if hosts is not None and not hosts.allows(request_headers.get("host")):
                _drain(incoming.body)
                raise _Refusal(_misdirected(request_headers["host"]))
            if route is not None and route.operation in _GUARDED_CONTROL:
                self._authenticate_control(request_headers)
            elif (route is None or route.auth) and not incoming.internal:
                self._authenticate(request_headers)
            if route is None:
                _drain(incoming.body)
                call.unmatched = f"no such endpoint: {method} {path}"
                raise _Refusal(ApiError(404, f"Invalid URL ({method} {path})"))
            raw_body, body = self._body(incoming, route)
            call.request = view_type(body)
        except _Refusal as refusal:
            if call.unmatched is None:
                call.problems = (refusal.problem,)
            call.answered_by = "error"
            if route is None or route.logged:
                self.state.journal.add(call)
            return call, refusal.error
        if route.logged:
            self.state.journal.add(call)
        problems = self._problems(route, call.request)
        if problems:
            call.problems = tuple(problems)
            call.answered_by = "error"
            first = problems[0]
            return call, ApiError(400, first.message, param=first.param, code=first.code)
        ctx = Context(self.state, route.operation, call.request, path_args, query, call, raw_body)
        outer = self.state.scripts.swap_taken(None)
        try:
            scripted = route.script(ctx) if route.script is not None else _scripted_fault(ctx, route)
        finally:
            entry = self.state.scripts.swap_taken(outer)
        tape = self.state.tape
        taped = tape.answer(ctx) if scripted is None and tape is not None else None
        response: Response
        if scripted is not None:
            call.answered_by, response = "script", scripted
            call.delivery = entry.delivery if entry is not None else None
        elif taped is not None:
            call.answered_by, response = "cassette", taped
        else:
            call.answered_by = "simulator"  # the endpoint may say otherwise (a run's turns take scripts)
            response = route.simulate(ctx)
        if call.problems:
            call.answered_by = "error"  # an endpoint refused the request on grounds the schema cannot see
        return call, response

    def internal_request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Run one request through the whole app in-process (as a batch line does); its status and JSON body.

        It is validated, logged and answered exactly like a request from a client.
        """
        content = b"" if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json", "content-length": str(len(content))} if content else {}
        path, _, query_string = path.partition("?")
        incoming = Incoming(method, path, query_string, headers, io.BytesIO(content), internal=True)
        status: list[str] = []
        chunks = self.respond(incoming, lambda line, headers, exc_info=None: status.append(line))
        data = b"".join(chunks)
        try:
            return int(status[0].split()[0]), json.loads(data) if data else None
        except ValueError:
            return int(status[0].split()[0]), data.decode("utf-8", "replace")

    def _authenticate(self, headers: Mapping[str, str]) -> None:
        value = headers.get("authorization", "")
        scheme, _, key = value.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise _Refusal(ApiError(401, _NO_KEY))
        expected = self.state.settings.api_key
        if expected is not None and key != expected:
            raise _Refusal(
                ApiError(
                    401,
                    f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
                    "https://platform.openai.com/account/api-keys.",
                    code="invalid_api_key",
                )
            )

    def _authenticate_control(self, headers: Mapping[str, str]) -> None:
        token = self.control_token
        needs = "control token" if token is not None else "API key (--api-key)"
        token = token if token is not None else self.state.settings.api_key
        if token is None:
            return
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise _Refusal(
                ApiError(
                    401,
                    f"The control API (/_fakeopenai/) needs the server's {needs}: send it as "
                    f"'Authorization: Bearer …'. `fakeopenai serve` prints a control token it made up when it "
                    "starts beyond loopback, or takes one from --control-token or FAKEOPENAI_CONTROL_TOKEN.",
                    code="invalid_control_token",
                )
            )

    def _body(self, incoming: Incoming, route: Route) -> tuple[bytes, Any]:
        """The raw body and its parsed form."""
        if route.body == "none":
            _drain(incoming.body)
            return b"", {}
        limit = self.state.settings.max_body_bytes
        if incoming.content_length > limit:
            raise _Refusal(_too_large(limit))
        try:
            raw = incoming.body.read(limit + 1)
        except OSError as error:  # a malformed chunked body, or the client went away mid-body
            raise _Refusal(_unreadable(error)) from None
        if len(raw) > limit:
            raise _Refusal(_too_large(limit))
        full_type = incoming.content_type
        content_type = full_type.split(";")[0].strip().lower()
        if route.body == "multipart":
            if content_type != "multipart/form-data":
                raise _Refusal(
                    ApiError(
                        400,
                        f"Invalid Content-Type header ({content_type or 'none'}), expected multipart/form-data. "
                        "(HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')",
                    )
                )
            try:
                return raw, parse_multipart(raw, full_type)
            except MultipartError as error:
                raise _Refusal(ApiError(400, str(error))) from None
        if content_type and content_type != "application/json" and not content_type.endswith("+json"):
            raise _Refusal(ApiError(400, f"Invalid Content-Type header ({content_type}), expected application/json."))
        try:
            body = loads_json(raw)
        except TooDeeplyNested as error:
            problem = Problem(message=f"{error} {_BAD_JSON}", param=None, code=None, json_path="$")
            raise _Refusal(ApiError(400, _BAD_JSON), problem) from None
        except ValueError:
            raise _Refusal(ApiError(400, _BAD_JSON)) from None
        if not isinstance(body, dict):
            raise _Refusal(ApiError(400, _BAD_JSON))
        return raw, body

    def _problems(self, route: Route, request: RequestView) -> list[Problem]:
        if not self.state.settings.validate:
            return []
        if has_schema(route.operation):
            problems = validate_body(route.operation, request.body, from_form=route.body == "multipart")
            if problems:
                return problems
        return route.check(request) if route.check is not None else []


def _scripted_fault(ctx: Context, route: Route) -> Response | None:
    """A scripted error for an operation whose answers are not model turns."""
    entry = ctx.state.scripts.take(route.operation, ctx.request, model_turn=route.model_turn)
    if entry is None:
        return None
    if not isinstance(entry.answer, Fault):
        raise ConfigurationError(
            f"{entry.describe()} cannot answer {route.operation}: only errors can be scripted for it."
        )
    return entry.answer.to_error()


def _misdirected(host: str) -> ApiError:
    return ApiError(
        421,
        f"This server does not answer to the host {host!r} (the Host header). If clients reach it by that name, "
        "start it with --allowed-host NAME; this check keeps web pages from reaching it through DNS rebinding.",
        code="misdirected_request",
    )


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"Request body too large. The maximum size of a request body is {limit} bytes.",
        code="request_too_large",
        headers={"Connection": "close"},
    )


def _unreadable(error: OSError) -> ApiError:
    return ApiError(400, f"The request body could not be read ({error}).", headers={"Connection": "close"})


def _drain(stream: Body, limit: int = 1 << 20) -> None:
    """Read and drop a body nobody needs, so the connection can serve the next request."""
    while limit > 0:
        try:
            chunk = stream.read(min(65536, limit))
        except OSError as error:
            raise _Refusal(_unreadable(error)) from None
        if not chunk:
            break
        limit -= len(chunk)


def _record_response(call: Call[Any], response: Response) -> None:
    if isinstance(response, EventStream):
        call.status = 200
    elif isinstance(response, JsonResponse):
        call.status, call.response = response.status, response.body
    elif isinstance(response, ApiError):
        call.status, call.response = response.status, response.body()
    else:
        call.status, call.response = response.status, response.content
        if response.content_type.split(";")[0].strip().lower() == "application/json":
            try:
                call.response = json.loads(response.content)
            except ValueError:
                pass
