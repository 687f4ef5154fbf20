"""Which route answers a method and path, and the arguments the path carries.

Rules are written the werkzeug way (`/v1/files/<file_id>`, `/v1/models/<path:model>`)
and match as a werkzeug `Map(strict_slashes=False)` matches them: a trailing slash
is allowed, a GET rule answers HEAD, the method's case does not matter, a rule with
more literal segments early on wins, and an empty segment matches nothing (werkzeug
redirects such a path, which the fake answers as an unknown URL). It costs a dict
lookup or a few segment comparisons, where building werkzeug's map took ~25 ms and
each match ~10 µs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from ..endpoints import Route

Match = tuple[Route | None, dict[str, str]]


class _Pattern(NamedTuple):
    """A rule of fixed length: the literal segments it needs, and the segments it captures."""

    literals: tuple[tuple[int, str], ...]
    captures: tuple[tuple[int, str], ...]
    route: Route

    def match(self, parts: list[str]) -> dict[str, str] | None:
        for index, text in self.literals:
            if parts[index] != text:
                return None
        args = {}
        for index, name in self.captures:
            value = parts[index]
            if not value:
                return None
            args[name] = value
        return args


class _Tail(NamedTuple):
    """A rule ending in `<path:name>` after a literal prefix: the rest of the path, slashes and all."""

    prefix: str
    name: str
    route: Route


class Router:
    """Finds the route for a request; built once per app from its routes."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._static: dict[tuple[str, str], Route] = {}
        self._patterns: dict[tuple[str, int], list[_Pattern]] = {}
        self._tails: dict[str, list[_Tail]] = {}
        for route in routes:
            self._add(route)
        for patterns in self._patterns.values():
            patterns.sort(key=_literals_first)

    def _add(self, route: Route) -> None:
        if "<" not in route.rule:
            self._static[route.method, route.rule] = route
            return
        prefix, marker, name = route.rule.partition("<path:")
        if marker:
            if "<" in prefix or not name.endswith(">") or "/" in name:
                raise ValueError(f"{route.rule}: a <path:…> argument must come last, after literal segments")
            self._tails.setdefault(route.method, []).append(_Tail(prefix, name[:-1], route))
            return
        parts = route.rule.split("/")
        literals, captures = [], []
        for index, part in enumerate(parts):
            if part.startswith("<") and part.endswith(">") and ":" not in part:
                captures.append((index, part[1:-1]))
            elif "<" in part or ">" in part:
                raise ValueError(f"{route.rule}: an argument must be a whole segment, without a converter")
            else:
                literals.append((index, part))
        pattern = _Pattern(tuple(literals), tuple(captures), route)
        self._patterns.setdefault((route.method, len(parts)), []).append(pattern)

    def match(self, method: str, path: str) -> Match:
        """The route for `method` and `path` (percent-decoded, without its query), and the path's arguments."""
        route = self._static.get((method, path))
        if route is not None:
            return route, {}
        method = method.upper()
        if method == "HEAD":
            method = "GET"
        path = "/" + path.lstrip("/")
        trimmed = path[:-1] if len(path) > 1 and path.endswith("/") else path
        route = self._static.get((method, trimmed))
        if route is not None:
            return route, {}
        parts = trimmed.split("/")
        for pattern in self._patterns.get((method, len(parts)), ()):
            args = pattern.match(parts)
            if args is not None:
                return pattern.route, args
        for tail in self._tails.get(method, ()):
            rest = path[len(tail.prefix) :]
            if path.startswith(tail.prefix) and rest and not rest.startswith("/"):
                return tail.route, {tail.name: rest}
        return None, {}


def _literals_first(pattern: _Pattern) -> list[bool]:
    """Sorts patterns of one length as werkzeug tries them: a literal segment before an argument, left to right."""
    captured = {index for index, _ in pattern.captures}
    return [index in captured for index in range(len(pattern.literals) + len(captured))]
