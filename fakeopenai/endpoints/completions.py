"""Legacy completions: `POST /v1/completions`.

Prompts may be a string, a list of strings, a token array or a list of token
arrays; each prompt gets `n` choices. With nothing scripted the simulator
writes a deterministic continuation, cut at the first `stop` sequence and at
`max_tokens` (16 when not sent, as the API defaults, so most simulated choices
end with `finish_reason: "length"`). `best_of` generates that many candidates
per prompt, returns the `n` with the highest mean token logprob and bills
them all. A scripted message answers every choice with its content, verbatim.
"""

from __future__ import annotations

import json

from .._app.responses import Response
from .._app.state import Context
from .._errors import ApiError
from .._scripting.script import Fault, Message
from .._simulation.fabricate import fabricate_text
from .._simulation.tokens import count_tokens, truncate_to_tokens
from ._completions_request import CompletionRequest, Prompt, check_completion_request
from ._completions_wire import Choice, CompletionRenderer
from ._models_store import resolve_model
from ._route import Route

OPERATION = "completions.create"
_CHAT_MODEL = (
    "This is a chat model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?"
)


def scripted(ctx: Context) -> Response | None:
    """The scripted answer for this request, if one matches."""
    entry = ctx.state.scripts.take(ctx.operation, ctx.request, model_turn=True)
    if entry is None:
        return None
    answer = entry.answer
    if isinstance(answer, Fault):
        return answer.to_error()
    request: CompletionRequest = ctx.request
    ctx.call.notes += [f"{entry.origin}: {why}" for why in impossible_answer(request, answer)]
    choices = [
        Choice(prompt, answer.content or "", answer.finish_reason or "stop", f"{entry.origin}|{index}", answer.chunks)
        for index, prompt in enumerate(request.prompts)
        for _ in range(request.n)
    ]
    generated = sum(count_tokens(choice.text) for choice in choices)
    return CompletionRenderer(ctx, request, choices, generated).response()


def impossible_answer(request: CompletionRequest, answer: Message) -> list[str]:
    """Why the real API could not have given this scripted text for this request; [] if it could."""
    reasons = []
    if answer.tool_calls:
        reasons.append("it calls tools, but legacy completions only return text")
    if answer.refusal is not None:
        reasons.append("it is a refusal, but legacy completions only return text")
    if answer.finish_reason not in (None, "stop", "length", "content_filter"):
        reasons.append(f"its finish_reason {answer.finish_reason!r} is not one legacy completions report")
    text = answer.content or ""
    tokens = count_tokens(text)
    if tokens > request.max_tokens:
        reasons.append(f"its text has {tokens} tokens, more than max_tokens={request.max_tokens}")
    for stop in request.stop:
        if stop in text:
            reasons.append(f"its text contains the stop sequence {stop!r}, where the model would have stopped")
    return reasons


def model_error(ctx: Context, model: str) -> ApiError | None:
    """The 404 the API answers when `model` cannot complete text; None when it can."""
    info = resolve_model(ctx.state, model)
    if isinstance(info, ApiError):
        return info
    if info.kind == "chat":
        return ApiError(404, _CHAT_MODEL, param="model")
    if info.kind != "completion":
        return ApiError(
            404, f"The model `{model}` does not exist or you do not have access to it.", code="model_not_found"
        )
    return None


def generate(request: CompletionRequest, prompt: Prompt, seed: str) -> Choice:
    """One deterministic candidate completion of `prompt`."""
    text = fabricate_text(seed)
    if prompt.text and not prompt.text[-1].isspace():
        text = " " + text
    finish = "stop"
    cuts = [text.index(stop) for stop in request.stop if stop in text]
    if cuts:
        text = text[: min(cuts)]
    if count_tokens(text) > request.max_tokens:
        text, finish = truncate_to_tokens(text, request.max_tokens), "length"
    return Choice(prompt, text, finish, seed)


def simulated(ctx: Context) -> Response:
    """The simulator's deterministic answer."""
    request: CompletionRequest = ctx.request
    error = model_error(ctx, request.model or "")
    if error is not None:
        return error
    seed = json.dumps({k: v for k, v in request.body.items() if k not in ("stream", "stream_options")}, sort_keys=True)
    chosen: list[Choice] = []
    generated = 0
    for index, prompt in enumerate(request.prompts):
        candidates = []
        for k in range(request.best_of):
            candidate = generate(request, prompt, f"{seed}|{index}|{k}")
            candidates.append(candidate)
            generated += count_tokens(candidate.text)
        if request.best_of > request.n:
            candidates.sort(key=lambda c: c.score, reverse=True)
        chosen += candidates[: request.n]
    return CompletionRenderer(ctx, request, chosen, generated).response()


ROUTES = [
    Route(
        method="POST",
        rule="/v1/completions",
        operation=OPERATION,
        simulate=simulated,
        script=scripted,
        check=check_completion_request,
        view=CompletionRequest,
        model_turn=True,
    )
]
