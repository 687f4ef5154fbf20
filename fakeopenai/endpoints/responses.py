"""The Responses API: `POST /v1/responses`, and the stored responses it keeps.

With nothing scripted, the simulator answers deterministically, as it does for
chat completions: it calls a forced function (or, with `auto`, the first
function when the model answers the user) with arguments that fit the
function's schema, gives structured outputs that fit `text.format`, and cuts
its text at `max_output_tokens` (the response is then `incomplete`).
Reasoning models (o-series, gpt-5 and later) add a reasoning item, with a
summary when one is asked for, and spend reasoning tokens.

Stored responses (`store` defaults to true) can be retrieved, continued with
`previous_response_id`, deleted, and listed item by item. Background responses
start `queued`; a retrieve finds them done, unless the test holds them
(`fake.responses.hold_background`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._app.responses import EventStream, JsonResponse, Response
from .._app.state import Context
from .._errors import ApiError
from .._scripting.script import Fault, Message
from ._responses_checks import check_conversation, check_responses_request, impossible_answer, problem
from ._responses_reasoning import reasoning_tokens
from ._responses_request import ResponsesRequest, item_type
from ._responses_scripting import CREATE, ResponseFailure
from ._responses_store import StoredResponse, response_store, stored_items
from ._responses_stream import events_of, to_sse
from ._responses_turn import TurnAsk, simulate_turn
from ._responses_wire import Rendered, failed, hex_id, render
from ._route import Route
from ._store import paginate

_UNSEEDED = ("stream", "stream_options", "background")


@dataclass
class _Prepared:
    """A create request with its `previous_response_id` chain found."""

    request: ResponsesRequest
    inputs: Sequence[Mapping[str, Any]] = field(default_factory=list)
    """The items sent, with item references replaced by the items they name."""


def _refuse(ctx: Context, status: int, message: str, param: str | None, code: str | None = None) -> ApiError:
    """Refuse an invalid request, noting why in the journal as validation does."""
    ctx.call.problems = (problem(message, param, code),)
    return ApiError(status, message, param=param, code=code)


def _prepare(ctx: Context, *, final: bool) -> _Prepared | ApiError:
    """Find the chain the request continues, and check the conversation it makes.

    While a cassette may still answer (`final` false), an unknown previous
    response is let through: it may be one the recording knows.
    """
    request: ResponsesRequest = ctx.request
    store = response_store(ctx.state)
    history: list[dict[str, Any]] = []
    previous_id = request.previous_response_id
    if previous_id is not None:
        previous = store.get(previous_id)
        if previous is None:
            if ctx.state.tape is not None and not final:
                return _Prepared(request, request.input_items)
            message = f"Previous response with id '{previous_id}' not found."
            return _refuse(ctx, 400, message, "previous_response_id", "previous_response_not_found")
        history = previous.conversation()
    inputs: list[Mapping[str, Any]] = []
    for item in request.input_items:
        if item_type(item) == "item_reference":
            found = store.item(str(item.get("id")))
            if found is None:
                return _refuse(ctx, 404, f"Item with id '{item.get('id')}' not found.", "input")
            inputs.append(found)
        else:
            inputs.append(item)
    wrong = check_conversation([*history, *inputs])
    if wrong is not None:
        return _refuse(ctx, 400, wrong.message, wrong.param, wrong.code)
    enriched = ResponsesRequest(request.body, history)
    ctx.call.request = enriched
    return _Prepared(enriched, inputs)


def scripted(ctx: Context) -> Response | None:
    """The scripted answer for this request, if one matches."""
    prepared = _prepare(ctx, final=False)
    if isinstance(prepared, ApiError):
        return prepared
    entry = ctx.state.scripts.take(CREATE, prepared.request)
    if entry is None:
        return None
    answer = entry.answer
    if isinstance(answer, ResponseFailure):
        return _fail(ctx, prepared, answer)
    if isinstance(answer, Fault):
        return answer.to_error()
    ctx.call.notes += [f"{entry.origin}: {why}" for why in impossible_answer(prepared.request, answer)]
    return _answer(ctx, prepared, answer)


def simulated(ctx: Context) -> Response:
    """The simulator's deterministic answer."""
    prepared = _prepare(ctx, final=True)
    if isinstance(prepared, ApiError):
        return prepared
    request = prepared.request
    seed = json.dumps({k: v for k, v in request.body.items() if k not in _UNSEEDED}, sort_keys=True)
    ask = turn_ask(request)
    if ask.max_tokens is not None and ask.max_tokens <= 0:
        turn = Message(content="", finish_reason="length")
    else:
        turn = simulate_turn(ask, seed)
    return _answer(ctx, prepared, turn)


def turn_ask(request: ResponsesRequest) -> TurnAsk:
    """What the request asks of the model's turn."""
    functions = tuple(request.functions)
    choice = request.tool_choice
    mode, forced = "auto", None
    if isinstance(choice, str):
        mode = choice
    elif isinstance(choice, Mapping):
        if choice.get("type") == "function":
            forced = str(choice.get("name"))
        elif choice.get("type") == "allowed_tools":
            allowed = {t.get("name") for t in choice.get("tools") or [] if isinstance(t, Mapping)}
            functions = tuple(f for f in functions if f.get("name") in allowed)
            mode = str(choice.get("mode", "auto"))
        else:
            mode = "none"
    last = request.last_item
    text_format = request.text_format or {}
    limit = request.get("max_output_tokens")
    return TurnAsk(
        functions=functions,
        choice=mode,
        forced=forced,
        user_turn=item_type(last) == "message" and last.get("role") != "assistant",
        json_schema=(text_format.get("schema") or {"type": "object"})
        if text_format.get("type") == "json_schema"
        else None,
        json_object=text_format.get("type") == "json_object",
        max_tokens=limit - reasoning_tokens(request) if isinstance(limit, int) else None,
    )


def _answer(ctx: Context, prepared: _Prepared, turn: Message) -> Response:
    request = prepared.request
    response_id = hex_id(ctx.state, "resp_", request.model or "")
    rendered = render(ctx.state, request, turn, response_id=response_id, created_at=ctx.state.now())
    return _deliver(ctx, prepared, rendered)


def _fail(ctx: Context, prepared: _Prepared, failure: ResponseFailure) -> Response:
    request = prepared.request
    if not (request.stream or request.background):
        return failure.to_error()
    rendered = failed(
        request,
        response_id=hex_id(ctx.state, "resp_", request.model or ""),
        created_at=ctx.state.now(),
        code=failure.code or "server_error",
        message=failure.message or "",
    )
    return _deliver(ctx, prepared, rendered)


def _deliver(ctx: Context, prepared: _Prepared, rendered: Rendered) -> Response:
    """Keep the response if it is stored, and answer with it, its stream, or its queued start."""
    request = prepared.request
    background = request.background and not request.stream
    items = stored_items(ctx.state, [*request.history, *prepared.inputs])
    status = "queued" if background else rendered.body["status"]
    stored = StoredResponse(rendered, items, request.background, status)
    if request.store or request.background:
        response_store(ctx.state).put(stored)
    if request.stream:
        return EventStream(to_sse(events_of(rendered, queued=request.background)))
    return JsonResponse(stored.visible())


def _not_found(response_id: str) -> ApiError:
    return ApiError(404, f"Response with id '{response_id}' not found.")


def retrieve(ctx: Context) -> Response:
    """`GET /v1/responses/{id}`: the response as it is now; `?stream=true` replays a background one's events."""
    response_id = ctx.path_args["response_id"]
    store = response_store(ctx.state)
    if ctx.query.get("stream") != "true":
        body = store.poll(response_id)
        return _not_found(response_id) if body is None else JsonResponse(body)
    stored = store.get(response_id)
    if stored is None or not stored.background:
        return _not_found(response_id)
    store.finish(response_id, strict=False)
    events = events_of(stored.rendered, queued=True)
    if stored.status == "cancelled":
        events = events[:3]
    try:
        after = int(ctx.query.get("starting_after", -1))
    except ValueError:
        return _refuse(
            ctx,
            400,
            "Invalid type for 'starting_after': expected an integer, but got a string instead.",
            "starting_after",
            "invalid_type",
        )
    return EventStream(to_sse([event for event in events if event["sequence_number"] > after]))


def delete(ctx: Context) -> Response:
    """`DELETE /v1/responses/{id}`."""
    response_id = ctx.path_args["response_id"]
    if response_store(ctx.state).pop(response_id) is None:
        return _not_found(response_id)
    return JsonResponse({"id": response_id, "object": "response", "deleted": True})


def cancel(ctx: Context) -> Response:
    """`POST /v1/responses/{id}/cancel`: only background responses can be cancelled."""
    response_id = ctx.path_args["response_id"]
    store = response_store(ctx.state)
    stored = store.get(response_id)
    if stored is None:
        return _not_found(response_id)
    if not stored.background:
        return _refuse(ctx, 400, "Cannot cancel a synchronous response.", None)
    body = store.cancel(response_id)
    return _not_found(response_id) if body is None else JsonResponse(body)


def list_input_items(ctx: Context) -> Response:
    """`GET /v1/responses/{id}/input_items`: the items the model saw, paginated (newest first by default)."""
    response_id = ctx.path_args["response_id"]
    stored = response_store(ctx.state).get(response_id)
    if stored is None:
        return _not_found(response_id)
    page = paginate(stored.items, ctx.query)
    if isinstance(page, ApiError):
        return _refuse(ctx, page.status, page.message, page.param, page.code)
    return JsonResponse(page)


def _route(method: str, rule: str, operation: str, answer: Any) -> Route:
    return Route(method=method, rule=rule, operation=operation, simulate=answer, view=ResponsesRequest, body="none")


ROUTES = [
    Route(
        method="POST",
        rule="/v1/responses",
        operation=CREATE,
        simulate=simulated,
        script=scripted,
        check=check_responses_request,
        view=ResponsesRequest,
        model_turn=True,
    ),
    _route("GET", "/v1/responses/<response_id>", "responses.retrieve", retrieve),
    _route("DELETE", "/v1/responses/<response_id>", "responses.delete", delete),
    _route("POST", "/v1/responses/<response_id>/cancel", "responses.cancel", cancel),
    _route("GET", "/v1/responses/<response_id>/input_items", "responses.input_items.list", list_input_items),
]
