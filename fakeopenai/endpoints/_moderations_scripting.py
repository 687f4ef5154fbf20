"""`fake.moderations`: flag inputs per category, besides the usual scripting verbs and calls."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from .._app.state import State
from .._errors import ConfigurationError
from .._scripting.vocabulary import Scripting
from ._moderations_categories import category_name
from ._moderations_request import ModerationInput, ModerationRequest

_KEY = "moderations.flags"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class FlagRule:
    """Inputs that match get these categories flagged."""

    match: str | re.Pattern[str]
    """A case-insensitive substring of a text or image URL, or a regex searched in them."""
    categories: tuple[str, ...]
    score: float | None
    model: str | None

    def applies(self, item: ModerationInput, model: str) -> bool:
        """Whether this rule flags the input."""
        if self.model is not None and self.model != model:
            return False
        for value in item.texts + item.image_urls:
            if isinstance(self.match, re.Pattern):
                if self.match.search(value):
                    return True
            elif self.match.lower() in value.lower():
                return True
        return False


def flag_rules(state: State) -> list[FlagRule]:
    """The flag rules of a server, oldest first."""
    with _LOCK:
        rules = state.resources.get(_KEY)
        return list(rules) if isinstance(rules, list) else []


def flags_for(state: State, item: ModerationInput, model: str) -> dict[str, float | None]:
    """The categories the rules flag for an input, with their chosen scores (the latest rule wins)."""
    flags: dict[str, float | None] = {}
    for rule in flag_rules(state):
        if rule.applies(item, model):
            flags.update(dict.fromkeys(rule.categories, rule.score))
    return flags


class ModerationsScripting(Scripting[ModerationRequest]):
    """Script moderations: `fake.moderations.flag("kill them", "violence")`.

    Inputs no rule flags get low, deterministic scores and `flagged: false`.
    """

    def flag(
        self,
        match: str | re.Pattern[str],
        *categories: str,
        score: float | None = None,
        model: str | None = None,
    ) -> None:
        """Flag these categories for every input containing `match`, for the whole test.

        `match` is a case-insensitive substring (or a compiled regex) looked for
        in each text and image URL of an input. Categories use the API's names
        (`"self-harm/intent"`) or the SDK's (`"self_harm_intent"`). A flagged
        category scores `score`, or a high score derived from the input.
        """
        if not categories:
            raise TypeError("flag() needs at least one category, e.g. flag('some text', 'violence').")
        if isinstance(match, str) and not match:
            raise ConfigurationError("flag() needs a non-empty text to look for.")
        if score is not None and not 0.0 <= score <= 1.0:
            raise ConfigurationError(f"A moderation score is between 0 and 1, not {score}.")
        rule = FlagRule(match, tuple(category_name(c) for c in categories), score, model)
        with _LOCK:
            rules = self._state.resources.setdefault(_KEY, [])
            rules.append(rule)
