"""Deterministic fabrication of plausible JSON values and short English replies.

`fabricate_json` walks a JSON Schema (the subset OpenAI structured outputs and
tool parameters use, and a good deal more) and builds a value that validates
against it.  Property names steer the choice of values ("city" gives a city,
"email" an address, "age" a small integer).  All randomness comes from
splitmix64 streams seeded with BLAKE2b digests of the seed and of the position
in the document, so the same (schema, seed) always gives the same value and a
sibling property does not change when another one is added.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeAlias, TypeGuard

from ._tokens import truncate_to_tokens

__all__ = ["fabricate_json", "fabricate_text"]

_MASK64 = (1 << 64) - 1


class _Rng:
    """A tiny deterministic random stream (splitmix64) keyed by strings."""

    __slots__ = ("_state",)

    def __init__(self, *keys: str) -> None:
        material = "\x1f".join(keys).encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(material, digest_size=8).digest()
        self._state = int.from_bytes(digest, "big")

    def next(self) -> int:
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK64
        z = self._state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        return self.next() % n if n > 0 else 0

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high], both inclusive."""
        if high <= low:
            return low
        return low + self.next() % (high - low + 1)

    def chance(self, probability: float) -> bool:
        return self.next() < probability * 18446744073709551616.0

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * ((self.next() >> 11) / 9007199254740992.0)

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.below(len(options))]


_FIRST_NAMES = (
    "Alex",
    "Maria",
    "James",
    "Aisha",
    "Kenji",
    "Sofia",
    "Liam",
    "Priya",
    "Mateo",
    "Emma",
    "Noah",
    "Mei",
    "Olivia",
    "Lucas",
    "Fatima",
    "Daniel",
)
_LAST_NAMES = (
    "Morgan",
    "Garcia",
    "Smith",
    "Khan",
    "Tanaka",
    "Rossi",
    "Murphy",
    "Patel",
    "Silva",
    "Johnson",
    "Nguyen",
    "Fischer",
    "Okafor",
    "Larsen",
    "Kim",
    "Dubois",
)
_CITIES = (
    ("Paris", "France"),
    ("Tokyo", "Japan"),
    ("Lisbon", "Portugal"),
    ("Toronto", "Canada"),
    ("Nairobi", "Kenya"),
    ("Melbourne", "Australia"),
    ("Buenos Aires", "Argentina"),
    ("Oslo", "Norway"),
    ("Seoul", "South Korea"),
    ("Cape Town", "South Africa"),
    ("Berlin", "Germany"),
    ("Mexico City", "Mexico"),
    ("Mumbai", "India"),
    ("San Francisco", "United States"),
    ("London", "United Kingdom"),
    ("Reykjavik", "Iceland"),
)
_REGIONS = (
    "California",
    "Ontario",
    "Bavaria",
    "Queensland",
    "Catalonia",
    "Texas",
    "Hokkaido",
    "Tuscany",
)
_STREETS = (
    "Main Street",
    "Oak Avenue",
    "Maple Road",
    "Harbor Lane",
    "Elm Street",
    "Park Boulevard",
    "Station Road",
    "Cedar Court",
)
_COMPANIES = (
    "Acme Corp",
    "Globex",
    "Initech",
    "Northwind Traders",
    "Blue Harbor Labs",
    "Summit Analytics",
    "Brightline Foods",
    "Vertex Systems",
)
_PRODUCTS = (
    "Wireless Headphones",
    "Standing Desk",
    "Espresso Machine",
    "Trail Running Shoes",
    "Smart Thermostat",
    "Mechanical Keyboard",
    "Ceramic Teapot",
    "Travel Backpack",
)
_FILES = (
    "report.pdf",
    "notes.txt",
    "summary.docx",
    "data.csv",
    "diagram.png",
    "budget.xlsx",
    "readme.md",
    "invoice.pdf",
)
_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK")
_LANGUAGES = ("English", "Spanish", "French", "German", "Japanese", "Portuguese")
_LOCALES = ("en-US", "en-GB", "fr-FR", "de-DE", "es-ES", "ja-JP")
_COLORS = ("blue", "green", "red", "teal", "orange", "purple", "yellow", "gray")
_UNITS = ("celsius", "fahrenheit", "kilograms", "meters", "liters", "miles")
_STATUSES = ("active", "pending", "completed", "in_progress", "cancelled", "open")
_CATEGORIES = ("general", "travel", "finance", "health", "technology", "education")
_TAGS = ("travel", "budget", "urgent", "weekend", "research", "family", "outdoor", "work")
_TITLES = (
    "Quarterly planning notes",
    "Weekend trip to the coast",
    "Getting started guide",
    "Team offsite agenda",
    "Monthly budget review",
    "Product launch checklist",
)
_ROLES = (
    "software engineer",
    "product manager",
    "data analyst",
    "designer",
    "teacher",
    "nurse",
    "accountant",
    "project lead",
)
_DEPARTMENTS = ("Engineering", "Marketing", "Sales", "Finance", "Operations", "Support")
_QUERIES = (
    "best hiking trails near Denver",
    "how to make sourdough bread",
    "cheap flights to Lisbon",
    "python list comprehension examples",
    "weather forecast for tomorrow",
    "vegetarian dinner ideas",
)
_WEATHER = ("sunny", "partly cloudy", "light rain", "overcast", "clear skies", "windy")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FOODS = ("tomato soup", "pad thai", "margherita pizza", "lentil curry", "caesar salad", "banana bread")
_TIMEZONES = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC")
_TICKERS = ("AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "TSLA")
_ADJECTIVES = (
    "quiet",
    "bright",
    "golden",
    "simple",
    "rapid",
    "gentle",
    "modern",
    "classic",
    "hidden",
    "friendly",
    "steady",
    "vivid",
)
_NOUNS = (
    "harbor",
    "meadow",
    "journey",
    "signal",
    "garden",
    "bridge",
    "summit",
    "lantern",
    "river",
    "canvas",
    "orchard",
    "compass",
)

_OPENERS = (
    "Sure!",
    "Great question.",
    "Happy to help.",
    "Absolutely.",
    "Good idea.",
    "Here's a quick answer.",
    "Of course.",
    "Thanks for asking.",
)
_BODIES = (
    "The short answer is that it depends on {factor}, but {advice}.",
    "In most cases, {advice}.",
    "A good first step is to {action}.",
    "It usually helps to {action} before you {action2}.",
    "{subject} tends to work best when you {action}.",
    "Based on what you've described, I'd recommend that you {action}.",
    "One common approach is to {action} and then {action2}.",
    "If you're unsure, {advice}.",
    "Keep in mind that {factor} can change the outcome quite a bit.",
)
_CLOSERS = (
    "Let me know if you'd like more detail.",
    "I hope that helps!",
    "Feel free to ask if anything is unclear.",
    "Want me to walk through an example?",
    "Good luck!",
)
_FACTORS = (
    "your specific goals",
    "the context",
    "how much time you have",
    "the size of the data",
    "your budget",
    "the constraints involved",
    "the tools you already use",
)
_ADVICE = (
    "starting simple is usually the best choice",
    "a small experiment will tell you more than a long plan",
    "it's worth checking the details first",
    "the most reliable option is the one you can test quickly",
    "clear notes will save you time later",
)
_ACTIONS = (
    "break the problem into smaller steps",
    "start with a simple example",
    "write down the key requirements",
    "compare a few options side by side",
    "test your assumptions early",
    "review the documentation",
    "ask for feedback from someone you trust",
    "set a realistic timeline",
)
_SUBJECTS = ("This kind of plan", "An approach like this", "The process", "A setup like that")


def _sentence(rng: _Rng, template_index: int | None = None) -> str:
    index = rng.below(len(_BODIES)) if template_index is None else template_index
    template = _BODIES[index % len(_BODIES)]
    action = rng.choice(_ACTIONS)
    action2 = rng.choice(_ACTIONS)
    if action2 == action:
        action2 = _ACTIONS[(_ACTIONS.index(action) + 1) % len(_ACTIONS)]
    return template.format(
        factor=rng.choice(_FACTORS),
        advice=rng.choice(_ADVICE),
        action=action,
        action2=action2,
        subject=rng.choice(_SUBJECTS),
    )


@lru_cache(maxsize=4096)
def _full_text(seed: str) -> str:
    rng = _Rng("text", seed)
    parts: list[str] = []
    if rng.chance(0.4):
        parts.append(rng.choice(_OPENERS))
    first = rng.below(len(_BODIES))
    parts.append(_sentence(rng, first))
    if len(parts) < 3 and rng.chance(0.35):
        parts.append(_sentence(rng, first + 1 + rng.below(len(_BODIES) - 1)))
    if len(parts) < 3 and rng.chance(0.35):
        parts.append(rng.choice(_CLOSERS))
    return " ".join(parts)


@lru_cache(maxsize=4096)
def _truncated_text(seed: str, max_tokens: int) -> str:
    return truncate_to_tokens(_full_text(seed), max_tokens)


def fabricate_text(seed: str, *, max_tokens: int | None = None) -> str:
    """A short, plausible English reply (one to three sentences), deterministic per seed.

    The reply has at most max_tokens tokens as counted by count_tokens.
    """
    if max_tokens is None:
        return _full_text(seed)
    return _truncated_text(seed, max_tokens)


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=2048)
def _hint_tokens(name: str) -> tuple[frozenset[str], str]:
    spaced = _CAMEL_BOUNDARY.sub("_", name).lower()
    words = [word for word in _NON_ALNUM.split(spaced) if word]
    tokens = set(words)
    tokens.update(_singular(word) for word in words)
    return frozenset(tokens), "".join(words)


def _rule_matches(keywords: tuple[str, ...], name: str) -> bool:
    tokens, joined = _hint_tokens(name)
    for keyword in keywords:
        if "+" in keyword:
            if all(part in tokens for part in keyword.split("+")):
                return True
        elif keyword in tokens or joined == keyword or _singular(joined) == keyword:
            return True
    return False


_STRING_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("email", ("email", "mail", "emailaddress")),
    ("uuid", ("uuid", "guid")),
    ("url", ("url", "uri", "link", "website", "homepage", "href", "endpoint")),
    ("ipv4", ("ip", "ipv4", "ipaddress")),
    ("first_name", ("first+name", "given+name", "firstname", "givenname")),
    ("last_name", ("last+name", "family+name", "surname", "lastname", "familyname")),
    ("username", ("username", "user+name", "login", "handle", "screen+name", "nickname")),
    ("timezone", ("timezone", "tz", "time+zone")),
    ("city", ("city", "town")),
    ("country", ("country", "nation")),
    ("region", ("state", "province", "region")),
    ("zip", ("zip", "postal", "postcode", "zipcode")),
    ("address", ("address", "street")),
    ("location", ("location", "place", "destination", "origin", "venue")),
    ("phone", ("phone", "mobile", "tel", "telephone", "fax")),
    ("datetime", ("datetime", "timestamp", "created", "updated", "modified", "expires", "at")),
    ("date", ("date", "birthday", "dob", "deadline", "due")),
    ("weekday", ("weekday", "day+of+week")),
    ("time", ("time",)),
    ("id", ("id", "identifier")),
    ("company", ("company", "organization", "organisation", "org", "employer", "business", "brand")),
    ("product", ("product", "item", "merchandise")),
    ("file", ("file", "filename", "path", "attachment")),
    ("currency", ("currency",)),
    ("language", ("language", "lang")),
    ("locale", ("locale",)),
    ("color", ("color", "colour")),
    ("unit", ("unit",)),
    ("status", ("status",)),
    ("title", ("title", "headline", "subject", "heading")),
    (
        "sentence",
        (
            "description",
            "summary",
            "content",
            "text",
            "message",
            "body",
            "comment",
            "note",
            "reason",
            "explanation",
            "answer",
            "response",
            "reply",
            "feedback",
            "review",
            "bio",
            "instruction",
            "detail",
            "justification",
            "reasoning",
            "analysis",
            "advice",
            "recommendation",
            "caption",
            "step",
        ),
    ),
    ("query", ("query", "search", "question", "prompt", "term")),
    ("tag", ("tag", "keyword", "label", "topic", "hashtag")),
    ("category", ("category", "type", "kind", "genre", "class")),
    ("role", ("role", "job", "occupation", "profession")),
    ("department", ("department", "team")),
    ("password", ("password", "passphrase")),
    ("token", ("token", "secret", "key", "apikey")),
    ("code", ("code", "sku", "reference", "ref")),
    ("hostname", ("domain", "host", "hostname")),
    ("version", ("version",)),
    ("ticker", ("symbol", "ticker")),
    ("weather", ("weather", "condition", "forecast")),
    ("slug", ("slug",)),
    ("food", ("ingredient", "food", "dish", "recipe", "meal")),
    (
        "name",
        (
            "name",
            "author",
            "person",
            "customer",
            "contact",
            "owner",
            "assignee",
            "recipient",
            "sender",
            "attendee",
            "participant",
            "guest",
            "member",
            "employee",
            "student",
            "speaker",
        ),
    ),
)

# (low, high, decimals) ranges for numbers named like this.
_NUMBER_RULES: tuple[tuple[tuple[float, float, int], tuple[str, ...]], ...] = (
    ((-60.0, 70.0, 4), ("lat", "latitude")),
    ((-180.0, 180.0, 4), ("lon", "lng", "longitude")),
    ((-5.0, 35.0, 1), ("temperature", "temp", "celsius", "fahrenheit")),
    ((18.0, 80.0, 0), ("age",)),
    ((1990.0, 2025.0, 0), ("year",)),
    ((1.0, 12.0, 0), ("month",)),
    ((1.0, 14.0, 0), ("days", "duration", "week", "stay")),
    ((1.0, 28.0, 0), ("day",)),
    ((0.0, 23.0, 0), ("hour",)),
    ((0.0, 59.0, 0), ("minute", "second")),
    ((1.0, 5.0, 0), ("rating", "star", "priority", "level")),
    ((0.0, 1.0, 2), ("probability", "confidence", "ratio", "weight+factor")),
    ((0.0, 100.0, 0), ("score", "percent", "percentage", "pct", "progress")),
    ((20.0, 95.0, 0), ("humidity",)),
    (
        (5.0, 500.0, 2),
        (
            "price",
            "cost",
            "amount",
            "salary",
            "budget",
            "fee",
            "balance",
            "revenue",
            "total+price",
            "subtotal",
            "payment",
        ),
    ),
    (
        (1.0, 10.0, 0),
        (
            "count",
            "quantity",
            "qty",
            "num",
            "number",
            "total",
            "people",
            "guest",
            "adult",
            "child",
            "room",
            "night",
            "item",
            "passenger",
            "seat",
            "attempt",
            "retry",
        ),
    ),
    ((1.0, 20.0, 0), ("page", "limit", "top", "max", "min", "size", "k")),
    ((10000.0, 5000000.0, 0), ("population",)),
    ((1.0, 500.0, 1), ("distance", "km", "mile", "mileage")),
    ((0.0, 60.0, 1), ("speed", "wind")),
    ((1024.0, 65535.0, 0), ("port",)),
    ((1.0, 99999.0, 0), ("id", "identifier")),
    ((0.0, 10.0, 0), ("index", "position", "rank", "offset")),
    ((1.0, 200.0, 1), ("weight", "height", "width", "length", "depth")),
)

_BOOLEAN_PREFIXES = ("is", "has", "can", "should", "allow", "enable", "include")
_BOOLEAN_WORDS = frozenset({"enabled", "active", "verified", "available", "visible", "required", "done"})


@lru_cache(maxsize=2048)
def _string_kind(name: str) -> str | None:
    if not name:
        return None
    for kind, keywords in _STRING_RULES:
        if _rule_matches(keywords, name):
            return kind
    return None


@lru_cache(maxsize=2048)
def _number_hint(name: str) -> tuple[float, float, int] | None:
    if not name:
        return None
    for hint, keywords in _NUMBER_RULES:
        if _rule_matches(keywords, name):
            return hint
    return None


@lru_cache(maxsize=2048)
def _inferred_type(name: str) -> str | None:
    if not name:
        return None
    spaced = _CAMEL_BOUNDARY.sub("_", name).lower()
    words = [word for word in _NON_ALNUM.split(spaced) if word]
    if words and (words[0] in _BOOLEAN_PREFIXES or words[-1] in _BOOLEAN_WORDS):
        return "boolean"
    hint = _number_hint(name)
    if hint is not None and _string_kind(name) not in ("id", "datetime", "date", "time"):
        return "integer" if hint[2] == 0 else "number"
    return None


def _person(rng: _Rng) -> tuple[str, str]:
    return rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)


def _hex(rng: _Rng, digits: int) -> str:
    return format(rng.next() & ((1 << (4 * digits)) - 1), f"0{digits}x")


def _date(rng: _Rng) -> str:
    return f"{rng.between(2023, 2025):04d}-{rng.between(1, 12):02d}-{rng.between(1, 28):02d}"


def _clock(rng: _Rng) -> str:
    return f"{rng.between(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00"


def _uuid(rng: _Rng) -> str:
    value = (rng.next() << 64) | rng.next()
    value = (value & ~(0xF << 76)) | (0x4 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    text = format(value, "032x")
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _slug(rng: _Rng) -> str:
    return f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}"


def _email(rng: _Rng) -> str:
    first, last = _person(rng)
    return f"{first.lower()}.{last.lower()}@example.com"


def _name_prefix(name: str) -> str:
    spaced = _CAMEL_BOUNDARY.sub("_", name).lower()
    words = [word for word in _NON_ALNUM.split(spaced) if word and word != "id"]
    if not words or not words[0].isascii():
        return "id"
    return words[0] if len(words[0]) <= 6 else words[0][:3]


_STRING_MAKERS: dict[str, Callable[[_Rng, str], str]] = {
    "email": lambda rng, name: _email(rng),
    "uuid": lambda rng, name: _uuid(rng),
    "url": lambda rng, name: f"https://www.example.com/{_slug(rng)}",
    "ipv4": lambda rng, name: f"192.0.2.{rng.between(1, 254)}",
    "first_name": lambda rng, name: rng.choice(_FIRST_NAMES),
    "last_name": lambda rng, name: rng.choice(_LAST_NAMES),
    "username": lambda rng, name: f"{rng.choice(_FIRST_NAMES).lower()}_{rng.between(10, 99)}",
    "timezone": lambda rng, name: rng.choice(_TIMEZONES),
    "city": lambda rng, name: rng.choice(_CITIES)[0],
    "country": lambda rng, name: rng.choice(_CITIES)[1],
    "region": lambda rng, name: rng.choice(_REGIONS),
    "zip": lambda rng, name: f"{rng.between(10000, 99999)}",
    "address": lambda rng, name: f"{rng.between(1, 999)} {rng.choice(_STREETS)}",
    "location": lambda rng, name: ", ".join(rng.choice(_CITIES)),
    "phone": lambda rng, name: f"+1-555-01{rng.between(0, 99):02d}",
    "datetime": lambda rng, name: f"{_date(rng)}T{_clock(rng)}Z",
    "date": lambda rng, name: _date(rng),
    "weekday": lambda rng, name: rng.choice(_WEEKDAYS),
    "time": lambda rng, name: _clock(rng)[:5],
    "id": lambda rng, name: f"{_name_prefix(name)}_{_hex(rng, 8)}",
    "company": lambda rng, name: rng.choice(_COMPANIES),
    "product": lambda rng, name: rng.choice(_PRODUCTS),
    "file": lambda rng, name: rng.choice(_FILES),
    "currency": lambda rng, name: rng.choice(_CURRENCIES),
    "language": lambda rng, name: rng.choice(_LANGUAGES),
    "locale": lambda rng, name: rng.choice(_LOCALES),
    "color": lambda rng, name: rng.choice(_COLORS),
    "unit": lambda rng, name: rng.choice(_UNITS),
    "status": lambda rng, name: rng.choice(_STATUSES),
    "title": lambda rng, name: rng.choice(_TITLES),
    "sentence": lambda rng, name: _sentence(rng),
    "query": lambda rng, name: rng.choice(_QUERIES),
    "tag": lambda rng, name: rng.choice(_TAGS),
    "category": lambda rng, name: rng.choice(_CATEGORIES),
    "role": lambda rng, name: rng.choice(_ROLES),
    "department": lambda rng, name: rng.choice(_DEPARTMENTS),
    "password": lambda rng, name: f"{rng.choice(_NOUNS).title()}-{rng.between(100, 999)}!x",
    "token": lambda rng, name: f"tok_{_hex(rng, 16)}",
    "code": lambda rng, name: f"{rng.choice(_TICKERS)[:3]}-{rng.between(1000, 9999)}",
    "hostname": lambda rng, name: f"{rng.choice(_NOUNS)}.example.com",
    "version": lambda rng, name: f"{rng.between(0, 4)}.{rng.between(0, 20)}.{rng.between(0, 9)}",
    "ticker": lambda rng, name: rng.choice(_TICKERS),
    "weather": lambda rng, name: rng.choice(_WEATHER),
    "slug": lambda rng, name: _slug(rng),
    "food": lambda rng, name: rng.choice(_FOODS),
    "name": lambda rng, name: " ".join(_person(rng)),
}


def _hint_string(rng: _Rng, name: str) -> str:
    kind = _string_kind(name)
    if kind is not None:
        return _STRING_MAKERS[kind](rng, name)
    numeric = _number_hint(name)
    if numeric is not None:
        low, high, decimals = numeric
        return f"{rng.uniform(low, high):.{decimals}f}"
    return f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"


_FORMAT_MAKERS: dict[str, Callable[[_Rng], str]] = {
    "date-time": lambda rng: f"{_date(rng)}T{_clock(rng)}Z",
    "date": _date,
    "time": lambda rng: f"{_clock(rng)}Z",
    "email": _email,
    "idn-email": _email,
    "uuid": _uuid,
    "uri": lambda rng: f"https://www.example.com/{_slug(rng)}",
    "iri": lambda rng: f"https://www.example.com/{_slug(rng)}",
    "uri-reference": lambda rng: f"/docs/{_slug(rng)}",
    "iri-reference": lambda rng: f"/docs/{_slug(rng)}",
    "url": lambda rng: f"https://www.example.com/{_slug(rng)}",
    "uri-template": lambda rng: "https://www.example.com/items/{id}",
    "hostname": lambda rng: f"{rng.choice(_NOUNS)}.example.com",
    "idn-hostname": lambda rng: f"{rng.choice(_NOUNS)}.example.com",
    "ipv4": lambda rng: f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.between(1, 254)}",
    "ipv6": lambda rng: f"2001:db8::{rng.between(1, 0xFFFF):x}",
    "duration": lambda rng: rng.choice(
        ("PT15M", "PT1H30M", "P3D", "P1DT12H", "PT45S", "P2W", "P1M", "P1Y2M10DT2H30M", "P2DT3H4M")
    ),
    "json-pointer": lambda rng: f"/{rng.choice(_NOUNS)}/{rng.between(0, 9)}",
    "relative-json-pointer": lambda rng: f"{rng.between(0, 3)}/{rng.choice(_NOUNS)}",
    "regex": lambda rng: "^[a-z]+$",
}


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
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except (re.error, TypeError):
        return None


def _sample(node: _Node, rng: _Rng, stretch: int, out: list[str], groups: dict[int, str]) -> None:
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


def _length_ok(text: str, min_length: int, max_length: int | None) -> bool:
    return len(text) >= min_length and (max_length is None or len(text) <= max_length)


def _pattern_string(patterns: list[str], preferred: str, rng: _Rng, min_length: int, max_length: int | None) -> str:
    """A string matching every pattern (as re.search does) within the length limits, preferring `preferred`."""
    compiled = [regex for regex in map(_compiled, patterns) if regex is not None]

    def fits(text: str) -> bool:
        return _length_ok(text, min_length, max_length) and all(regex.search(text) for regex in compiled)

    if not compiled:
        return _fit_length(preferred, rng, min_length, max_length)
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


def _fit_length(text: str, rng: _Rng, min_length: int, max_length: int | None) -> str:
    while len(text) < min_length:
        text = f"{text} {_sentence(rng)}" if text else _sentence(rng)
    if max_length is not None and len(text) > max_length:
        cut = text[: max(max_length, 0)]
        stripped = cut.rstrip(" ,")
        text = stripped if len(stripped) >= min_length else cut
    return text


_TYPES = ("null", "boolean", "object", "array", "number", "integer", "string")
_OBJECT_KEYS = (
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "dependentRequired",
)
_ARRAY_KEYS = ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")
_STRING_KEYS = ("pattern", "minLength", "maxLength", "format")
_NUMBER_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_LOWER_BOUNDS = frozenset({"minimum", "minLength", "minItems", "minProperties", "minContains"})
_UPPER_BOUNDS = frozenset({"maximum", "maxLength", "maxItems", "maxProperties", "maxContains"})
_SUBSCHEMA_KEYS = frozenset(
    {
        "items",
        "additionalProperties",
        "additionalItems",
        "contains",
        "propertyNames",
        "unevaluatedProperties",
        "unevaluatedItems",
    }
)
_DEFERRED_KEYS = frozenset({"$ref", "anyOf", "oneOf", "not", "if"})
_PAIRED_BOUNDS = frozenset(
    {
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
    }
)
_EXTRA_PATTERNS = "\x00patterns"
_CONFLICT = "\x00conflict"
_RECURSION_LIMIT = 3
_ATTEMPTS = 20
_RETRY_BUDGET = 400
_DEPTH_LIMIT = 48
_OPTIONAL_CHANCE = 0.7
_NULL_CHANCE = 1 / 6
_NUMBER = (int, float)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


def _type_set(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _common_types(mine: list[str], theirs: list[str]) -> list[str]:
    common = [kind for kind in mine if kind in theirs]
    if "integer" not in common and (
        ("integer" in mine and "number" in theirs) or ("number" in mine and "integer" in theirs)
    ):
        common.append("integer")
    return common


def _compatible(base: Mapping[str, Any], branch: Any) -> bool:
    if not isinstance(branch, Mapping):
        return True
    mine, theirs = _type_set(base.get("type")), _type_set(branch.get("type"))
    return not mine or not theirs or bool(_common_types(mine, theirs))


def _close_properties(merged: dict[str, Any], closed: Mapping[str, Any]) -> None:
    """Forbid in merged the properties that `closed` (additionalProperties: false) does not allow."""
    allowed = closed.get("properties")
    allowed = allowed if isinstance(allowed, Mapping) else {}
    patterns = closed.get("patternProperties")
    patterns = (
        [regex for regex in map(_compiled, patterns) if regex is not None] if isinstance(patterns, Mapping) else []
    )
    properties = merged.get("properties")
    if not isinstance(properties, Mapping):
        return
    narrowed = {
        name: sub if name in allowed or any(regex.search(name) for regex in patterns) else False
        for name, sub in properties.items()
    }
    merged["properties"] = narrowed
    required = merged.get("required")
    if isinstance(required, list) and any(narrowed.get(name, True) is False for name in required):
        merged[_CONFLICT] = True


def _merge(base: dict[str, Any], extra: Any) -> dict[str, Any]:
    """Combine two schemas into one whose instances satisfy both (as far as practical)."""
    if not isinstance(extra, Mapping):
        return base
    merged = _merge_keys(base, extra)
    if extra.get("additionalProperties") is False and "properties" in base:
        _close_properties(merged, extra)
    if base.get("additionalProperties") is False and "properties" in extra:
        _close_properties(merged, base)
    return merged


def _merge_keys(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if key not in merged:
            merged[key] = value
            continue
        mine = merged[key]
        if mine is value or mine == value:
            continue
        if key in ("properties", "patternProperties", "dependentRequired"):
            if isinstance(mine, Mapping) and isinstance(value, Mapping):
                combined = dict(mine)
                for name, sub in value.items():
                    if name not in combined:
                        combined[name] = sub
                    elif key == "dependentRequired":
                        combined[name] = list(dict.fromkeys([*combined[name], *sub]))
                    else:
                        combined[name] = {"allOf": [combined[name], sub]}
                merged[key] = combined
        elif key == "required":
            merged[key] = list(dict.fromkeys([*mine, *value]))
        elif key == "type":
            common_types = _common_types(_type_set(mine), _type_set(value))
            if common_types:
                merged[key] = common_types[0] if len(common_types) == 1 else common_types
            else:
                merged[_CONFLICT] = True
        elif key == "enum":
            if isinstance(mine, list) and isinstance(value, list):
                common = [item for item in mine if item in value]
                if common:
                    merged[key] = common
                else:
                    merged[_CONFLICT] = True
        elif key == "const":
            merged[_CONFLICT] = True
        elif key == "not":
            merged[key] = {"anyOf": [mine, value]}
        elif key in _LOWER_BOUNDS and _is_number(mine) and _is_number(value):
            merged[key] = max(mine, value)
        elif key in _UPPER_BOUNDS and _is_number(mine) and _is_number(value):
            merged[key] = min(mine, value)
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(mine, bool) or isinstance(value, bool):
                merged[key] = bool(mine) or bool(value)
            elif _is_number(mine) and _is_number(value):
                merged[key] = max(mine, value) if key == "exclusiveMinimum" else min(mine, value)
        elif key == "multipleOf" and _is_number(mine) and _is_number(value):
            if isinstance(mine, int) and isinstance(value, int):
                merged[key] = mine * value // math.gcd(mine, value)
            else:
                merged[key] = max(mine, value)
        elif key == "uniqueItems":
            merged[key] = bool(mine) or bool(value)
        elif key in _SUBSCHEMA_KEYS:
            merged[key] = False if mine is False or value is False else {"allOf": [mine, value]}
        elif key == "allOf":
            merged[key] = [*mine, *value]
        elif key in _DEFERRED_KEYS:
            group = {key: value}
            if key == "if":
                group.update({name: extra[name] for name in ("then", "else") if name in extra})
            merged["allOf"] = [*merged.get("allOf", []), group]
        elif key == "pattern":
            merged[_EXTRA_PATTERNS] = [*merged.get(_EXTRA_PATTERNS, []), value]
    return merged


def _is_null_schema(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    if _type_set(schema.get("type")) == ["null"]:
        return True
    if "const" in schema:
        return schema["const"] is None
    enum = schema.get("enum")
    return isinstance(enum, list) and enum == [None]


def _unique_key(value: Any) -> str:
    def normal(item: Any) -> Any:
        if isinstance(item, float) and item.is_integer():
            return int(item)
        if isinstance(item, list):
            return [normal(element) for element in item]
        if isinstance(item, dict):
            return {key: normal(element) for key, element in item.items()}
        return item

    return json.dumps(normal(value), sort_keys=True, default=str)


def _clone(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return copy.deepcopy(value)
    return value


def _matches_type(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return _is_number(value) and float(value).is_integer()
    if kind == "number":
        return _is_number(value)
    return False


def _inverted_bounds(flat: Mapping[str, Any]) -> bool:
    if len(flat.keys() & _PAIRED_BOUNDS) < 2:
        return False
    for low_key, high_key in (("minLength", "maxLength"), ("minItems", "maxItems"), ("minProperties", "maxProperties")):
        low, high = flat.get(low_key), flat.get(high_key)
        if _is_number(low) and _is_number(high) and low > high:
            return True
    low, low_open = _bound(flat, "minimum", "exclusiveMinimum", lower=True)
    high, high_open = _bound(flat, "maximum", "exclusiveMaximum", lower=False)
    if low is None or high is None:
        return False
    if low > high or ((low_open or high_open) and low == high):
        return True
    if _type_set(flat.get("type")) == ["integer"]:
        return math.floor(high) - (1 if high_open and float(high).is_integer() else 0) < math.ceil(low) + (
            1 if low_open and float(low).is_integer() else 0
        )
    return False


def _same(first: Any, second: Any) -> bool:
    """JSON equality: 1 == 1.0 but True != 1."""
    if isinstance(first, bool) or isinstance(second, bool):
        return first is second
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(map(_same, first, second))
    if isinstance(first, Mapping) and isinstance(second, Mapping):
        return first.keys() == second.keys() and all(_same(first[key], second[key]) for key in first)
    return bool(first == second)


class _Fabricator:
    """One fabrication run: the root schema (for $ref) and the seed."""

    def __init__(self, root: Any, seed: str) -> None:
        self.root = root
        self.seed = seed
        self.resolved: dict[str, Any] = {}
        self.has_ref: dict[int, tuple[Any, bool]] = {}
        self.failures = 0
        self.retries = _RETRY_BUDGET

    def rng(self, path: str, purpose: str) -> _Rng:
        return _Rng(self.seed, path, purpose)

    def resolve(self, ref: Any) -> Any:
        if not isinstance(ref, str):
            return True
        if ref in self.resolved:
            return self.resolved[ref]
        target: Any = True
        if ref == "#" or ref == "":
            target = self.root
        elif ref.startswith("#/"):
            target = self.root
            for raw in ref[2:].split("/"):
                part = re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), raw)
                part = part.replace("~1", "/").replace("~0", "~")
                if isinstance(target, Mapping) and part in target:
                    target = target[part]
                elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                    target = target[int(part)]
                else:
                    target = True
                    break
        self.resolved[ref] = target
        return target

    def mentions_ref(self, schema: Any) -> bool:
        key = id(schema)
        if key in self.has_ref:
            return self.has_ref[key][1]
        found = False
        if isinstance(schema, Mapping):
            found = "$ref" in schema or any(self.mentions_ref(sub) for sub in schema.values())
        elif isinstance(schema, list):
            found = any(self.mentions_ref(sub) for sub in schema)
        # Keeping the schema alive keeps its id from being reused by another object.
        self.has_ref[key] = (schema, found)
        return found

    def pick_branch(self, current: Mapping[str, Any], branches: Any, rng: _Rng, deep: bool) -> Any:
        if not isinstance(branches, list):
            return True
        usable = [branch for branch in branches if branch is not False]
        if not usable:
            return True
        usable = [branch for branch in usable if _compatible(current, branch)] or usable
        nulls = [branch for branch in usable if _is_null_schema(branch)]
        others = [branch for branch in usable if not _is_null_schema(branch)]
        if deep:
            if nulls:
                return nulls[0]
            plain = [branch for branch in others if not self.mentions_ref(branch)]
            return plain[0] if plain else others[0]
        if nulls and (not others or rng.chance(_NULL_CHANCE)):
            return rng.choice(nulls)
        return rng.choice(others)

    def flatten(
        self,
        schema: Mapping[str, Any],
        path: str,
        chain: tuple[str, ...],
        recursion: int,
        salt: str,
        choices: list[tuple[str, list[Any], int]],
    ) -> tuple[dict[str, Any], tuple[str, ...], int]:
        """Resolve $ref and merge allOf, the chosen anyOf/oneOf branch and if/then into one flat schema.

        Each anyOf/oneOf choice is appended to `choices` as (keyword, branches, chosen branch).
        """
        current = dict(schema)
        for step in range(64):
            if "$ref" in current:
                ref = current.pop("$ref")
                key = ref if isinstance(ref, str) else ""
                chain = (*chain, key)
                recursion = max(recursion, chain.count(key))
                current = _merge(current, self.resolve(ref))
                continue
            choice_key = "anyOf" if "anyOf" in current else "oneOf" if "oneOf" in current else ""
            if choice_key:
                rng = self.rng(path, f"{choice_key}{step}{salt}")
                branches = current.pop(choice_key)
                branch = self.pick_branch(current, branches, rng, recursion >= _RECURSION_LIMIT)
                if isinstance(branches, list):
                    chosen = next((index for index, item in enumerate(branches) if item is branch), -1)
                    choices.append((choice_key, branches, chosen))
                current = _merge(current, branch)
                continue
            if "if" in current:
                condition = current.pop("if")
                consequence = current.pop("then", None)
                current.pop("else", None)
                if consequence is not None:
                    current = _merge(_merge(current, condition), consequence)
                continue
            if "allOf" in current:
                parts = current.pop("allOf")
                for part in parts if isinstance(parts, list) else []:
                    current = _merge(current, part)
                continue
            break
        return current, chain, recursion

    def matches(self, value: Any, schema: Any, depth: int) -> bool:
        """Whether value validates against schema, for the common keywords; unknown ones count as satisfied."""
        if schema is True or schema is None:
            return True
        if not isinstance(schema, Mapping):
            return False
        if depth > 16:
            return True
        deeper = depth + 1
        if "$ref" in schema and not self.matches(value, self.resolve(schema["$ref"]), deeper):
            return False
        if "type" in schema and not any(_matches_type(value, kind) for kind in _type_set(schema["type"])):
            return False
        if "const" in schema and not _same(value, schema["const"]):
            return False
        enum = schema.get("enum")
        if isinstance(enum, list) and not any(_same(value, item) for item in enum):
            return False
        for key in ("allOf", "anyOf", "oneOf"):
            parts = schema.get(key)
            if isinstance(parts, list):
                hits = sum(1 for part in parts if self.matches(value, part, deeper))
                if (
                    (key == "allOf" and hits < len(parts))
                    or (key == "anyOf" and not hits)
                    or (key == "oneOf" and hits != 1)
                ):
                    return False
        if "not" in schema and self.matches(value, schema["not"], deeper):
            return False
        if isinstance(value, str):
            return self.string_matches(value, schema)
        if _is_number(value):
            return _number_matches(value, schema)
        if isinstance(value, Mapping):
            return self.object_matches(value, schema, deeper)
        if isinstance(value, list):
            return self.array_matches(value, schema, deeper)
        return True

    @staticmethod
    def string_matches(value: str, schema: Mapping[str, Any]) -> bool:
        low, high, pattern = schema.get("minLength"), schema.get("maxLength"), schema.get("pattern")
        if _is_number(low) and len(value) < low:
            return False
        if _is_number(high) and len(value) > high:
            return False
        compiled = _compiled(pattern) if isinstance(pattern, str) else None
        if compiled is not None and compiled.search(value) is None:
            return False
        check = _FORMAT_CHECKS.get(schema.get("format", "")) if isinstance(schema.get("format"), str) else None
        return check is None or check(value)

    def object_matches(self, value: Mapping[str, Any], schema: Mapping[str, Any], depth: int) -> bool:
        required = schema.get("required")
        if isinstance(required, list) and any(name not in value for name in required):
            return False
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        patterns = schema.get("patternProperties")
        patterns = patterns if isinstance(patterns, Mapping) else {}
        additional = schema.get("additionalProperties", True)
        for name, item in value.items():
            sub = self.property_schema(name, properties, patterns, additional)
            if name not in properties and sub == {} and additional is False:
                return False
            if not self.matches(item, sub, depth):
                return False
        return True

    def array_matches(self, value: list[Any], schema: Mapping[str, Any], depth: int) -> bool:
        low, high = schema.get("minItems"), schema.get("maxItems")
        if (_is_number(low) and len(value) < low) or (_is_number(high) and len(value) > high):
            return False
        prefix = schema.get("prefixItems")
        items = schema.get("items", True)
        if isinstance(items, list):
            prefix, items = items, schema.get("additionalItems", True)
        prefix = prefix if isinstance(prefix, list) else []
        for index, item in enumerate(value):
            if not self.matches(item, prefix[index] if index < len(prefix) else items, depth):
                return False
        return True

    def value(self, schema: Any, path: str, hint: str, chain: tuple[str, ...], recursion: int) -> Any:
        if schema is True or schema is None:
            schema = {}
        if not isinstance(schema, Mapping) or path.count("/") > _DEPTH_LIMIT:
            return None
        # A failed attempt (conflicting branches, a value that breaks `not` or
        # matches two oneOf branches, or a failure further down) is retried with
        # other choices while the retry budget lasts; a value known to be
        # invalid is counted in self.failures so that callers can drop it.
        failures = self.failures
        result: Any = None
        for attempt in range(_ATTEMPTS):
            if attempt:
                if self.retries <= 0:
                    break
                self.retries -= 1
            self.failures = failures
            salt = f"~{attempt}" if attempt else ""
            choices: list[tuple[str, list[Any], int]] = []
            flat, inner_chain, inner_recursion = self.flatten(schema, path, chain, recursion, salt, choices)
            conflict = flat.pop(_CONFLICT, False) or _inverted_bounds(flat)
            forbidden = flat.pop("not", None)
            if conflict and choices and attempt < _ATTEMPTS - 1:
                continue
            result = self.flat_value(flat, path + salt, hint, inner_chain, inner_recursion)
            if conflict:
                break
            valid = self.failures == failures
            if valid and forbidden is not None and self.matches(result, forbidden, 0):
                valid = False
            if valid and any(
                self.matches(result, other, 0)
                for keyword, branches, chosen in choices
                if keyword == "oneOf"
                for position, other in enumerate(branches)
                if position != chosen
            ):
                valid = False
            if valid:
                return result
            if not choices and forbidden is None:
                break
        self.failures = failures + 1
        return result

    def flat_value(self, flat: dict[str, Any], path: str, hint: str, chain: tuple[str, ...], recursion: int) -> Any:
        if "const" in flat:
            if not self.matches(flat["const"], flat, 0):
                self.failures += 1
            return _clone(flat["const"])
        kinds = self.candidate_types(flat, hint, path)
        enum = flat.get("enum")
        if isinstance(enum, list) and enum:
            fitting = [item for item in enum if self.matches(item, flat, 0)]
            if not fitting:
                self.failures += 1
            return _clone(self.rng(path, "enum").choice(fitting or enum))
        deep = recursion >= _RECURSION_LIMIT
        kind = self.pick_type(kinds, path, deep)
        if kind == "object":
            return self.object_value(flat, path, hint, chain, recursion)
        if kind == "array":
            return self.array_value(flat, path, hint, chain, recursion)
        if kind == "string":
            return self.string_value(flat, path, hint)
        if kind == "integer":
            return self.number_value(flat, path, hint, integer=True)
        if kind == "number":
            return self.number_value(flat, path, hint, integer=False)
        if kind == "boolean":
            return self.rng(path, "boolean").chance(0.5)
        return None

    def candidate_types(self, flat: Mapping[str, Any], hint: str, path: str) -> list[str]:
        declared = [kind for kind in _type_set(flat.get("type")) if kind in _TYPES]
        if declared:
            return declared
        if "type" in flat and not isinstance(flat["type"], (str, list)):
            return ["string"]
        for kind, keys in (
            ("object", _OBJECT_KEYS),
            ("array", _ARRAY_KEYS),
            ("string", _STRING_KEYS),
            ("number", _NUMBER_KEYS),
        ):
            if any(key in flat for key in keys):
                if kind == "number" and isinstance(flat.get("multipleOf"), int):
                    return ["integer"]
                return [kind]
        if "enum" in flat or "const" in flat:
            return list(_TYPES)
        inferred = _inferred_type(hint)
        if inferred is not None:
            return [inferred]
        if path == "":
            return ["object"]
        return ["string"]

    def pick_type(self, kinds: list[str], path: str, deep: bool) -> str:
        if len(kinds) == 1:
            return kinds[0]
        if "integer" in kinds and "number" in kinds:
            kinds = [kind for kind in kinds if kind != "number"]
        others = [kind for kind in kinds if kind != "null"]
        if not others:
            return "null"
        if deep:
            if "null" in kinds:
                return "null"
            scalars = [kind for kind in others if kind not in ("object", "array")]
            return scalars[0] if scalars else others[0]
        rng = self.rng(path, "type")
        if "null" in kinds and rng.chance(_NULL_CHANCE):
            return "null"
        return rng.choice(others)  # type: ignore[no-any-return]

    def object_value(
        self, flat: Mapping[str, Any], path: str, hint: str, chain: tuple[str, ...], recursion: int
    ) -> dict[str, Any]:
        properties = flat.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        patterns = flat.get("patternProperties")
        patterns = patterns if isinstance(patterns, Mapping) else {}
        additional = flat.get("additionalProperties", True)
        required_raw = flat.get("required")
        required = [name for name in required_raw if isinstance(name, str)] if isinstance(required_raw, list) else []
        required_set = frozenset(required)
        dependent = flat.get("dependentRequired")
        if not isinstance(dependent, Mapping):
            legacy = flat.get("dependencies")
            dependent = (
                {key: value for key, value in legacy.items() if isinstance(value, list)}
                if isinstance(legacy, Mapping)
                else {}
            )
        min_props = flat.get("minProperties", 0)
        min_props = min_props if isinstance(min_props, int) else 0
        max_props = flat.get("maxProperties")
        max_props = max_props if isinstance(max_props, int) and not isinstance(max_props, bool) else None
        deep = recursion >= _RECURSION_LIMIT
        rng = self.rng(path, "keys")

        keys: list[str] = []
        optional: list[str] = []
        for name, sub in properties.items():
            if name in required_set:
                keys.append(name)
            elif sub is not False:
                optional.append(name)
                if not deep and rng.chance(_OPTIONAL_CHANCE):
                    keys.append(name)
        keys.extend(name for name in required if name not in keys)
        index = 0
        while index < len(keys):
            needed = dependent.get(keys[index])
            if isinstance(needed, list):
                keys.extend(name for name in needed if isinstance(name, str) and name not in keys)
            index += 1

        for name in optional:
            if len(keys) >= min_props:
                break
            if name not in keys:
                keys.append(name)
        open_map = not properties and isinstance(additional, Mapping) and additional != {}
        wanted_extra = max(0, min_props - len(keys))
        if open_map and not deep and wanted_extra == 0:
            wanted_extra = rng.between(1, 2)
        if max_props is not None:
            wanted_extra = min(wanted_extra, max(0, max_props - len(keys)))
        if wanted_extra and (additional is not False or patterns):
            keys.extend(self.extra_keys(flat, patterns, additional, keys, wanted_extra, path))

        if max_props is not None and len(keys) > max_props:
            removable = [name for name in reversed(keys) if name not in required_set]
            for name in removable[: len(keys) - max_props]:
                keys.remove(name)

        result: dict[str, Any] = {}
        spare = len(keys) - min_props
        for name in keys:
            sub = self.property_schema(name, properties, patterns, additional)
            step = name.replace("~", "~0").replace("/", "~1")
            failures = self.failures
            item = self.value(sub, f"{path}/{step}", name, chain, recursion)
            if self.failures > failures and name not in required_set and spare > 0:
                self.failures = failures
                spare -= 1
                continue
            result[name] = item
        return result

    def extra_keys(
        self,
        flat: Mapping[str, Any],
        patterns: Mapping[str, Any],
        additional: Any,
        taken: list[str],
        count: int,
        path: str,
    ) -> list[str]:
        names_schema = flat.get("propertyNames")
        key_pattern = next(iter(patterns)) if additional is False and patterns else None
        extra: list[str] = []
        for attempt in range(count * 8):
            if len(extra) >= count:
                break
            rng = self.rng(path, f"extra-key{attempt}")
            default = rng.choice(_NOUNS) if attempt < 8 else f"{rng.choice(_NOUNS)}_{attempt}"
            if isinstance(names_schema, Mapping):
                name = self.value(names_schema, f"{path}/~key{attempt}", "tag", (), 0)
                if not isinstance(name, str):
                    continue
            elif isinstance(key_pattern, str):
                name = _pattern_string([key_pattern], default, rng, 1, None)
            else:
                name = default
            if name not in taken and name not in extra:
                extra.append(name)
        return extra

    @staticmethod
    def property_schema(name: str, properties: Mapping[str, Any], patterns: Mapping[str, Any], additional: Any) -> Any:
        parts: list[Any] = []
        if name in properties:
            parts.append(properties[name])
        for pattern, sub in patterns.items():
            compiled = _compiled(pattern)
            if compiled is not None and compiled.search(name):
                parts.append(sub)
        if not parts:
            return {} if additional is False else additional
        return parts[0] if len(parts) == 1 else {"allOf": parts}

    def array_value(
        self, flat: Mapping[str, Any], path: str, hint: str, chain: tuple[str, ...], recursion: int
    ) -> list[Any]:
        prefix_raw = flat.get("prefixItems")
        items = flat.get("items", True)
        if isinstance(items, list):
            prefix_raw = items
            items = flat.get("additionalItems", True)
        prefix = list(prefix_raw) if isinstance(prefix_raw, list) else []
        min_items = flat.get("minItems", 0)
        min_items = min_items if isinstance(min_items, int) else 0
        max_items = flat.get("maxItems")
        max_items = max_items if isinstance(max_items, int) and not isinstance(max_items, bool) else None
        contains = flat.get("contains")
        min_contains = flat.get("minContains", 1) if contains is not None else 0
        min_contains = min_contains if isinstance(min_contains, int) else 1
        if items is False:
            max_items = len(prefix) if max_items is None else min(max_items, len(prefix))
        low = max(min_items, min_contains)
        if recursion >= _RECURSION_LIMIT:
            size = low
        else:
            size = max(low, len(prefix), self.rng(path, "size").between(1, 3))
        if max_items is not None:
            size = min(size, max(max_items, 0))
        unique = flat.get("uniqueItems") is True
        seen: set[str] = set()
        result: list[Any] = []
        for index in range(size):
            sub = prefix[index] if index < len(prefix) else items
            if contains is not None and index < min_contains:
                sub = {"allOf": [sub, contains]}
            failures = self.failures
            item: Any = None
            accepted = False
            for attempt in range(41 if unique else 1):
                if attempt:
                    if self.retries <= 0:
                        break
                    self.retries -= 1
                self.failures = failures
                item = self.value(
                    sub, f"{path}/{index}~{attempt}" if attempt else f"{path}/{index}", hint, chain, recursion
                )
                if self.failures == failures and not (unique and _unique_key(item) in seen):
                    accepted = True
                    break
            if not accepted:
                if index >= low:
                    self.failures = failures
                    break
                self.failures = failures + 1
            if unique:
                seen.add(_unique_key(item))
            result.append(item)
        return result

    def string_value(self, flat: Mapping[str, Any], path: str, hint: str) -> str:
        rng = self.rng(path, "string")
        min_length = flat.get("minLength", 0)
        min_length = min_length if isinstance(min_length, int) else 0
        max_length = flat.get("maxLength")
        max_length = max_length if isinstance(max_length, int) and not isinstance(max_length, bool) else None
        patterns = [flat["pattern"]] if isinstance(flat.get("pattern"), str) else []
        patterns.extend(item for item in flat.get(_EXTRA_PATTERNS, []) if isinstance(item, str))
        maker = _FORMAT_MAKERS.get(flat.get("format", "")) if isinstance(flat.get("format"), str) else None
        preferred = maker(rng) if maker is not None else _hint_string(rng, hint)
        if maker is not None and not patterns:
            for _ in range(8):
                if _length_ok(preferred, min_length, max_length):
                    return preferred
                preferred = maker(rng)
        if not patterns:
            return _fit_length(preferred, rng, min_length, max_length)
        return _pattern_string(patterns, preferred, rng, min_length, max_length)

    def number_value(self, flat: Mapping[str, Any], path: str, hint: str, *, integer: bool) -> int | float:
        rng = self.rng(path, "number")
        low, low_open = _bound(flat, "minimum", "exclusiveMinimum", lower=True)
        high, high_open = _bound(flat, "maximum", "exclusiveMaximum", lower=False)
        raw_step: Any = flat.get("multipleOf")
        step = raw_step if _is_number(raw_step) and raw_step > 0 else None
        guess = _number_hint(hint)
        if guess is None:
            guess = (1.0, 100.0, 0 if integer else 1)
        want_low, want_high, decimals = guess
        span = want_high - want_low
        if low is not None:
            want_low = max(want_low, low)
        if high is not None:
            want_high = min(want_high, high)
        if want_low > want_high:
            if low is not None and high is not None:
                want_low, want_high = low, high
            elif low is not None:
                want_low, want_high = low, low + span
            elif high is not None:
                want_low, want_high = high - span, high
        if integer or step is not None:
            return _pick_multiple(
                rng, want_low, want_high, low, low_open, high, high_open, step or 1, integer or decimals == 0
            )
        if want_high > want_low:
            decimals = max(decimals, 2 - math.floor(math.log10(want_high - want_low)))
        drawn = rng.uniform(want_low, want_high)
        candidates: list[int | float] = [round(drawn) if decimals == 0 else round(drawn, decimals)]
        candidates.extend((drawn, (want_low + want_high) / 2))
        if low is not None and high is not None:
            candidates.append((low + high) / 2)
        elif low is not None:
            candidates.append(low + 1)
        elif high is not None:
            candidates.append(high - 1)
        for candidate in candidates:
            if _within(candidate, low, low_open, high, high_open):
                return candidate
        return low if low is not None else high if high is not None else 0


def _is_ip(value: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(value).version == version
    except ValueError:
        return False


def _regex_check(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


_FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "date-time": _regex_check(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)"),
    "date": _regex_check(r"\d{4}-\d\d-\d\d"),
    "time": _regex_check(r"\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)"),
    "email": _regex_check(r"[^@\s]+@[^@\s]+"),
    "uuid": _regex_check(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    "uri": _regex_check(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*"),
    "hostname": _regex_check(
        r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    ),
    "ipv4": lambda value: _is_ip(value, 4),
    "ipv6": lambda value: _is_ip(value, 6),
    "duration": _regex_check(r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?"),
}


def _number_matches(value: float, schema: Mapping[str, Any]) -> bool:
    low, low_open = _bound(schema, "minimum", "exclusiveMinimum", lower=True)
    high, high_open = _bound(schema, "maximum", "exclusiveMaximum", lower=False)
    step = schema.get("multipleOf")
    if _is_number(step) and step > 0 and not _is_multiple(value, step):
        return False
    return _within(value, low, low_open, high, high_open)


def _bound(flat: Mapping[str, Any], inclusive: str, exclusive: str, *, lower: bool) -> tuple[float | None, bool]:
    limit = flat.get(inclusive)
    limit = limit if _is_number(limit) else None
    open_limit = flat.get(exclusive)
    if open_limit is True:
        return limit, limit is not None
    if _is_number(open_limit) and (limit is None or (open_limit >= limit if lower else open_limit <= limit)):
        return open_limit, True
    return limit, False


def _within(value: float, low: float | None, low_open: bool, high: float | None, high_open: bool) -> bool:
    if low is not None and (value < low or (low_open and value == low)):
        return False
    return not (high is not None and (value > high or (high_open and value == high)))


def _is_multiple(value: float, step: float) -> bool:
    if isinstance(step, float):
        try:
            quotient = value / step
            return int(quotient) == quotient
        except (OverflowError, ValueError):
            return False
    return not value % step


def _pick_multiple(
    rng: _Rng,
    want_low: float,
    want_high: float,
    low: float | None,
    low_open: bool,
    high: float | None,
    high_open: bool,
    step: float,
    whole: bool,
) -> int | float:
    def candidates(first: float, last: float) -> tuple[int, int]:
        return math.ceil(first / step), math.floor(last / step)

    start, stop = candidates(want_low, want_high)
    if start > stop:
        start, stop = candidates(low if low is not None else want_low, high if high is not None else want_high)
    chosen = rng.between(start, stop) if start <= stop else start
    digits = max(0, -math.floor(math.log10(step))) + 2 if step < 1 else 0
    fallback: int | float | None = None
    for offset in (0, 1, -1, 2, -2, 3, -3, 4, -4):
        multiple = chosen + offset
        value: int | float
        if isinstance(step, int) or float(step).is_integer():
            value = int(multiple * step)
        else:
            value = round(multiple * step, digits)
            if value.is_integer() and (whole or abs(value) < 2**53):
                value = int(value)
        if not _within(value, low, low_open, high, high_open):
            continue
        if fallback is None:
            fallback = value
        if _is_multiple(value, step) and (not whole or float(value).is_integer()):
            return value
    if _within(0, low, low_open, high, high_open):
        return 0
    return fallback if fallback is not None else chosen * step


def fabricate_json(schema: Mapping[str, Any] | bool, seed: str) -> Any:
    """A value that validates against `schema`, always the same for the same (schema, seed).

    Covers the JSON Schema vocabulary used by OpenAI structured outputs and tool
    parameters.  Unsatisfiable or unsupported constructs get a best-effort value
    instead of an exception.  A top-level schema that says nothing gives `{}`.
    """
    return _Fabricator(schema, seed).value(schema, "", "", (), 0)
