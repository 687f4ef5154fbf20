"""Legacy completions requests: a typed view, and the checks the API makes beyond the schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._app.views import RequestView
from .._simulation.tokens import count_tokens
from .._validation.bodies import Problem
from ._models_catalogue import COMPLETION_CONTEXT
from ._models_shared import problem
from ._models_store import base_model_of

DEFAULT_MAX_TOKENS = 16
"""What the legacy endpoint generates when `max_tokens` is not sent."""

# Token ids cannot be decoded without the real tokenizer; each id reads as one of these pieces.
TOKEN_PIECES = (
    " the", " of", " and", " to", " a", " in", " is", " that", " for", " it", " as", " was", " with", " be",
    " by", " on", " not", " he", " this", " are", " or", " his", " from", " at", " which", " but", " have",
    " an", " had", " they", " you", " were", " their", " one", " all", " we", " can", " her", " has", " there",
    " been", " if", " more", " when", " will", " would", " who", " so", " no", " time", " people", " day",
    " world", " story", " model", " answer", " question", " word", " line", " text", ".", ",", "\n", ":",
)  # fmt: skip


@dataclass(frozen=True)
class Prompt:
    """One prompt of a request: its text, and what it costs."""

    text: str
    tokens: int
    token_ids: tuple[int, ...] | None = None
    """The token ids sent, for a prompt given as a token array."""


def token_piece(token_id: int) -> str:
    """The text a token id reads as in the fake (a stand-in for the real tokenizer's decoding)."""
    return TOKEN_PIECES[token_id % len(TOKEN_PIECES)]


def _prompt_of(value: str | Sequence[int]) -> Prompt:
    if isinstance(value, str):
        return Prompt(value, count_tokens(value))
    ids = tuple(value)
    return Prompt("".join(token_piece(i) for i in ids), len(ids), ids)


class CompletionRequest(RequestView):
    """A legacy completions request (`POST /v1/completions`)."""

    __slots__ = ()

    @property
    def prompts(self) -> list[Prompt]:
        """One entry per prompt: a string, a list of strings, a token array or a list of token arrays."""
        value: Any = self.get("prompt")
        if value is None:
            return [Prompt("<|endoftext|>", 1)]
        if isinstance(value, str):
            return [_prompt_of(value)]
        if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
            return [_prompt_of(value)]
        if isinstance(value, list):
            return [_prompt_of(v) for v in value if isinstance(v, (str, list))]
        return []

    @property
    def prompt_texts(self) -> list[str]:
        """The text of each prompt (token arrays read through `token_piece`)."""
        return [p.text for p in self.prompts]

    @property
    def last_user_message(self) -> str:
        """The last prompt's text, so `user_message=` script conditions match completions too."""
        prompts = self.prompts
        return prompts[-1].text if prompts else ""

    @property
    def n(self) -> int:
        """Choices returned per prompt."""
        value = self.get("n")
        return value if isinstance(value, int) and value > 0 else 1

    @property
    def best_of(self) -> int:
        """Candidates generated per prompt (at least `n`)."""
        value = self.get("best_of")
        return max(value, self.n) if isinstance(value, int) and value > 0 else self.n

    @property
    def max_tokens(self) -> int:
        """The completion length limit (16 when not sent, as the API defaults)."""
        value = self.get("max_tokens")
        return value if isinstance(value, int) else DEFAULT_MAX_TOKENS

    @property
    def stop(self) -> list[str]:
        """The stop sequences."""
        value = self.get("stop")
        if isinstance(value, str):
            return [value] if value else []
        return [s for s in value if isinstance(s, str) and s] if isinstance(value, list) else []

    @property
    def echo(self) -> bool:
        """Whether the prompt is echoed before the completion."""
        return self.get("echo") is True

    @property
    def logprobs(self) -> int | None:
        """How many top alternatives to report per token, or None for no logprobs."""
        value = self.get("logprobs")
        return value if isinstance(value, int) else None

    @property
    def include_usage(self) -> bool:
        """Whether a stream ends with a usage chunk."""
        options = self.get("stream_options")
        return isinstance(options, dict) and options.get("include_usage") is True


def context_window(model: str) -> int:
    """The context length of a completion model (fine-tuned ones inherit their base's)."""
    return COMPLETION_CONTEXT.get(base_model_of(model) or model, 16384)


def check_completion_request(view: RequestView) -> list[Problem]:
    """The semantic problems of a completions request, in the order the API reports them."""
    assert isinstance(view, CompletionRequest)
    if view.get("stream_options") is not None and not view.stream:
        return [problem("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options")]
    best_of = view.get("best_of")
    if isinstance(best_of, int) and best_of < view.n:
        return [problem("best_of must be greater than or equal to n.", "best_of")]
    if view.stream and isinstance(best_of, int) and best_of > 1:
        return [problem("Cannot stream results with best_of > 1.", "best_of")]
    window = context_window(view.model or "")
    for prompt in view.prompts:
        wanted = prompt.tokens + view.max_tokens
        if wanted > window:
            return [
                problem(
                    f"This model's maximum context length is {window} tokens, however you requested {wanted} tokens "
                    f"({prompt.tokens} in your prompt; {view.max_tokens} for the completion). "
                    "Please reduce your prompt; or completion length."
                )
            ]
    return []
