"""Cassette files: vcrpy's YAML format, read and written readable, atomically, with no secret on disk.

A cassette is `{"version": 1, "interactions": [{"request": …, "response": …}]}`
exactly as vcrpy writes it, so vcrpy and pytest-recording read what fakeopenai
writes, and fakeopenai replays what they recorded. Bodies are stored readable:
JSON pretty-printed, a stream as its SSE text (one `data:` line per event),
binary bodies (audio, images) alone as `!!binary`. What replay needs beyond
vcrpy's fields (how the JSON was spelled, so the client gets the same bytes;
the pacing of stream events) sits under the response's `fakeopenai` key,
which vcrpy ignores.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import io
import json
import os
import re
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from ._errors import FakeOpenAIError
from ._http import SseEvent
from ._matching import RequestData, api_path

Redactor = Callable[[Any], Any]
"""A function given each JSON document about to be written (request body, response body, each event's data) that
returns the document to write instead."""

FORMAT_VERSION = 1

_KEPT_REQUEST_HEADERS = frozenset({"content-type", "accept", "openai-beta"})
_KEPT_RESPONSE_HEADERS = frozenset(
    {"content-type", "openai-processing-ms", "openai-version", "x-request-id", "retry-after", "retry-after-ms"}
)
_KEPT_RESPONSE_PREFIXES = ("x-ratelimit-",)
_BINARY_TYPES = ("audio/", "image/", "video/", "application/octet-stream", "application/zip", "application/pdf")

_SECRET_PATTERNS = (
    ("an OpenAI API key", re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}")),
    ("an OpenAI session key", re.compile(r"(?<![A-Za-z0-9_-])sess-[A-Za-z0-9]{20,}")),
    ("a bearer token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*")),
)

_JSON_STYLES: dict[str, dict[str, Any]] = {
    "indent": {"indent": 2, "ensure_ascii": False},
    "indent-ascii": {"indent": 2},
    "compact": {"separators": (",", ":"), "ensure_ascii": False},
    "compact-ascii": {"separators": (",", ":")},
    "spaced": {"ensure_ascii": False},
    "spaced-ascii": {},
}
_READABLE_STYLE = "indent"


class CassetteError(FakeOpenAIError):
    """A cassette could not be read, or was refused on write (a secret in it, an unreadable body)."""


@dataclass(frozen=True)
class Interaction:
    """One recorded exchange: the request as sent upstream and the answer as the client got it."""

    method: str
    uri: str
    request_headers: Mapping[str, Sequence[str]]
    request_body: bytes | None
    status: int
    reason: str
    response_headers: Mapping[str, Sequence[str]]
    response_body: bytes
    """The body decompressed, byte for byte as the client receives it."""
    event_times: tuple[float, ...] | None = None
    """For a stream recorded by fakeopenai: when each event arrived, in seconds from the first byte."""
    request: RequestData = field(init=False, compare=False, repr=False)
    """The request as matching sees it."""

    def __post_init__(self) -> None:
        content_type = header(self.request_headers, "content-type") or ""
        parts = urlsplit(self.uri)
        data = RequestData(
            method=self.method.upper(),
            path=api_path(parts.path),
            query=tuple(sorted(parse_qsl(parts.query, keep_blank_values=True))),
            body=body_data(self.request_body, content_type),
        )
        object.__setattr__(self, "request", data)

    @property
    def content_type(self) -> str:
        """The response's content type, `application/json` when it has none."""
        return header(self.response_headers, "content-type") or "application/json"

    @property
    def is_stream(self) -> bool:
        """Whether the response is a stream of Server-Sent Events."""
        return self.content_type.split(";")[0].strip().lower() == "text/event-stream"

    def events(self) -> list[SseEvent]:
        """The stream's events, in order (empty for a response that is not a stream)."""
        return parse_sse(self.response_body.decode("utf-8", "replace")) if self.is_stream else []


def header(headers: Mapping[str, Sequence[str] | str], name: str) -> str | None:
    """The first value of a header, whatever the case of its name."""
    for key, values in headers.items():
        if key.lower() == name:
            if isinstance(values, str):
                return values
            return values[0] if values else None
    return None


def body_data(raw: bytes | None, content_type: str) -> Any:
    """A request body as data: parsed JSON, the fields and file digests of a form, text, or bytes."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        pass
    if content_type.lower().startswith("multipart/form-data"):
        return _form_data(raw, content_type)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"sha256": hashlib.sha256(raw).hexdigest()}


def _form_data(raw: bytes, content_type: str) -> Any:
    from werkzeug.formparser import parse_form_data

    environ = {
        "wsgi.input": io.BytesIO(raw),
        "CONTENT_LENGTH": str(len(raw)),
        "CONTENT_TYPE": content_type,
        "REQUEST_METHOD": "POST",
    }
    _, form, files = parse_form_data(environ)
    fields = {key: form.getlist(key) for key in form}
    uploads = {
        key: [{"filename": f.filename, "sha256": hashlib.sha256(f.read()).hexdigest()} for f in files.getlist(key)]
        for key in files
    }
    return {"form": fields, "files": uploads}


# --- Server-Sent Events -------------------------------------------------------------------------------------------


class SseParser:
    """Cuts a byte stream into Server-Sent Events as the bytes arrive."""

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._event: str | None = None

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """The events completed by `chunk`."""
        self._buffer += chunk
        events = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                break
            line, self._buffer = self._buffer[:end], self._buffer[end + 1 :]
            event = self._line(line.rstrip(b"\r").decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
        return events

    def close(self) -> list[SseEvent]:
        """The last event, when the stream ended without a blank line after it."""
        events = self.feed(b"\n") if self._buffer else []
        event = self._line("")
        return events + ([event] if event is not None else [])

    def _line(self, line: str) -> SseEvent | None:
        if not line:
            if not self._data:
                self._event = None
                return None
            event = SseEvent(data="\n".join(self._data), event=self._event)
            self._data, self._event = [], None
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        return None


def parse_sse(text: str) -> list[SseEvent]:
    """Every event of an SSE text."""
    parser = SseParser()
    return parser.feed(text.encode()) + parser.close()


def render_sse(events: Iterable[SseEvent]) -> str:
    """The SSE text of `events`, as the fake sends it."""
    return "".join(event.encode().decode() for event in events)


# --- Reading ------------------------------------------------------------------------------------------------------


def _as_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, io.BytesIO):
        return value.getvalue()
    if isinstance(value, (list, tuple)):
        return b"".join(_as_bytes(part) or b"" for part in value)
    if isinstance(value, Iterator):
        return b"".join(_as_bytes(part) or b"" for part in value)
    raise CassetteError(f"A body of type {type(value).__name__} cannot be replayed.")


def _headers(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)] for k, v in value.items()}


def _decompress(body: bytes, headers: dict[str, list[str]], where: str) -> bytes:
    """The body without its `Content-Encoding` (as client-side recorders store it), and the header dropped."""
    encoding = (header(headers, "content-encoding") or "identity").lower().strip()
    for name in [k for k in headers if k.lower() in ("content-encoding", "content-length")]:
        del headers[name]
    if encoding in ("identity", ""):
        return body
    try:
        if encoding in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if encoding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
        if encoding == "br":
            import brotli  # type: ignore[import-not-found]

            return bytes(brotli.decompress(body))
    except ImportError:
        raise CassetteError(f"{where}: the body is brotli-compressed; install `brotli` to replay it.") from None
    except (OSError, zlib.error) as exc:
        raise CassetteError(f"{where}: the {encoding} body cannot be decompressed: {exc}.") from exc
    raise CassetteError(f"{where}: bodies compressed with {encoding!r} cannot be replayed.")


def _interaction(raw: Any, where: str) -> Interaction:
    try:
        request, response = raw["request"], raw["response"]
        if "status_code" in response:
            status, reason = int(response["status_code"]), ""
            body_value = response.get("content")
        else:
            status, reason = int(response["status"]["code"]), str(response["status"].get("message") or "")
            body_value = (response.get("body") or {}).get("string")
        headers = _headers(response.get("headers"))
        extra = response.get("fakeopenai") or {}
        body = _decompress(_as_bytes(body_value) or b"", headers, where)
        style = extra.get("json")
        if style:
            body = _render_json(json.loads(body), str(style))
        times = extra.get("event_times")
        return Interaction(
            method=str(request["method"]).upper(),
            uri=str(request["uri"]),
            request_headers=_headers(request.get("headers")),
            request_body=_as_bytes(request.get("body")),
            status=status,
            reason=reason,
            response_headers=headers,
            response_body=body,
            event_times=tuple(float(t) for t in times) if isinstance(times, list) else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CassetteError(f"{where} is not a vcrpy interaction ({type(exc).__name__}: {exc}).") from exc


def parse(text: str, source: str) -> list[Interaction]:
    """The interactions of a cassette's text; `source` names it in errors."""
    if not text.strip():
        return []
    # Parsing builds many small objects and no cycles: pausing the cyclic collector halves the load time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # Imported here: importing vcr while pytest loads plugins would stop pytest-recording's assert rewriting.
        from vcr.serializers import yamlserializer  # type: ignore[import-untyped]

        document = yamlserializer.deserialize(text)
    except yaml.YAMLError as exc:
        raise CassetteError(f"The cassette {source} is not valid YAML: {exc}") from exc
    finally:
        if collecting:
            gc.enable()
    if not isinstance(document, Mapping) or not isinstance(document.get("interactions"), list):
        raise CassetteError(
            f"The cassette {source} is not in vcrpy's format (a mapping with `interactions`); "
            "delete it and record it again."
        )
    return [_interaction(raw, f"{source}, interaction #{i}") for i, raw in enumerate(document["interactions"])]


_cache: OrderedDict[tuple[str, int, int], tuple[Interaction, ...]] = OrderedDict()
_cache_lock = threading.Lock()


def load(path: Path) -> tuple[Interaction, ...]:
    """The interactions stored at `path` (none if there is no file); unchanged files are read once."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return ()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    except UnicodeDecodeError as exc:
        raise CassetteError(f"The cassette {path} is not UTF-8 text: {exc}.") from exc
    interactions = tuple(parse(text, str(path)))
    with _cache_lock:
        _cache[key] = interactions
        while len(_cache) > 8:
            _cache.popitem(last=False)
    return interactions


# --- Writing ------------------------------------------------------------------------------------------------------


def _render_json(data: Any, style: str) -> bytes:
    name, _, newline = style.partition("+")
    options = _JSON_STYLES.get(name)
    if options is None:
        raise ValueError(f"unknown JSON style {style!r}")
    return (json.dumps(data, **options) + ("\n" if newline else "")).encode("utf-8")


def _json_style(raw: bytes, data: Any) -> str | None:
    """The style that spells `data` exactly as `raw`, or None."""
    for name in _JSON_STYLES:
        for suffix in ("", "+newline"):
            if _render_json(data, name + suffix) == raw:
                return name + suffix
    return None


def redacted(data: Any, redactors: Sequence[Redactor]) -> Any:
    """`data` as the redactors leave it."""
    for redactor in redactors:
        data = redactor(data)
    return data


def _is_binary(raw: bytes, content_type: str) -> bool:
    if content_type.lower().startswith(_BINARY_TYPES):
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _readable_request_body(raw: bytes | None, content_type: str, redactors: Sequence[Redactor]) -> str | bytes | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return raw if _is_binary(raw, content_type) else raw.decode("utf-8")
    return json.dumps(redacted(data, redactors), indent=2, ensure_ascii=False)


def _readable_response(interaction: Interaction, redactors: Sequence[Redactor]) -> tuple[str | bytes, dict[str, Any]]:
    """The body to store and the `fakeopenai` extras that replay it byte for byte."""
    raw = interaction.response_body
    extra: dict[str, Any] = {}
    if interaction.is_stream:
        events = [_redacted_event(event, redactors) for event in interaction.events()]
        if interaction.event_times is not None and len(interaction.event_times) == len(events):
            extra["event_times"] = [round(t, 3) for t in interaction.event_times]
        return render_sse(events), extra
    if _is_binary(raw, interaction.content_type):
        return raw, extra
    try:
        data = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8"), extra
    cleaned = redacted(data, redactors)
    readable = _render_json(cleaned, _READABLE_STYLE).decode("utf-8")
    if cleaned != data:
        return readable, extra
    style = _json_style(raw, data)
    if style is None:
        return raw.decode("utf-8"), extra
    if style != _READABLE_STYLE:
        extra["json"] = style
    return readable, extra


def _redacted_event(event: SseEvent, redactors: Sequence[Redactor]) -> SseEvent:
    if not redactors:
        return event
    try:
        data = json.loads(event.data)
    except ValueError:
        return event
    cleaned = redacted(data, redactors)
    if cleaned == data:
        return event
    return SseEvent(data=json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")), event=event.event)


def _kept(
    headers: Mapping[str, Sequence[str]], names: frozenset[str], prefixes: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    return {k: list(v) for k, v in headers.items() if k.lower() in names or k.lower().startswith(prefixes)}


def to_vcr(interaction: Interaction, redactors: Sequence[Redactor] = ()) -> dict[str, Any]:
    """One interaction in vcrpy's format, readable, with only harmless headers kept."""
    request_headers = _kept(interaction.request_headers, _KEPT_REQUEST_HEADERS)
    content_type = header(interaction.request_headers, "content-type") or ""
    body, extra = _readable_response(interaction, redactors)
    response: dict[str, Any] = {
        "status": {"code": interaction.status, "message": interaction.reason},
        "headers": _kept(interaction.response_headers, _KEPT_RESPONSE_HEADERS, _KEPT_RESPONSE_PREFIXES),
        "body": {"string": body},
    }
    if extra:
        response["fakeopenai"] = extra
    return {
        "request": {
            "method": interaction.method,
            "uri": interaction.uri,
            "headers": request_headers,
            "body": _readable_request_body(interaction.request_body, content_type, redactors),
        },
        "response": response,
    }


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line strings as literal blocks, so bodies read as they are."""


class _FastDumper(getattr(yaml, "CSafeDumper", _Dumper)):  # type: ignore[misc]
    """`_Dumper` on libyaml, which escapes characters beyond the BMP (emoji) and so quotes their whole string."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
_FastDumper.add_representer(str, _represent_str)


def dumps(interactions: Sequence[Interaction], redactors: Sequence[Redactor] = ()) -> str:
    """The cassette text of `interactions`."""
    document = {"interactions": [to_vcr(i, redactors) for i in interactions], "version": FORMAT_VERSION}
    options: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 1 << 20}
    text = str(yaml.dump(document, Dumper=_FastDumper, **options))
    if "\\U000" in text:
        text = str(yaml.dump(document, Dumper=_Dumper, **options))
    # A kept-newlines block (`|+`, a stream's text) makes PyYAML end the document with `...`; at the end of
    # the file that marker says nothing, and it only puzzles readers.
    return text[:-4] if text.endswith("\n...\n") else text


def find_secrets(text: str, known: Iterable[str] = ()) -> list[str]:
    """Where `text` holds something shaped like a credential (or one of the `known` values), as readable lines."""
    found = []
    lines = text.splitlines()
    patterns = [*_SECRET_PATTERNS, *(("the upstream API key", re.compile(re.escape(k))) for k in known if len(k) >= 8)]
    for number, line in enumerate(lines, 1):
        for what, pattern in patterns:
            match = pattern.search(line)
            if match:
                value = match.group(0)
                masked = value[:6] + "…" + value[-2:] if len(value) > 10 else "…"
                found.append(f"line {number}: {what} ({masked})")
    return found


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the cassette's directory (shared by every process on this machine)."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:
        yield
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: readers see the old file or the new, never part of one.

    Call under `locked(path)`: temporary files that a killed writer left behind are removed first.
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def save(
    path: Path,
    interactions: Sequence[Interaction],
    redactors: Sequence[Redactor] = (),
    known_secrets: Iterable[str] = (),
) -> None:
    """Write `interactions` to `path` atomically; refuse, writing nothing, if a secret would reach the disk."""
    text = dumps(interactions, redactors)
    secrets = find_secrets(text, known_secrets)
    if secrets:
        shown = "\n  ".join(secrets[:10])
        raise CassetteError(
            f"Refusing to write the cassette {path}: it would contain what looks like a credential:\n  {shown}\n"
            "Nothing was written. Keep keys out of prompts and answers, or add a redactor "
            "(`redact=` on the fakeopenai marker or in fakeopenai_config) that replaces them."
        )
    write_atomically(path, text)
