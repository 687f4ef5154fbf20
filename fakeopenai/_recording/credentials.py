"""Keys kept out of cassettes, tracebacks and logs: a masked wrapper for them, and the scan of what is written.

What the scan looks for (`scan`): every regex-based detector of detect-secrets'
maintained catalogue (AWS, GitHub, GitLab, Slack, Stripe, JWTs, private keys,
credentials in URLs, …; not its entropy, keyword or IP detectors, which would
flag every id in a cassette), a few shapes the catalogue lacks (`_OWN_PATTERNS`),
and the known keys themselves, raw and base64-encoded.
"""

from __future__ import annotations

import base64
import functools
import hmac
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

MIN_KNOWN_LENGTH = 4
"""The shortest upstream key recorded with: a shorter known value would match ordinary text everywhere."""

_MIN_BASE64_NEEDLE = 6
"""Shorter base64 spellings of a known key would turn up by chance in base64 data (embeddings, images)."""

CREDENTIAL_PARAMS = frozenset(
    {"api-key", "api_key", "apikey", "key", "access_token", "token", "password", "secret", "client_secret", "sig"}
)
"""Query parameters that carry credentials: never forwarded upstream, written, or matched on."""

_OWN_PATTERNS: tuple[tuple[str, str], ...] = (
    # The catalogue's OpenAI detector needs the `T3BlbkFJ` marker, which project, service-account and admin keys
    # (`sk-proj-…`, `sk-svcacct-…`, `sk-admin-…`) need not carry.
    ("OpenAI API key", r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}"),
    # The ChatGPT session keys the catalogue does not know.
    ("OpenAI session key", r"(?<![A-Za-z0-9_-])sess-[A-Za-z0-9]{20,}"),
    # Whatever credential an `Authorization: Bearer` header or its echo carries, whatever its shape.
    ("bearer token", r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*"),
    # Azure OpenAI keys are 32 hex digits with no prefix: only the name beside them tells them from ids.
    ("Azure OpenAI key", r"(?i)api[-_ ]?key\\?[\"']?\s*[:=]\s*\\?[\"']?[0-9a-f]{32}(?![0-9a-f])"),
    # Google (Gemini) API keys, often set beside OpenAI's, are not in the catalogue.
    ("Google API key", r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"),
)

# Speed only: a detector runs on a text only if one of these appears in it (ASCII case ignored when the detector
# ignores case). Each is a literal every match of the detector contains. A detector missing here runs on every text.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "AWS Access Key": ("A3T", "ABIA", "ACCA", "AKIA", "ASIA", "aws"),
    "Artifactory Credentials": tuple(f"{before}{name}" for before in ' \t\n=:"' for name in ("AKC", "AP")),
    "Azure Storage Account access key": ("AccountKey=",),
    "Basic Auth Credentials": ("://",),
    "GitHub Token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "GitLab Token": (
        *("glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "GR1348941"),
        *("glcbt-", "glimt-", "glptt-", "glagent-", "gloas-"),
    ),
    "JSON Web Token": ("eyJ",),
    "Mailchimp Access Key": ("-us",),
    "NPM tokens": ("_authToken",),
    "OpenAI Token": ("T3BlbkFJ",),
    "Private Key": ("BEGIN", "PuTTY"),
    "PyPI Token": ("pypi-",),
    "SendGrid API Key": ("SG.",),
    "Slack Token": ("xox", "hooks.slack.com"),
    "Square OAuth Secret": ("sq0csp-",),
    "Stripe Access Key": ("k_live_",),
    "Twilio API Key": ("AC", "SK"),
    "OpenAI API key": ("sk-",),
    "OpenAI session key": ("sess-",),
    "bearer token": ("bearer",),
    "Azure OpenAI key": ("api",),
    "Google API key": ("AIza",),
}
# These detectors look for a value beside a name (`key`, `password`, `token`, …): they run on a window around each
# such name (and on the whole text when it names their service), not along the whole text.
_BESIDE_A_NAME = frozenset(
    {"Cloudant Credentials", "IBM Cloud IAM Key", "IBM COS HMAC Credentials", "SoftLayer Credentials"}
)
_NAMES = re.compile("key|pwd|pass|token")
_SERVICES = ("cloudant", "softlayer")

_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\/")


def mask(value: str) -> str:
    """`value` with all but its ends hidden (all of it when short), for messages."""
    return value[:4] + "…" + value[-2:] if len(value) >= 16 else "…"


class Secret:
    """A credential whose `repr` and `str` never show it: tracebacks, logs and messages get a masked form.

    `reveal()` gives the value; it is called where the key is sent upstream, nowhere else.
    """

    __slots__ = ("_needles", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        self._needles: tuple[str, ...] | None = None

    @classmethod
    def of(cls, value: str | Secret | None) -> Secret | None:
        """`value` wrapped (None and empty strings stay None; a `Secret` stays itself)."""
        if value is None or isinstance(value, Secret):
            return value
        return cls(value) if value else None

    def reveal(self) -> str:
        """The credential itself."""
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return f"Secret({mask(self._value)})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> Any:
        raise TypeError("A Secret is not pickled, so that it never reaches a file.")

    def found_in(self, text: str) -> bool:
        """Whether `text` holds the credential, as it is or base64-encoded (at any alignment)."""
        __tracebackhide__ = True
        if self._needles is None:
            self._needles = _needles(self._value)
        return any(needle in text for needle in self._needles)


def _needles(value: str) -> tuple[str, ...]:
    """The value, and the base64 characters it always produces whatever bytes come before it."""
    __tracebackhide__ = True
    raw = value.encode("utf-8")
    found = {value}
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + raw).decode("ascii").rstrip("=")
        start, end = -(-offset * 8 // 6), (offset + len(raw)) * 8 // 6
        for spelling in (encoded, encoded.replace("+", "-").replace("/", "_")):
            needle = spelling[start:end]
            if len(needle) >= _MIN_BASE64_NEEDLE:
                found.add(needle)
    return tuple(found)


@functools.cache
def _patterns() -> tuple[tuple[str, re.Pattern[str], tuple[str, ...] | None], ...]:
    # Imported on first use: detect-secrets takes ~150 ms to import, and only writing cassettes needs it.
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.plugins.ip_public import IPPublicDetector

    found = [(what, re.compile(pattern)) for what, pattern in _OWN_PATTERNS]
    catalogue: dict[str, type[Any]] = get_mapping_from_secret_type_to_class()
    for what, plugin in sorted(catalogue.items()):
        if issubclass(plugin, RegexBasedDetector) and plugin is not IPPublicDetector:
            found += [(what, re.compile(p.pattern, p.flags | re.MULTILINE)) for p in plugin().denylist]
    return tuple((what, pattern, _trigger(what, pattern)) for what, pattern in found)


def _trigger(what: str, pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    literals = _TRIGGERS.get(what)
    if literals is None or not pattern.flags & re.IGNORECASE:
        return literals
    return tuple(literal.lower() for literal in literals)


@functools.cache
def _literals() -> tuple[frozenset[str], frozenset[str]]:
    """Every trigger, those matched with case and those matched on the lowercased text."""
    exact: set[str] = set()
    lowered: set[str] = set()
    for _, pattern, trigger in _patterns():
        (lowered if pattern.flags & re.IGNORECASE else exact).update(trigger or ())
    return frozenset(exact), frozenset(lowered)


def _search(
    what: str, pattern: re.Pattern[str], trigger: tuple[str, ...] | None, text: str, present: set[str], names: list[int]
) -> str | None:
    """The first match of a detector in `text` (`present`: the triggers in it; `names`: where it has a name), or None."""
    if what in _BESIDE_A_NAME and "service" not in present:
        for start in names:
            match = pattern.search(text, max(0, start - 48), start + 160)
            if match:
                return match.group(0)
        return None
    if trigger is not None and present.isdisjoint(trigger):
        return None
    match = pattern.search(text)
    return match.group(0) if match else None


def _views(text: str) -> list[str]:
    """`text`, and as it reads once its JSON `\\u` escapes are decoded."""
    views = [text]
    if "\\u" in text or "\\/" in text:
        views.append(_JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else "/", text))
    return views


def scan(texts: Iterable[tuple[str, str]], known: Sequence[Secret] = ()) -> list[str]:
    """What looks like a credential in each `(where, text)`, as `what (masked) in where`; known keys always count."""
    found: list[str] = []
    for where, text in texts:
        for view in _views(text):
            for secret in known:
                if secret.found_in(view):
                    found.append(f"the upstream API key in {where}")
            low, exact, lowered = view.lower(), *_literals()
            lined = "\n" + view  # a line's start counts for the triggers that need something before them
            present = {literal for literal in exact if literal in lined}
            present |= {literal for literal in lowered if literal in low}
            if any(service in low for service in _SERVICES):
                present.add("service")
            names = [match.start() for match in _NAMES.finditer(low)]
            for what, pattern, trigger in _patterns():
                match = _search(what, pattern, trigger, view, present, names)
                # A known key is named as such, without even its masked ends.
                if match and not any(secret.found_in(match) for secret in known):
                    found.append(f"{what} ({mask(match)}) in {where}")
    return list(dict.fromkeys(found))


def clean_url(url: str) -> str:
    """`url` without user:password@ and without credential query parameters."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in CREDENTIAL_PARAMS]
    return urlunsplit((parts.scheme, host, parts.path, urlencode(query) if query else "", parts.fragment))


def url_credentials(url: str) -> list[Secret]:
    """The user name and password in `url`'s user:password@, if any."""
    parts = urlsplit(url)
    found = [Secret.of(value and unquote_plus(value)) for value in (parts.username, parts.password)]
    return [secret for secret in found if secret is not None and len(secret) >= MIN_KNOWN_LENGTH]


def without_credentials(query: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The query parameters that carry no credential."""
    return [(k, v) for k, v in query if k.lower() not in CREDENTIAL_PARAMS]


def redact_json_keys(names: Iterable[str], replacement: str = "REDACTED") -> Callable[[Any], Any]:
    """A redactor replacing the value of every field called one of `names`, at any depth."""
    wanted = frozenset(names)

    def redact(document: Any) -> Any:
        if isinstance(document, Mapping):
            return {k: replacement if k in wanted else redact(v) for k, v in document.items()}
        if isinstance(document, list):
            return [redact(item) for item in document]
        return document

    return redact


def redact_pattern(pattern: str, replacement: str = "REDACTED") -> Callable[[Any], Any]:
    """A redactor replacing every match of the regular expression `pattern` in every string (keys and values)."""
    compiled = re.compile(pattern)

    def redact(document: Any) -> Any:
        if isinstance(document, str):
            return compiled.sub(replacement, document)
        if isinstance(document, Mapping):
            return {redact(k): redact(v) for k, v in document.items()}
        if isinstance(document, list):
            return [redact(item) for item in document]
        return document

    return redact
