"""Realistic values steered by a property's name ("city", "email", "age") or a string's `format`."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from .rng import Rng
from .text import sentence
from .words import (
    ADJECTIVES,
    CATEGORIES,
    CITIES,
    COLORS,
    COMPANIES,
    CURRENCIES,
    DEPARTMENTS,
    FILES,
    FIRST_NAMES,
    FOODS,
    LANGUAGES,
    LAST_NAMES,
    LOCALES,
    NOUNS,
    PRODUCTS,
    QUERIES,
    REGIONS,
    ROLES,
    STATUSES,
    STREETS,
    TAGS,
    TICKERS,
    TIMEZONES,
    TITLES,
    UNITS,
    WEATHER,
    WEEKDAYS,
)

__all__ = ["FORMAT_MAKERS", "hint_string", "inferred_type", "number_hint"]


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
def _name_words(name: str) -> tuple[str, ...]:
    """The lower-case words of a snake_case, camelCase or kebab-case name."""
    spaced = _CAMEL_BOUNDARY.sub("_", name).lower()
    return tuple(word for word in _NON_ALNUM.split(spaced) if word)


@lru_cache(maxsize=2048)
def _hint_tokens(name: str) -> tuple[frozenset[str], str]:
    words = _name_words(name)
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
def number_hint(name: str) -> tuple[float, float, int] | None:
    """The (low, high, decimals) range for a number called `name`, or None when the name says nothing."""
    if not name:
        return None
    for hint, keywords in _NUMBER_RULES:
        if _rule_matches(keywords, name):
            return hint
    return None


@lru_cache(maxsize=2048)
def inferred_type(name: str) -> str | None:
    """The JSON type ("boolean", "integer" or "number") a property called `name` suggests, if any."""
    if not name:
        return None
    words = _name_words(name)
    if words and (words[0] in _BOOLEAN_PREFIXES or words[-1] in _BOOLEAN_WORDS):
        return "boolean"
    hint = number_hint(name)
    if hint is not None and _string_kind(name) not in ("id", "datetime", "date", "time"):
        return "integer" if hint[2] == 0 else "number"
    return None


def _person(rng: Rng) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _hex(rng: Rng, digits: int) -> str:
    return format(rng.next() & ((1 << (4 * digits)) - 1), f"0{digits}x")


def _date(rng: Rng) -> str:
    return f"{rng.between(2023, 2025):04d}-{rng.between(1, 12):02d}-{rng.between(1, 28):02d}"


def _clock(rng: Rng) -> str:
    return f"{rng.between(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00"


def _uuid(rng: Rng) -> str:
    value = (rng.next() << 64) | rng.next()
    value = (value & ~(0xF << 76)) | (0x4 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    text = format(value, "032x")
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _slug(rng: Rng) -> str:
    return f"{rng.choice(ADJECTIVES)}-{rng.choice(NOUNS)}"


def _url(rng: Rng) -> str:
    return f"https://www.example.com/{_slug(rng)}"


def _hostname(rng: Rng) -> str:
    return f"{rng.choice(NOUNS)}.example.com"


def _reference(rng: Rng) -> str:
    return f"/docs/{_slug(rng)}"


def _datetime(rng: Rng) -> str:
    return f"{_date(rng)}T{_clock(rng)}Z"


def _email(rng: Rng) -> str:
    first, last = _person(rng)
    return f"{first.lower()}.{last.lower()}@example.com"


def _name_prefix(name: str) -> str:
    words = [word for word in _name_words(name) if word != "id"]
    if not words or not words[0].isascii():
        return "id"
    return words[0] if len(words[0]) <= 6 else words[0][:3]


_STRING_MAKERS: dict[str, Callable[[Rng, str], str]] = {
    "email": lambda rng, name: _email(rng),
    "uuid": lambda rng, name: _uuid(rng),
    "url": lambda rng, name: _url(rng),
    "ipv4": lambda rng, name: f"192.0.2.{rng.between(1, 254)}",
    "first_name": lambda rng, name: rng.choice(FIRST_NAMES),
    "last_name": lambda rng, name: rng.choice(LAST_NAMES),
    "username": lambda rng, name: f"{rng.choice(FIRST_NAMES).lower()}_{rng.between(10, 99)}",
    "timezone": lambda rng, name: rng.choice(TIMEZONES),
    "city": lambda rng, name: rng.choice(CITIES)[0],
    "country": lambda rng, name: rng.choice(CITIES)[1],
    "region": lambda rng, name: rng.choice(REGIONS),
    "zip": lambda rng, name: f"{rng.between(10000, 99999)}",
    "address": lambda rng, name: f"{rng.between(1, 999)} {rng.choice(STREETS)}",
    "location": lambda rng, name: ", ".join(rng.choice(CITIES)),
    "phone": lambda rng, name: f"+1-555-01{rng.between(0, 99):02d}",
    "datetime": lambda rng, name: _datetime(rng),
    "date": lambda rng, name: _date(rng),
    "weekday": lambda rng, name: rng.choice(WEEKDAYS),
    "time": lambda rng, name: _clock(rng)[:5],
    "id": lambda rng, name: f"{_name_prefix(name)}_{_hex(rng, 8)}",
    "company": lambda rng, name: rng.choice(COMPANIES),
    "product": lambda rng, name: rng.choice(PRODUCTS),
    "file": lambda rng, name: rng.choice(FILES),
    "currency": lambda rng, name: rng.choice(CURRENCIES),
    "language": lambda rng, name: rng.choice(LANGUAGES),
    "locale": lambda rng, name: rng.choice(LOCALES),
    "color": lambda rng, name: rng.choice(COLORS),
    "unit": lambda rng, name: rng.choice(UNITS),
    "status": lambda rng, name: rng.choice(STATUSES),
    "title": lambda rng, name: rng.choice(TITLES),
    "sentence": lambda rng, name: sentence(rng),
    "query": lambda rng, name: rng.choice(QUERIES),
    "tag": lambda rng, name: rng.choice(TAGS),
    "category": lambda rng, name: rng.choice(CATEGORIES),
    "role": lambda rng, name: rng.choice(ROLES),
    "department": lambda rng, name: rng.choice(DEPARTMENTS),
    "password": lambda rng, name: f"{rng.choice(NOUNS).title()}-{rng.between(100, 999)}!x",
    "token": lambda rng, name: f"tok_{_hex(rng, 16)}",
    "code": lambda rng, name: f"{rng.choice(TICKERS)[:3]}-{rng.between(1000, 9999)}",
    "hostname": lambda rng, name: _hostname(rng),
    "version": lambda rng, name: f"{rng.between(0, 4)}.{rng.between(0, 20)}.{rng.between(0, 9)}",
    "ticker": lambda rng, name: rng.choice(TICKERS),
    "weather": lambda rng, name: rng.choice(WEATHER),
    "slug": lambda rng, name: _slug(rng),
    "food": lambda rng, name: rng.choice(FOODS),
    "name": lambda rng, name: " ".join(_person(rng)),
}


def hint_string(rng: Rng, name: str) -> str:
    """A string that suits a property called `name`: a city for "city", a price for "price", else two words."""
    kind = _string_kind(name)
    if kind is not None:
        return _STRING_MAKERS[kind](rng, name)
    numeric = number_hint(name)
    if numeric is not None:
        low, high, decimals = numeric
        return f"{rng.uniform(low, high):.{decimals}f}"
    return f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"


FORMAT_MAKERS: dict[str, Callable[[Rng], str]] = {
    "date-time": _datetime,
    "date": _date,
    "time": lambda rng: f"{_clock(rng)}Z",
    "email": _email,
    "idn-email": _email,
    "uuid": _uuid,
    "uri": _url,
    "iri": _url,
    "uri-reference": _reference,
    "iri-reference": _reference,
    "url": _url,
    "uri-template": lambda rng: "https://www.example.com/items/{id}",
    "hostname": _hostname,
    "idn-hostname": _hostname,
    "ipv4": lambda rng: f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.between(1, 254)}",
    "ipv6": lambda rng: f"2001:db8::{rng.between(1, 0xFFFF):x}",
    "duration": lambda rng: rng.choice(
        ("PT15M", "PT1H30M", "P3D", "P1DT12H", "PT45S", "P2W", "P1M", "P1Y2M10DT2H30M", "P2DT3H4M")
    ),
    "json-pointer": lambda rng: f"/{rng.choice(NOUNS)}/{rng.between(0, 9)}",
    "relative-json-pointer": lambda rng: f"{rng.between(0, 3)}/{rng.choice(NOUNS)}",
    "regex": lambda rng: "^[a-z]+$",
}
"""A maker of strings in each JSON Schema `format` this module knows."""
