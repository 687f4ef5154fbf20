"""Legacy completions on the wire: a `text_completion`, or its stream of chunks.

Choices are numbered as the API numbers them: the choices of prompt `i` are
`i*n … i*n+n-1`. `echo` puts the prompt before the text; `logprobs` gives the
legacy object (tokens, token_logprobs, top_logprobs, text_offset) whose
offsets count from the start of the prompt, echoed or not.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .._app.responses import EventStream, JsonResponse, Response, SseEvent, compact_json
from .._app.state import Context
from .._simulation.tokens import split_into_chunks
from ._completions_request import TOKEN_PIECES, CompletionRequest, Prompt, token_piece


@dataclass(frozen=True)
class Choice:
    """One generated completion of one prompt."""

    prompt: Prompt
    text: str
    finish_reason: str
    seed: str
    """What its token logprobs derive from."""
    chunks: tuple[str, ...] | None = None
    """How a stream cuts the text (a scripted message's `chunks`); token-sized pieces when None."""

    @property
    def pieces(self) -> list[str]:
        """The completion's tokens, as a stream sends them."""
        return list(self.chunks) if self.chunks is not None else split_into_chunks(self.text)

    @property
    def score(self) -> float:
        """Mean token logprob, by which `best_of` picks."""
        pieces = self.pieces
        if not pieces:
            return 0.0
        return sum(token_logprob(self.seed, i, p) for i, p in enumerate(pieces)) / len(pieces)


def token_logprob(seed: str, position: int, token: str) -> float:
    """A deterministic log probability in (-2.5, 0]."""
    digest = hashlib.blake2b(f"{seed}|{position}|{token}".encode(), digest_size=2).digest()
    return -round(int.from_bytes(digest, "big") / 65535 * 2.5, 6)


def _alternatives(token: str, logprob: float, count: int, seed: str, position: int) -> dict[str, float]:
    top = {token: logprob}
    start = int.from_bytes(hashlib.blake2b(f"{seed}|{position}".encode(), digest_size=2).digest(), "big")
    step = 1
    for offset in range(len(TOKEN_PIECES)):
        if len(top) >= count:
            break
        candidate = TOKEN_PIECES[(start + offset) % len(TOKEN_PIECES)]
        if candidate not in top:
            top[candidate] = round(logprob - 0.75 * step, 6)
            step += 1
    return top


def prompt_pieces(prompt: Prompt) -> list[str]:
    """The prompt's tokens, as `echo` with `logprobs` reports them."""
    if prompt.token_ids is not None:
        return [token_piece(i) for i in prompt.token_ids]
    return split_into_chunks(prompt.text)


class CompletionRenderer:
    """Turns generated choices into the wire format of one request."""

    def __init__(self, ctx: Context, request: CompletionRequest, choices: Sequence[Choice], generated_tokens: int):
        self.request = request
        self.choices = choices
        self.generated_tokens = generated_tokens
        self.model = request.model or "gpt-3.5-turbo-instruct"
        self.id = ctx.state.new_id("cmpl-", self.model, 29)
        self.created = ctx.state.now()

    def response(self) -> Response:
        """The whole completion, or its stream when the client asked for one."""
        if self.request.stream:
            return EventStream(self._events())
        return JsonResponse(self.completion())

    def usage(self) -> dict[str, int]:
        """Prompt tokens once per prompt; completion tokens of every candidate generated."""
        prompt = sum(p.tokens for p in self.request.prompts)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": self.generated_tokens,
            "total_tokens": prompt + self.generated_tokens,
        }

    def completion(self) -> dict[str, Any]:
        """The `text_completion` object."""
        choices = []
        for index, choice in enumerate(self.choices):
            echoed = choice.prompt.text if self.request.echo else ""
            choices.append(
                {
                    "text": echoed + choice.text,
                    "index": index,
                    "logprobs": self._logprobs(choice, echo=self.request.echo),
                    "finish_reason": choice.finish_reason,
                }
            )
        return {**self._head(), "choices": choices, "usage": self.usage()}

    def _head(self) -> dict[str, Any]:
        return {"id": self.id, "object": "text_completion", "created": self.created, "model": self.model}

    def _logprobs(
        self, choice: Choice, *, echo: bool, pieces: Sequence[str] | None = None, first: int = 0
    ) -> dict[str, Any] | None:
        count = self.request.logprobs
        if count is None:
            return None
        tokens: list[str] = []
        values: list[float | None] = []
        tops: list[dict[str, float] | None] = []
        offsets: list[int] = []
        offset = 0
        if echo:
            for position, piece in enumerate(prompt_pieces(choice.prompt)):
                value = None if position == 0 else token_logprob(choice.prompt.text, position, piece)
                tokens.append(piece)
                values.append(value)
                tops.append(None if value is None else _alternatives(piece, value, max(count, 1), "p", position))
                offsets.append(offset)
                offset += len(piece)
        else:
            offset = len(choice.prompt.text)
        completion = choice.pieces if pieces is None else pieces
        offset += sum(len(p) for p in choice.pieces[:first])
        for position, piece in enumerate(completion, start=first):
            value = token_logprob(choice.seed, position, piece)
            tokens.append(piece)
            values.append(value)
            tops.append(_alternatives(piece, value, max(count, 1), choice.seed, position))
            offsets.append(offset)
            offset += len(piece)
        return {"tokens": tokens, "token_logprobs": values, "top_logprobs": tops, "text_offset": offsets}

    def _chunk(self, index: int, text: str, logprobs: Any = None, finish: str | None = None) -> SseEvent:
        chunk = {
            **self._head(),
            "choices": [{"text": text, "index": index, "logprobs": logprobs, "finish_reason": finish}],
        }
        if self.request.include_usage:
            chunk["usage"] = None
        return SseEvent(compact_json(chunk))

    def _choice_events(self, index: int, choice: Choice) -> Iterator[SseEvent]:
        if self.request.echo:
            echoed = self._logprobs(choice, echo=True, pieces=[]) if self.request.logprobs is not None else None
            yield self._chunk(index, choice.prompt.text, echoed)
        for position, piece in enumerate(choice.pieces):
            logprobs = self._logprobs(choice, echo=False, pieces=[piece], first=position)
            yield self._chunk(index, piece, logprobs)
        yield self._chunk(index, "", None, choice.finish_reason)

    def _events(self) -> Iterator[SseEvent]:
        streams = [self._choice_events(index, choice) for index, choice in enumerate(self.choices)]
        for batch in itertools.zip_longest(*streams):
            yield from (event for event in batch if event is not None)
        if self.request.include_usage:
            usage_chunk = {**self._head(), "choices": [], "usage": self.usage()}
            yield SseEvent(compact_json(usage_chunk))
        yield SseEvent("[DONE]")
