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
import hashlib
import io
import json
import os
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

import yaml

from .._app.responses import SseEvent
from .._errors import FakeOpenAIError
from .credentials import Secret, clean_url, scan
from .matching import RequestData, api_path

Redactor = Callable[[Any], Any]
"""A function given each JSON document about to be written (request body, response body, each event's data) that
returns the document to write instead."""

FORMAT_VERSION = 1

MAX_CASSETTE_BYTES = 128 * 1024 * 1024
"""The largest cassette file that is read. Loading holds the text and its parsed form at once, and GitHub refuses
files over 100 MB, so no cassette kept in a repository comes near it."""
MAX_BODY_BYTES = 64 * 1024 * 1024
"""The most bytes one body may decompress to: the server's default limit on a request body."""
MAX_BODIES_BYTES = 256 * 1024 * 1024
"""The most bytes all bodies of one cassette may take together, decompressed."""

_KEPT_REQUEST_HEADERS = frozenset({"content-type", "accept", "openai-beta"})
_KEPT_RESPONSE_HEADERS = frozenset(
    {"content-type", "openai-processing-ms", "openai-version", "x-request-id", "retry-after", "retry-after-ms"}
)
_KEPT_RESPONSE_PREFIXES = ("x-ratelimit-",)
_BINARY_TYPES = ("audio/", "image/", "video/", "application/octet-stream", "application/zip", "application/pdf")

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


class RecordingsLeftOut(CassetteError):
    """Recordings left out of a saved cassette because they held what looks like a credential; the rest were saved.

    Its message has one line per recording left out, naming it and what was found (masked).
    """

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = tuple(lines)
        """One line per recording left out."""


@dataclass(frozen=True)
class Interaction:
    """One recorded exchange: the request as sent upstream and the answer as the client got it."""

    method: str
    uri: str
    request_headers: Mapping[str, Sequence[str]] = field(repr=False)
    request_body: bytes | None = field(repr=False)
    status: int
    reason: str
    response_headers: Mapping[str, Sequence[str]] = field(repr=False)
    response_body: bytes = field(repr=False)
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
        self._buffer = bytearray()
        self._data: list[str] = []
        self._event: str | None = None

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """The events completed by `chunk`."""
        self._buffer += chunk
        if b"\n" not in chunk:
            return []
        end = self._buffer.rfind(b"\n")
        complete = self._buffer[:end].decode("utf-8", "replace")
        del self._buffer[: end + 1]
        events = []
        for line in complete.split("\n"):
            line = line.rstrip("\r")
            if line.startswith("data:"):
                self._data.append(line[6:] if line.startswith("data: ") else line[5:])
                continue
            event = self._line(line)
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

_RECORD_AGAIN = "Delete the file and record it again (--openai-record-mode=once), or mend it by hand."
_SCALARS = (str, int, float)


def _broken(where: str, problem: str) -> CassetteError:
    return CassetteError(f"{where}: {problem}. {_RECORD_AGAIN}")


def _too_large(source: object) -> CassetteError:
    return CassetteError(
        f"The cassette {source} is larger than {MAX_CASSETTE_BYTES >> 20} MiB, more than fakeopenai reads. "
        "Split it into several cassettes."
    )


class _AliasRefused(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _CassetteLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML's safe loader, with the few Python tags vcrpy has written for request bodies (a string, a tuple, a
    `BytesIO`, an iterator), each rebuilt from its data alone: no tag can make it call anything else."""


def _python_scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    return loader.construct_scalar(node)


def _python_tuple(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Any:
    return tuple(loader.construct_sequence(node))


def _python_bytes_io(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    state = loader.construct_mapping(node, deep=True).get("state") or (b"",)
    data = state[0] if isinstance(state, (list, tuple)) and state else b""
    return io.BytesIO(data.encode("utf-8") if isinstance(data, str) else data if isinstance(data, bytes) else b"")


def _python_iter(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    args: Any = loader.construct_mapping(node, deep=True).get("args") or ([],)
    return iter(args[0] if isinstance(args, (list, tuple)) and args and isinstance(args[0], list) else [])


for _tag, _constructor in {
    "python/str": _python_scalar,
    "python/unicode": _python_scalar,
    "python/tuple": _python_tuple,
    "python/object/new:_io.BytesIO": _python_bytes_io,
    "python/object/apply:builtins.iter": _python_iter,
}.items():
    _CassetteLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _constructor)


class _AliasRefusingLoader(_CassetteLoader):
    """The cassette loader refusing every YAML alias: a few of them can make a small file name billions of values,
    and cassettes never need one."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            raise _AliasRefused(node.start_mark.line + 1)
        return super().construct_object(node, deep)


def _yaml_loader(refusing_aliases: bool) -> type[yaml.SafeLoader]:
    """The loader for a cassette's text (a text with no `&` has no anchor, so no alias: it needs no check)."""
    return _AliasRefusingLoader if refusing_aliases else _CassetteLoader


class _Budget:
    """The bytes the bodies of one cassette may still take, decompressed."""

    def __init__(self) -> None:
        self.left = MAX_BODIES_BYTES

    def take(self, body: bytes, where: str, what: str) -> bytes:
        if len(body) > min(self.left, MAX_BODY_BYTES):
            raise self.refusal(where, what)
        self.left -= len(body)
        return body

    def refusal(self, where: str, what: str) -> CassetteError:
        if self.left < MAX_BODY_BYTES:
            problem = f"with its {what} body, all bodies of the cassette take more than {MAX_BODIES_BYTES >> 20} MiB"
        else:
            problem = f"its {what} body takes more than {MAX_BODY_BYTES >> 20} MiB"
        return _broken(where, problem + " decompressed, more than fakeopenai replays")


def _as_bytes(value: Any, where: str, what: str) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, io.BytesIO):
        return value.getvalue()
    if isinstance(value, (list, tuple, Iterator)):
        parts = list(value)
        if all(isinstance(part, (bytes, str)) for part in parts):
            return b"".join(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part for part in parts)
    raise _broken(where, f"its {what} body is {type(value).__name__}, not text or bytes")


def _headers(value: Any, where: str, what: str) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _broken(where, f"its {what} headers are not a mapping of names to values")
    headers = {}
    for name, values in value.items():
        items = values if isinstance(values, (list, tuple)) else (values,)
        if not isinstance(name, str) or not all(isinstance(item, _SCALARS) for item in items):
            raise _broken(where, f"its {what} header {name!r} is not a name with text values")
        headers[name] = [str(item) for item in items]
    return headers


def _inflate(body: bytes, wbits: int, limit: int) -> bytes | None:
    """`body` inflated, None if it ends before its compressed data does; never more than `limit` + 1 bytes."""
    pieces = []
    size = 0
    while True:
        inflater = zlib.decompressobj(wbits)
        piece = inflater.decompress(body, limit + 1 - size)
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            return b"".join(pieces)
        if not inflater.eof:
            return None
        # A gzip body may hold several members one after another; zeros after the last are padding.
        body = inflater.unused_data
        if wbits < 16 or not body.strip(b"\0"):
            return b"".join(pieces)


def _unbrotli(body: bytes, limit: int) -> bytes | None:
    """As `_inflate`, for brotli (1.2 or later, which bounds its output); damaged data raises ValueError."""
    import brotli  # type: ignore[import-not-found, unused-ignore]

    decompressor = brotli.Decompressor()
    try:
        pieces = [decompressor.process(body, output_buffer_limit=limit + 1)]
        size = len(pieces[0])
        while size <= limit and not decompressor.is_finished():
            piece = decompressor.process(b"", output_buffer_limit=limit + 1 - size)
            if not piece:
                break
            pieces.append(piece)
            size += len(piece)
    except brotli.error as exc:
        raise ValueError(str(exc)) from None
    return b"".join(pieces) if size > limit or decompressor.is_finished() else None


def _decompress(body: bytes, headers: dict[str, list[str]], where: str, budget: _Budget) -> bytes:
    """The body without its `Content-Encoding` (as client-side recorders store it), and the header dropped."""
    encoding = (header(headers, "content-encoding") or "identity").lower().strip()
    for name in [k for k in headers if k.lower() in ("content-encoding", "content-length")]:
        del headers[name]
    if encoding in ("identity", ""):
        return budget.take(body, where, "response")
    limit = min(budget.left, MAX_BODY_BYTES)
    try:
        if encoding in ("gzip", "x-gzip"):
            inflated = _inflate(body, 16 + zlib.MAX_WBITS, limit)
        elif encoding == "deflate":
            try:
                inflated = _inflate(body, zlib.MAX_WBITS, limit)
            except zlib.error:
                inflated = _inflate(body, -zlib.MAX_WBITS, limit)
        elif encoding == "br":
            inflated = _unbrotli(body, limit)
        else:
            raise CassetteError(f"{where}: bodies compressed with {encoding!r} cannot be replayed.")
    except ImportError:
        raise CassetteError(f"{where}: the body is brotli-compressed; install `brotli` to replay it.") from None
    except TypeError:
        raise CassetteError(
            f"{where}: the body is brotli-compressed, and the installed `brotli` is older than 1.2, which cannot "
            "bound what it decompresses; upgrade it (pip install 'brotli>=1.2')."
        ) from None
    except (zlib.error, ValueError) as exc:
        raise _broken(where, f"its {encoding} body cannot be decompressed ({exc})") from None
    if inflated is None:
        raise _broken(where, f"its {encoding} body is cut short: it ends before its compressed data does")
    return budget.take(inflated, where, "response")


def _is_json(content_type: str) -> bool:
    kind = content_type.partition(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


_JSON_DECODER = json.JSONDecoder()


def _check_stream(body: bytes, where: str) -> None:
    """Refuse a stream cut short or damaged: each event's data is JSON or `[DONE]`, and its last line is whole."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _broken(where, f"its stream is not UTF-8 text ({exc})") from None
    if not text.endswith(("\n", "\r")):
        raise _broken(where, "its stream ends in the middle of a line: it was cut short")
    for number, event in enumerate(parse_sse(text)):
        data = event.data
        if data == "[DONE]":
            continue
        try:
            # Half the cost of json.loads, and as strict when it reads the whole text; json.loads says why not.
            whole = _JSON_DECODER.raw_decode(data)[1] == len(data)
        except ValueError:
            whole = False
        if not whole:
            try:
                json.loads(data)
            except ValueError as exc:
                raise _broken(where, f"the data of its stream event #{number} is not valid JSON ({exc})") from None


def _status(response: Mapping[str, Any], where: str) -> tuple[int, str]:
    code: Any
    reason: Any = ""
    if "status_code" in response:
        code = response["status_code"]
    else:
        status = response.get("status")
        if not isinstance(status, Mapping):
            raise _broken(where, "its response has no `status` (a mapping of `code` and `message`)")
        code, reason = status.get("code"), status.get("message")
    if type(code) is not int or not 100 <= code <= 599:
        raise _broken(where, f"its status {code!r} is not an HTTP status (a whole number from 100 to 599)")
    return code, "" if reason is None else str(reason)


def _extras(response: Mapping[str, Any], where: str) -> tuple[str | None, tuple[float, ...] | None]:
    """The JSON style and the event times kept under the response's `fakeopenai` key."""
    extra = response.get("fakeopenai") or {}
    if not isinstance(extra, Mapping):
        raise _broken(where, "its `fakeopenai` key is not a mapping")
    style, times = extra.get("json"), extra.get("event_times")
    if style is not None and (not isinstance(style, str) or style.partition("+")[0] not in _JSON_STYLES):
        raise _broken(where, f"its JSON style {style!r} (`fakeopenai.json`) is not one fakeopenai writes")
    if times is not None and (not isinstance(times, list) or not all(type(t) in (int, float) for t in times)):
        raise _broken(where, "its `fakeopenai.event_times` is not a list of seconds")
    return style or None, (tuple(map(float, times)) if times is not None else None)


def _interaction(raw: Any, source: str, number: int, budget: _Budget) -> Interaction:
    """The interaction `raw`, checked whole: every body decodes, JSON parses and streams are whole."""
    where = f"The cassette {source}, interaction #{number}"
    if not isinstance(raw, Mapping):
        raise _broken(where, "it is not a mapping of `request` and `response`")
    request = raw.get("request")
    if not isinstance(request, Mapping):
        raise _broken(where, "it has no `request` (a mapping)")
    method, uri = request.get("method"), request.get("uri")
    if not isinstance(method, str) or not method:
        raise _broken(where, "its request has no `method`")
    if not isinstance(uri, str) or not uri:
        raise _broken(where, "its request has no `uri`")
    method = method.upper()
    where += f" ({method} {uri})"
    response = raw.get("response")
    if not isinstance(response, Mapping):
        raise _broken(where, "it has no `response` (a mapping)")
    status, reason = _status(response, where)
    if "status_code" in response:
        body_value = response.get("content")
    else:
        body_field = response.get("body")
        if not isinstance(body_field, Mapping) or "string" not in body_field:
            raise _broken(where, "its response body is not a mapping with a `string`")
        body_value = body_field["string"]
    headers = _headers(response.get("headers"), where, "response")
    request_headers = _headers(request.get("headers"), where, "request")
    style, times = _extras(response, where)
    body = _decompress(_as_bytes(body_value, where, "response") or b"", headers, where, budget)
    request_body = _as_bytes(request.get("body"), where, "request")
    if request_body:
        budget.take(request_body, where, "request")
    content_type = header(headers, "content-type") or "application/json"
    try:
        if body and _is_json(content_type):
            data = json.loads(body)
            if style:
                body = _render_json(data, style)
        elif style:
            body = _render_json(json.loads(body), style)
    except ValueError as exc:
        raise _broken(where, f"its response body is not valid JSON ({exc})") from None
    if body and content_type.partition(";")[0].strip().lower() == "text/event-stream":
        _check_stream(body, where)
    try:
        interaction = Interaction(
            method=method,
            uri=uri,
            request_headers=request_headers,
            request_body=request_body,
            status=status,
            reason=reason,
            response_headers=headers,
            response_body=body,
            event_times=times,
        )
    except ValueError as exc:
        raise _broken(where, f"its request cannot be read ({exc})") from None
    parsed = interaction.request.body
    unparsed = not isinstance(parsed, (dict, list)) or (isinstance(parsed, dict) and parsed.keys() == {"sha256"})
    if unparsed and _is_json(header(request_headers, "content-type") or ""):
        # Matching parsed the body already (`body_data`). Text or a digest back means it may not be JSON: parse it
        # once more, to say why.
        try:
            json.loads(request_body or b"null")
        except ValueError as exc:
            raise _broken(where, f"its request body is not valid JSON ({exc})") from None
    return interaction


def parse(text: str, source: str) -> list[Interaction]:
    """The interactions of a cassette's text, each checked whole; `source` names it in errors."""
    if not text.strip():
        return []
    if len(text) > MAX_CASSETTE_BYTES:
        raise _too_large(source)
    # Parsing builds many small objects and no cycles: pausing the cyclic collector halves the load time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = yaml.load(text, Loader=_yaml_loader("&" in text))
    except _AliasRefused as exc:
        raise CassetteError(
            f"The cassette {source} uses the YAML node anchored on line {exc.line} a second time (an alias). "
            f"A few aliases can make a small file name billions of values, so fakeopenai refuses them; "
            f"cassettes never need one. {_RECORD_AGAIN}"
        ) from None
    except RecursionError:
        raise CassetteError(f"The cassette {source} nests its YAML too deeply to be read. {_RECORD_AGAIN}") from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        raise CassetteError(f"The cassette {source} is not valid YAML: {exc}\n{_RECORD_AGAIN}") from None
    finally:
        if collecting:
            gc.enable()
    if not isinstance(document, Mapping) or not isinstance(document.get("interactions"), list):
        raise CassetteError(
            f"The cassette {source} is not in vcrpy's format (a mapping with `interactions`); "
            "delete it and record it again."
        )
    version = document.get("version")
    if version is None:
        raise CassetteError(
            f"The cassette {source} ends before `version: 1`, the line vcrpy and fakeopenai write last: the file was "
            f"cut short (or written by hand without it). {_RECORD_AGAIN}"
        )
    if type(version) is not int or version != FORMAT_VERSION:
        raise CassetteError(
            f"The cassette {source} is in format version {version!r}; fakeopenai reads vcrpy's version "
            f"{FORMAT_VERSION}. {_RECORD_AGAIN}"
        )
    budget = _Budget()
    return [_interaction(raw, source, number, budget) for number, raw in enumerate(document["interactions"])]


_cache: OrderedDict[tuple[str, int, int], tuple[Interaction, ...]] = OrderedDict()
_cache_lock = threading.Lock()


def load(path: Path) -> tuple[Interaction, ...]:
    """The interactions stored at `path` (none if there is no file), checked whole; unchanged files are read once.

    A cassette that is damaged, cut short, of the wrong shape, or larger than the bounds (`MAX_CASSETTE_BYTES`,
    `MAX_BODY_BYTES`, `MAX_BODIES_BYTES`) raises `CassetteError` naming the file and the interaction.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        return ()
    key = (str(path.resolve()), status.st_mtime_ns, status.st_size)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    if not S_ISREG(status.st_mode):
        raise CassetteError(f"The cassette {path} is not a file; give the path of a YAML file.")
    if status.st_size > MAX_CASSETTE_BYTES:
        raise _too_large(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CASSETTE_BYTES + 1)
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise CassetteError(f"The cassette {path} cannot be read: {exc}.") from exc
    if len(data) > MAX_CASSETTE_BYTES:
        raise _too_large(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CassetteError(
            f"The cassette {path} is not UTF-8 text: the byte {data[exc.start]:#04x} on line {line} is not UTF-8. "
            f"{_RECORD_AGAIN}"
        ) from None
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
            try:
                if _render_json(data, name + suffix) == raw:
                    return name + suffix
            except UnicodeEncodeError:  # a lone surrogate (half an emoji) only the ASCII styles can spell
                break
    return None


def _json_text(data: Any, **options: Any) -> str:
    """`data` as JSON text that UTF-8 can hold: a lone surrogate stays a `\\u` escape."""
    text = json.dumps(data, ensure_ascii=False, **options)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, **options)
    return text


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
    return _json_text(redacted(data, redactors), indent=2)


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
    readable = _json_text(cleaned, indent=2)
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
    return SseEvent(data=_json_text(cleaned, separators=(",", ":")), event=event.event)


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
            "uri": clean_url(interaction.uri),
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
    return dump_documents([to_vcr(i, redactors) for i in interactions])


def dump_documents(documents: list[dict[str, Any]]) -> str:
    """The cassette text of interactions already in vcrpy's format (`to_vcr`)."""
    document = {"interactions": documents, "version": FORMAT_VERSION}
    options: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 1 << 20}
    text = str(yaml.dump(document, Dumper=_FastDumper, **options))
    if "\\U000" in text:
        text = str(yaml.dump(document, Dumper=_Dumper, **options))
    # A kept-newlines block (`|+`, a stream's text) makes PyYAML end the document with `...`; at the end of
    # the file that marker says nothing, and it only puzzles readers.
    return text[:-4] if text.endswith("\n...\n") else text


def _written_texts(document: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every string and byte an interaction in vcrpy's format puts on disk, decoded, and where it sits."""
    for side in ("request", "response"):
        part = document[side]
        if side == "request":
            yield "the request URI", f"{part['method']} {part['uri']} {unquote_plus(part['uri'])}"
        headers = part.get("headers") or {}
        yield f"the {side} headers", "\n".join(f"{name}: {value}" for name, values in headers.items() for value in values)
        body = part["body"]["string"] if side == "response" else part["body"]
        if isinstance(body, bytes):
            # Binary bodies (and multipart uploads, every part in them) are written base64-encoded: read the bytes.
            yield f"the {side} body", body.decode("latin-1")
        elif body:
            yield f"the {side} body", str(body)


def screen(
    interaction: Interaction, redactors: Sequence[Redactor] = (), known_secrets: Sequence[Secret] = ()
) -> tuple[dict[str, Any], list[str]]:
    """The interaction as it would be written (vcrpy's format), and what in it looks like a credential."""
    __tracebackhide__ = True
    document = to_vcr(interaction, redactors)
    return document, scan(_written_texts(document), known_secrets)


def refusal_line(path: Path, label: str, interaction: Interaction, found: Sequence[str]) -> str:
    """The one line naming a recording left out of the cassette at `path`, and why."""
    where = f"{interaction.method} {urlsplit(interaction.uri).path}"
    return (
        f"fakeopenai: {label} {where} was left out of the cassette {path}: it holds {'; '.join(found)}. "
        "The other recordings were saved. Keep keys out of prompts and answers, or redact them "
        "(`redact=` on the fakeopenai marker or in fakeopenai_config; --redact or --redact-json-key for serve)."
    )


def screen_all(
    path: Path,
    interactions: Sequence[Interaction],
    label: str,
    documents: dict[int, dict[str, Any]],
    redactors: Sequence[Redactor] = (),
    known_secrets: Sequence[Secret] = (),
) -> list[str]:
    """Screen the interactions not in `documents` yet (keyed by `id`), adding the document of each clean one.

    Returns one refusal line for each left out, labelled `label` with its `{number}` in `interactions`.
    """
    __tracebackhide__ = True
    refused = []
    for number, interaction in enumerate(interactions):
        if id(interaction) in documents:
            continue
        document, found = screen(interaction, redactors, known_secrets)
        if found:
            refused.append(refusal_line(path, label.format(number=number), interaction, found))
        else:
            documents[id(interaction)] = document
    return refused


def save(
    path: Path,
    interactions: Sequence[Interaction],
    redactors: Sequence[Redactor] = (),
    known_secrets: Sequence[Secret] = (),
) -> list[str]:
    """Write atomically to `path` the interactions that hold no secret; one line for each one left out."""
    __tracebackhide__ = True
    documents: dict[int, dict[str, Any]] = {}
    refused = screen_all(path, interactions, "interaction #{number}", documents, redactors, known_secrets)
    write_atomically(path, dump_documents([documents[id(i)] for i in interactions if id(i) in documents]))
    return refused


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
