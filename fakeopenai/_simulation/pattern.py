"""Strings that match a regex `pattern`: a sampler for the common subset of Python regex syntax."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypeAlias

from .rng import Rng
from .text import fit_length

__all__ = ["compile_pattern", "length_ok", "pattern_string"]


_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()
_DIGITS = "0123456789"
_ALNUM = _LOWER + _UPPER + _DIGITS
_PUNCT = " -_.,!?:;/"
_PRINTABLE = "".join(chr(code) for code in range(32, 127))
_RANGE_CAP = 512


class _Unsupported(Exception):
    """The pattern uses a feature the sampler cannot reproduce."""


class _Chars:
    __slots__ = ("chars",)

    def __init__(self, chars: str) -> None:
        self.chars = chars


class _Seq:
    __slots__ = ("items",)

    def __init__(self, items: list[_Node]) -> None:
        self.items = items


class _Alt:
    __slots__ = ("options",)

    def __init__(self, options: list[_Node]) -> None:
        self.options = options


class _Repeat:
    __slots__ = ("high", "low", "node")

    def __init__(self, node: _Node, low: int, high: int | None) -> None:
        self.node = node
        self.low = low
        self.high = high


class _Group:
    __slots__ = ("index", "node")

    def __init__(self, node: _Node, index: int) -> None:
        self.node = node
        self.index = index


class _Backref:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


_Node: TypeAlias = "_Chars | _Seq | _Alt | _Repeat | _Group | _Backref"

_QUANTIFIER = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_ESCAPE_SETS = {"d": _DIGITS, "D": _LOWER + _UPPER, "w": _ALNUM, "W": " -.,!", "s": " ", "S": _ALNUM}
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a", "0": "\0"}


def _nice(chars: str) -> str:
    preferred = "".join(char for char in chars if char.isalnum() or char == " ")
    return preferred or chars


class _PatternParser:
    """A recursive-descent parser for the common subset of Python regex syntax."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.lookaheads: list[_Node] = []
        self.groups = 0
        self.group_names: dict[str, int] = {}

    def parse(self) -> _Node:
        node = self._alternation()
        if self.pos != len(self.pattern):
            raise _Unsupported(self.pattern)
        return node

    def _peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.pattern[index] if index < len(self.pattern) else ""

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise _Unsupported(self.pattern)
        self.pos += 1

    def _alternation(self) -> _Node:
        options = [self._sequence()]
        while self._peek() == "|":
            self.pos += 1
            options.append(self._sequence())
        return options[0] if len(options) == 1 else _Alt(options)

    def _sequence(self) -> _Node:
        items: list[_Node] = []
        while self.pos < len(self.pattern) and self._peek() not in "|)":
            atom = self._atom()
            if atom is not None:
                items.append(self._quantified(atom))
        return items[0] if len(items) == 1 else _Seq(items)

    def _atom(self) -> _Node | None:
        char = self.pattern[self.pos]
        self.pos += 1
        if char in "^$":
            return None
        if char == ".":
            return _Chars(_ALNUM)
        if char == "[":
            return self._char_class()
        if char == "(":
            return self._group()
        if char == "\\":
            return self._escape()
        if char in "*+?":
            raise _Unsupported(self.pattern)
        return _Chars(char)

    def _quantified(self, atom: _Node) -> _Node:
        char = self._peek()
        if char == "*":
            low, high = 0, None
            self.pos += 1
        elif char == "+":
            low, high = 1, None
            self.pos += 1
        elif char == "?":
            low, high = 0, 1
            self.pos += 1
        elif char == "{":
            match = _QUANTIFIER.match(self.pattern, self.pos)
            if match is None or not (match.group(1) or match.group(3)):
                return atom
            low = int(match.group(1) or 0)
            if match.group(2) is None:
                high = low
            else:
                high = int(match.group(3)) if match.group(3) else None
            self.pos = match.end()
        else:
            return atom
        if self._peek() in ("?", "+"):
            self.pos += 1
        return _Repeat(atom, low, high)

    def _capture(self, name: str | None) -> _Node:
        self.groups += 1
        index = self.groups
        if name is not None:
            self.group_names[name] = index
        node = self._alternation()
        self._expect(")")
        return _Group(node, index)

    def _group(self) -> _Node | None:
        if self._peek() != "?":
            return self._capture(None)
        self.pos += 1
        char = self._peek()
        if char == ":" or char == ">":
            self.pos += 1
        elif char == "P" and self._peek(1) in "<=":
            end = self.pattern.find(">" if self._peek(1) == "<" else ")", self.pos)
            if end < 0:
                raise _Unsupported(self.pattern)
            name = self.pattern[self.pos + 2 : end]
            self.pos = end + 1
            if self.pattern[end] == ">":
                return self._capture(name)
            if name not in self.group_names:
                raise _Unsupported(self.pattern)
            return _Backref(self.group_names[name])
        elif char in "=!" or (char == "<" and self._peek(1) in "=!"):
            # Lookarounds consume nothing; samples of positive lookaheads are
            # put in front of the main sample, and every candidate is checked.
            self.pos += 1 if char in "=!" else 2
            body = self._alternation()
            self._expect(")")
            if char == "=":
                self.lookaheads.append(body)
            return None
        elif char == "#":
            end = self.pattern.find(")", self.pos)
            if end < 0:
                raise _Unsupported(self.pattern)
            self.pos = end + 1
            return None
        else:
            while self._peek() and self._peek() in "aiLmsux-":
                self.pos += 1
            if self._peek() == ")":
                self.pos += 1
                return None
            if self._peek() != ":":
                raise _Unsupported(self.pattern)
            self.pos += 1
        node = self._alternation()
        self._expect(")")
        return node

    def _escape(self) -> _Node | None:
        char = self._peek()
        if not char:
            raise _Unsupported(self.pattern)
        self.pos += 1
        if char in _ESCAPE_SETS:
            return _Chars(_ESCAPE_SETS[char])
        if char in "bBAZz":
            return None
        if char in "123456789":
            digits = char
            if self._peek().isdigit():
                digits += self._peek()
                self.pos += 1
            return _Backref(int(digits))
        return _Chars(self._escaped_char(char))

    def _escaped_char(self, char: str) -> str:
        if char in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[char]
        width = {"x": 2, "u": 4, "U": 8}.get(char)
        if width is None:
            if char == "N":
                raise _Unsupported(self.pattern)
            return char
        digits = self.pattern[self.pos : self.pos + width]
        if len(digits) != width:
            raise _Unsupported(self.pattern)
        self.pos += width
        try:
            return chr(int(digits, 16))
        except ValueError as error:
            raise _Unsupported(self.pattern) from error

    def _class_item(self) -> tuple[str, bool]:
        """One member of a character class: its characters, and whether it is a single character."""
        char = self.pattern[self.pos]
        self.pos += 1
        if char != "\\":
            return char, True
        escaped = self._peek()
        if not escaped:
            raise _Unsupported(self.pattern)
        self.pos += 1
        if escaped in _ESCAPE_SETS:
            full = {"W": _PUNCT.replace("_", ""), "s": " \t\n"}.get(escaped, _ESCAPE_SETS[escaped])
            return full, False
        if escaped == "b":
            return "\b", True
        return self._escaped_char(escaped), True

    def _char_class(self) -> _Node:
        negate = self._peek() == "^"
        if negate:
            self.pos += 1
        members: list[str] = []
        first = True
        while True:
            if self.pos >= len(self.pattern):
                raise _Unsupported(self.pattern)
            if self._peek() == "]" and not first:
                self.pos += 1
                break
            first = False
            chars, single = self._class_item()
            if single and self._peek() == "-" and self._peek(1) not in ("]", ""):
                self.pos += 1
                end, end_single = self._class_item()
                if not end_single or ord(end) < ord(chars):
                    raise _Unsupported(self.pattern)
                members.append(_expand_range(ord(chars), ord(end)))
            else:
                members.append(chars)
        allowed = "".join(dict.fromkeys("".join(members)))
        if negate:
            excluded = frozenset(allowed)
            for universe in (_ALNUM + _PUNCT, _PRINTABLE):
                remaining = "".join(char for char in universe if char not in excluded)
                if remaining:
                    return _Chars(_nice(remaining))
            raise _Unsupported(self.pattern)
        if not allowed:
            raise _Unsupported(self.pattern)
        return _Chars(_nice(allowed))


def _expand_range(low: int, high: int) -> str:
    if high - low < _RANGE_CAP:
        return "".join(chr(code) for code in range(low, high + 1))
    inside = "".join(char for char in _ALNUM if low <= ord(char) <= high)
    return inside + "".join(chr(code) for code in range(low, low + _RANGE_CAP) if code < 0xD800)


@lru_cache(maxsize=1024)
def _parse_pattern(pattern: str) -> tuple[_Node, tuple[_Node, ...]] | None:
    """The pattern's main tree and its positive lookahead bodies, or None when unsupported."""
    parser = _PatternParser(pattern)
    try:
        node = parser.parse()
    except (_Unsupported, IndexError):
        return None
    return node, tuple(parser.lookaheads)


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The compiled pattern, or None when it is not a valid Python regex."""
    try:
        return re.compile(pattern)
    except (re.error, TypeError):
        return None


def _sample(node: _Node, rng: Rng, stretch: int, out: list[str], groups: dict[int, str]) -> None:
    """Append to out a random string that node matches; stretch shifts repeat counts up (or down)."""
    if isinstance(node, _Chars):
        out.append(node.chars[rng.below(len(node.chars))])
    elif isinstance(node, _Seq):
        for item in node.items:
            _sample(item, rng, stretch, out, groups)
    elif isinstance(node, _Alt):
        _sample(rng.choice(node.options), rng, stretch, out, groups)
    elif isinstance(node, _Group):
        start = len(out)
        _sample(node.node, rng, stretch, out, groups)
        groups[node.index] = "".join(out[start:])
    elif isinstance(node, _Backref):
        out.append(groups.get(node.index, ""))
    else:
        top = node.low + 3 + stretch if node.high is None else min(node.high, node.low + 3 + stretch)
        bottom = node.low + max(stretch, 0) if node.high is None else min(node.high, node.low + max(stretch, 0))
        for _ in range(rng.between(bottom, max(node.low, top))):
            _sample(node.node, rng, stretch, out, groups)


_FALLBACK_STRINGS = (
    "",
    "a",
    "A",
    "0",
    "abc",
    "ABC",
    "abc123",
    "Abc123",
    "Aa1!Aa1!Aa1!",
    "ABC-1234",
    "example",
    "Example",
    "2024-01-01",
    "user@example.com",
    "https://www.example.com",
    "12345",
    "x" * 16,
)


def length_ok(text: str, min_length: int, max_length: int | None) -> bool:
    """Whether text is within the length limits."""
    return len(text) >= min_length and (max_length is None or len(text) <= max_length)


def pattern_string(patterns: list[str], preferred: str, rng: Rng, min_length: int, max_length: int | None) -> str:
    """A string matching every pattern (as re.search does) within the length limits, preferring `preferred`."""
    compiled = [regex for regex in map(compile_pattern, patterns) if regex is not None]

    def fits(text: str) -> bool:
        return length_ok(text, min_length, max_length) and all(regex.search(text) for regex in compiled)

    if not compiled:
        return fit_length(preferred, rng, min_length, max_length)
    if fits(preferred):
        return preferred
    parsed = [tree for tree in map(_parse_pattern, patterns) if tree is not None]
    candidate = ""
    stretch = 0
    for attempt in range(32 if parsed else 0):
        node, lookaheads = parsed[attempt % len(parsed)]
        out: list[str] = []
        if attempt % 2:
            for body in lookaheads:
                _sample(body, rng, -3, out, {})
        _sample(node, rng, stretch, out, {})
        candidate = "".join(out)
        if fits(candidate):
            return candidate
        if len(candidate) < min_length:
            stretch += max(1, (min_length - len(candidate)) // 2)
        elif max_length is not None and len(candidate) > max_length:
            stretch -= max(1, (len(candidate) - max_length) // 2)
    for fallback in _FALLBACK_STRINGS:
        if fits(fallback):
            return fallback
    return candidate or preferred
